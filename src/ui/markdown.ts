// Lesson and task markdown rendered for the terminal: marked 18 + marked-terminal 7.3.1, with the
// two list bugs of that pair fixed, wrapped to the terminal's width, and plain text (no escape
// codes at all) when stdout is not a terminal or NO_COLOR is set.
// marked-terminal costs ~150 ms to import, so it is loaded here, on first use, never at start-up.
import type { MarkedExtension, Token, Tokens } from 'marked';
import { color as chalk, escapesAllowed } from './color.js';
import { preloadHighlightSubset } from './highlight-subset.js';
import { terminalWidth } from './terminal.js';

export interface RenderOptions {
  /** Column to wrap at; default: the terminal's width (capped at 100), 80 when not a terminal. */
  width?: number;
  /** Colour and links; default: only when stdout is a terminal and NO_COLOR is not set. */
  color?: boolean;
}

export async function renderMarkdown(markdown: string, options: RenderOptions = {}): Promise<string> {
  const width = options.width ?? terminalWidth();
  const useColor = options.color ?? escapesAllowed();
  preloadHighlightSubset();
  const [{ Marked }, { markedTerminal }] = await Promise.all([import('marked'), import('marked-terminal')]);
  const marked = new Marked();
  marked.use(
    markedTerminal({
      width,
      reflowText: true,
      tab: 2,
      emoji: false,
      // These default to chalk.reset, which only adds `ESC[0m` around every block and line.
      paragraph: plain,
      listitem: plain,
      table: plain,
      hr: plain,
      // cli-table3 colours its borders whatever chalk says: give it no style in plain mode.
      tableOptions: useColor ? {} : { style: { head: [], border: [] } },
    }),
  );
  marked.use(listFixes(), useColor ? {} : plainLinks());
  // marked-terminal styles with the shared chalk instance: set it to what this render wants.
  const level = chalk.level;
  chalk.level = useColor ? Math.max(level, 1) as typeof level : 0;
  try {
    const rendered = marked.parse(markdown, { async: false });
    return wrapListLines(rendered.replace(CHECKBOX_GAP, '$1'), width).replace(/\n{3,}/g, '\n\n').trimEnd();
  } finally {
    chalk.level = level;
  }
}

const plain = (text: string) => text;

/**
 * marked >= 13 with marked-terminal 7.3.1: the inline tokens of a tight list item's text were
 * printed raw (`code` with its backticks, **bold** with its stars), and marked 17+ adds a checkbox
 * token that marked-terminal does not expect, so task items showed `[ ]  [ ]`.
 */
function listFixes(): MarkedExtension {
  return {
    walkTokens(token: Token) {
      // A fence's info string can carry words after the language (```yaml no-load); the
      // highlighter takes it whole and prints an error for an unknown language.
      if (token.type === 'code' && (token as Tokens.Code).lang) {
        (token as Tokens.Code).lang = (token as Tokens.Code).lang!.split(/\s+/)[0];
        return;
      }
      if (token.type !== 'list_item' || !(token as Tokens.ListItem).task) return;
      const item = token as Tokens.ListItem;
      item.tokens = withoutCheckboxes(item.tokens);
      const first = item.tokens[0];
      if (first?.type === 'paragraph') first.tokens = withoutCheckboxes(first.tokens ?? []);
    },
    renderer: {
      text(token) {
        if ('tokens' in token && token.tokens) return this.parser.parseInline(token.tokens);
        return false;
      },
    },
  };
}

function withoutCheckboxes(tokens: Token[]): Token[] {
  return tokens.filter((token) => token.type !== 'checkbox');
}

/** marked-terminal writes an OSC 8 link wherever the terminal supports one, NO_COLOR or not. */
function plainLinks(): MarkedExtension {
  return {
    renderer: {
      link(token) {
        const text = this.parser.parseInline(token.tokens);
        return text && text !== token.href ? `${text} (${token.href})` : token.href;
      },
    },
  };
}

// marked-terminal puts two spaces after a tight task item's checkbox.
const CHECKBOX_GAP = /^(\s*(?:\* |\d+\. )(?:\u001b\[[0-9;]*m)*\[[ X]\] ) /gm;
// A list line as marked-terminal prints it: indentation, then `* ` or `1. `.
const LIST_LINE = /^(\s*(?:\* |\d+\. )(?:\[[ X]\] )?)(.*)$/;
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;]*m|\u001b\]8;;.*?\u0007/g;

/**
 * marked-terminal reflows paragraphs but not list items: wrap those at `width`, continuing under
 * the text, not under the bullet. Code blocks and tables are left as they are.
 */
export function wrapListLines(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const match = LIST_LINE.exec(line);
      if (!match || visibleLength(line) <= width) return [line];
      const prefix = match[1]!;
      const indent = ' '.repeat(visibleLength(prefix));
      return wrapWords(match[2]!, Math.max(width - indent.length, 20)).map((part, i) =>
        i === 0 ? prefix + part : indent + part,
      );
    })
    .join('\n');
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && visibleLength(line) + 1 + visibleLength(word) > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines;
}

export function visibleLength(text: string): number {
  return text.replace(ESCAPES, '').length;
}
