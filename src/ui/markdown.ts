// Lesson and task markdown rendered for the terminal: marked 18 + marked-terminal 7.3.1, with the
// two list bugs of that pair fixed, and plain text (no escape codes at all) when stdout is not a
// terminal or NO_COLOR is set.
// Rendering happens in two steps. `prerenderMarkdown` styles the text but does not wrap it: it
// leaves markers (src/ui/layout.ts) where prose, tables, shell commands and rules are, so its
// output does not depend on the terminal's width and can be rendered ahead of time (the render
// cache). `layout` then fits it to the width. marked-terminal costs ~150 ms to import, so it is
// loaded here, on first use, never at start-up.
import type { MarkedExtension, Token, Tokens } from 'marked';
import { color as chalk, escapesAllowed } from './color.js';
import { forceHighlightColor, preloadHighlightSubset } from './highlight-subset.js';
import { layout, MARK, type TableData } from './layout.js';
import { hyperlinksAllowed, terminalWidth } from './terminal.js';

export interface RenderOptions {
  /** Column to wrap at; default: the terminal's width (capped at 100), 80 when not a terminal. */
  width?: number;
  /** Colour and links; default: only when stdout is a terminal and NO_COLOR is not set. */
  color?: boolean;
}

/** Styled markdown, laid out for the width. */
export async function renderMarkdown(markdown: string, options: RenderOptions = {}): Promise<string> {
  const useColor = options.color ?? escapesAllowed();
  const styled = await prerenderMarkdown(markdown, { color: useColor });
  return layout(styled, { width: options.width ?? terminalWidth(), hyperlinks: useColor && hyperlinksAllowed() });
}

/** Styled markdown with layout markers, for `layout` (src/ui/layout.ts): the same for every width. */
export async function prerenderMarkdown(markdown: string, { color: useColor }: { color: boolean }): Promise<string> {
  preloadHighlightSubset();
  const [{ Marked }, { markedTerminal }] = await Promise.all([import('marked'), import('marked-terminal')]);
  const marked = new Marked();
  marked.use(
    markedTerminal({
      reflowText: false,
      tab: 2,
      emoji: false,
      // These default to chalk.reset, which only adds `ESC[0m` around every block and line.
      paragraph: plain,
      listitem: plain,
    }),
  );
  marked.use(listFixes(), layoutMarkers(useColor));
  // marked-terminal styles with the shared chalk instance: set it to what this render wants.
  const level = chalk.level;
  chalk.level = useColor ? (Math.max(level, 1) as typeof level) : 0;
  const restoreHighlight = forceHighlightColor(useColor);
  try {
    const rendered = marked.parse(markdown, { async: false });
    return rendered.replace(CHECKBOX_GAP, '$1').replace(/\n{3,}/g, '\n\n').trimEnd();
  } finally {
    chalk.level = level;
    restoreHighlight();
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
  };
}

function withoutCheckboxes(tokens: Token[]): Token[] {
  return tokens.filter((token) => token.type !== 'checkbox');
}

const SHELLS = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

/**
 * Where marked-terminal would wrap (or not) for a fixed width, leave markers for `layout`:
 * paragraphs and list items as one line of prose each (a soft line break is a space, so bullets are
 * not ragged), inline code glued together, tables as data, shell commands splittable between
 * arguments, links and rules decided by the terminal that shows them.
 */
function layoutMarkers(useColor: boolean): MarkedExtension {
  const prose = (inline: string) => MARK.wrap + inline.replace(/\n(?!\uE001)/g, ' ');
  return {
    renderer: {
      paragraph(token) {
        return `${prose(this.parser.parseInline(token.tokens))}\n\n`;
      },
      text(token) {
        // The text of a tight list item: a block token with inline tokens inside.
        if ('tokens' in token && token.tokens) return prose(this.parser.parseInline(token.tokens));
        return false;
      },
      br() {
        return `\n${MARK.wrap}`;
      },
      codespan(token) {
        const code = token.text.replace(/ /g, MARK.glue);
        return useColor ? chalk.yellow(code) : code;
      },
      link(token) {
        const label = this.parser.parseInline(token.tokens);
        return MARK.linkStart + token.href + MARK.linkMiddle + label + MARK.linkEnd;
      },
      hr() {
        return `${MARK.rule}\n\n`;
      },
      code(token) {
        if (!SHELLS.has(token.lang ?? '')) return false;
        const lines = token.text.split('\n').map((line) => `  ${MARK.shell}${line}`);
        return `${lines.join('\n')}\n\n`;
      },
      table(token) {
        const cell = (c: Tokens.TableCell) => this.parser.parseInline(c.tokens);
        const data: TableData = {
          header: token.header.map((c) => (useColor ? chalk.bold(cell(c)) : cell(c))),
          rows: token.rows.map((row) => row.map(cell)),
        };
        return `${MARK.table}${JSON.stringify(data)}\n\n`;
      },
    },
  };
}

// marked-terminal puts two spaces after a tight task item's checkbox.
const CHECKBOX_GAP = /^(\s*(?:\* |\d+\. )(?:\u001b\[[0-9;]*m)*\[[ X]\] ) /gm;
