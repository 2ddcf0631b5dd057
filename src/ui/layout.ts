// Laying text out for a terminal width. The markdown renderer (markdown.ts) leaves markers in its
// output instead of wrapping, so that its output does not depend on the width: it can be rendered
// once (at build time, or in the background) and laid out here, cheaply, for whatever terminal
// shows it. The same word wrapping serves the check report and the item views.
//
// Rules: prose wraps at spaces, continuing under its first word; inline code never breaks (its
// spaces are glued); a word longer than the width gets a line of its own and is never cut (the
// terminal soft-wraps it, which keeps it copyable); a shell command in a code block is split only
// between arguments, with a ` \` continuation, so that it still pastes into a shell; a table that
// does not fit has its cells wrapped, or is laid out one record at a time.

export const MARK = {
  /** A space that must not break: inside inline code and commands. */
  glue: '\uE000',
  /** The rest of this line is prose: wrap it, continuing under where it starts. */
  wrap: '\uE001',
  /** The rest of this line is a table, as JSON (see TableData). */
  table: '\uE002',
  /** The rest of this line is one line of a shell code block. */
  shell: '\uE003',
  /** A horizontal rule. */
  rule: '\uE004',
  /** `\uE005href\uE006text\uE007`: a link, shown as a hyperlink or as `text (href)`. */
  linkStart: '\uE005',
  linkMiddle: '\uE006',
  linkEnd: '\uE007',
} as const;

export interface TableData {
  header: string[];
  rows: string[][];
}

export interface LayoutOptions {
  width: number;
  /** Write links as OSC 8 hyperlinks (only where the terminal shows them). */
  hyperlinks?: boolean;
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;]*m|\u001b\]8;;.*?\u0007/g;
const GLUE = new RegExp(MARK.glue, 'g');
const LINK = new RegExp(`${MARK.linkStart}([^${MARK.linkMiddle}]*)${MARK.linkMiddle}([^${MARK.linkEnd}]*)${MARK.linkEnd}`, 'g');
const MARKERS = new RegExp(`[${MARK.wrap}${MARK.table}${MARK.shell}${MARK.rule}]`);

/** Characters a terminal shows: escape codes are not counted. */
export function visibleLength(text: string): number {
  return text.replace(ESCAPES, '').length;
}

/** Lays out rendered text with markers for `width` columns. Text without markers is left as is. */
export function layout(text: string, options: LayoutOptions): string {
  const links = (line: string) => line.replace(LINK, (_, href: string, label: string) => linkText(href, label, options.hyperlinks));
  return text
    .split('\n')
    .flatMap((line) => layoutLine(line, options.width, links))
    .join('\n')
    .replace(GLUE, ' ');
}

function layoutLine(line: string, width: number, links: (text: string) => string): string[] {
  const found = MARKERS.exec(line);
  if (!found) return [links(line)];
  const prefix = line.slice(0, found.index);
  const rest = line.slice(found.index + 1);
  const room = Math.max(width - visibleLength(prefix), 20);
  switch (found[0]) {
    case MARK.wrap:
      return hang(prefix, wrapWords(links(rest), room));
    case MARK.shell:
      return hang(prefix, splitCommand(rest, room));
    case MARK.rule:
      return [prefix + '─'.repeat(Math.min(room, 80))];
    default: {
      const table = JSON.parse(rest) as TableData;
      const cells = (row: string[]) => row.map(links);
      return hang(prefix, tableLines({ header: cells(table.header), rows: table.rows.map(cells) }, room));
    }
  }
}

/** The first line keeps the prefix (a bullet, say); the others are indented as far. */
function hang(prefix: string, lines: string[]): string[] {
  const indent = ' '.repeat(visibleLength(prefix));
  return lines.map((line, i) => (i === 0 ? prefix : indent) + line);
}

function linkText(href: string, label: string, hyperlinks = false): string {
  if (hyperlinks) return `\u001b]8;;${href}\u0007${label.replace(/ /g, MARK.glue)}\u001b]8;;\u0007`;
  const plain = label.replace(ESCAPES, '');
  return !plain || plain === href ? href : `${label} (${href})`;
}

/**
 * Greedy word wrap at `width` visible columns. Words are separated by spaces (glued spaces and
 * escape codes stay inside their word); a word wider than the line gets a line of its own.
 */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let length = 0;
  for (const word of text.split(' ')) {
    const size = visibleLength(word);
    if (size === 0) {
      line += word; // escape codes between spaces, or a doubled space
      continue;
    }
    if (length > 0 && length + 1 + size > width) {
      lines.push(line);
      line = word;
      length = size;
    } else {
      line = length > 0 ? `${line} ${word}` : line + word;
      length += (length > 0 ? 1 : 0) + size;
    }
  }
  lines.push(line);
  return lines;
}

/**
 * Wraps plain-text with `code spans` (their backticks kept or not, as the caller prints them):
 * `first` is put before the first line, `rest` before the others. Spaces inside backticks never
 * break. The result is an array of lines; the text's own line breaks are kept.
 */
export function wrapText(text: string, width: number, first = '', rest = first): string[] {
  const room = Math.max(width - Math.max(visibleLength(first), visibleLength(rest)), 20);
  return text.split('\n').flatMap((paragraph, p) =>
    wrapWords(glueCode(paragraph), room).map((line, i) => (p === 0 && i === 0 ? first : rest) + line.replace(GLUE, ' ')),
  );
}

/**
 * Spaces inside `code` become glue, so wrapping never splits code; so do those of a course
 * command said in prose (`npx course solution publish-order`), which a learner copies whole.
 */
export function glueCode(text: string): string {
  return text
    .replace(/`[^`\n]+`/g, (code) => code.replace(/ /g, MARK.glue))
    .replace(/\bnpx course [a-z]+(?: (?!npx\b)[\w.:/-]+){0,2}/g, (command) => command.replace(/ /g, MARK.glue));
}

/**
 * A shell command longer than `width`, split between arguments (never inside quotes) with a
 * ` \` continuation, so that the lines still paste into a shell as one command.
 */
export function splitCommand(command: string, width: number): string[] {
  if (visibleLength(command) <= width) return [command];
  const indent = /^ */.exec(command)![0];
  const args = withTheirValues(shellWords(command.slice(indent.length)));
  const lines: string[] = [];
  let line = indent;
  for (const arg of args) {
    const candidate = line.trim() ? `${line} ${arg}` : line + arg;
    if (line.trim() && visibleLength(candidate) + 2 > width) {
      lines.push(`${line} \\`);
      line = `${indent}  ${arg}`;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines;
}

/** `-H 'a: b'` stays together: an option and the value after it are never split apart. */
function withTheirValues(words: string[]): string[] {
  const grouped: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const next = words[i + 1];
    if (words[i]!.startsWith('-') && next !== undefined && !next.startsWith('-') && next !== '\\') {
      grouped.push(`${words[i]} ${next}`.replace(/ /g, MARK.glue));
      i++;
    } else {
      grouped.push(words[i]!);
    }
  }
  return grouped;
}

/** Splits at spaces outside single and double quotes; quotes are kept. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (const char of command) {
    if (quote) {
      if (char === quote) quote = undefined;
      word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word += char;
    } else if (char === ' ') {
      if (word) words.push(word);
      word = '';
    } else {
      word += char;
    }
  }
  if (word) words.push(word);
  return words;
}

/** A table in `width` columns: boxed as is, boxed with its cells wrapped, or one record at a time. */
export function tableLines(table: TableData, width: number): string[] {
  const columns = table.header.length;
  const all = [table.header, ...table.rows];
  const border = 3 * columns + 1;
  const natural = range(columns).map((c) => Math.max(1, ...all.map((row) => visibleLength(row[c] ?? ''))));
  if (sum(natural) + border <= width) return boxed(table, natural, false);
  const least = range(columns).map((c) => Math.max(1, ...all.flatMap((row) => (row[c] ?? '').split(' ').map(visibleLength))));
  if (sum(least) + border > width) return records(table, width);
  const widths = [...natural];
  while (sum(widths) + border > width) {
    // Take a column from the widest that can still give one.
    const c = widths.reduce((best, w, i) => (w > least[i]! && (best < 0 || w > widths[best]!) ? i : best), -1);
    widths[c]!--;
  }
  return boxed(table, widths, true);
}

function boxed(table: TableData, widths: number[], ruleEveryRow: boolean): string[] {
  const rule = (left: string, middle: string, right: string) => left + widths.map((w) => '─'.repeat(w + 2)).join(middle) + right;
  const rowLines = (row: string[]) => {
    const cells = widths.map((w, c) => wrapWords(row[c] ?? '', w));
    const height = Math.max(...cells.map((lines) => lines.length));
    return range(height).map(
      (i) => '│' + cells.map((lines, c) => ` ${pad(lines[i] ?? '', widths[c]!)} `).join('│') + '│',
    );
  };
  const lines = [rule('┌', '┬', '┐'), ...rowLines(table.header), rule('├', '┼', '┤')];
  table.rows.forEach((row, r) => {
    if (r > 0 && ruleEveryRow) lines.push(rule('├', '┼', '┤'));
    lines.push(...rowLines(row));
  });
  lines.push(rule('└', '┴', '┘'));
  return lines;
}

/** Each row as a record: its first cell, then `header: cell` for the others, indented. */
function records(table: TableData, width: number): string[] {
  const lines: string[] = [];
  table.rows.forEach((row, r) => {
    if (r > 0) lines.push('');
    lines.push(...wrapWords(row[0] ?? '', width));
    for (let c = 1; c < table.header.length; c++) {
      const cell = row[c] ?? '';
      if (!visibleLength(cell)) continue;
      lines.push(...wrapWords(`${table.header[c]}: ${cell}`, width - 4).map((l, i) => (i === 0 ? '  ' : '    ') + l));
    }
  });
  return lines;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
