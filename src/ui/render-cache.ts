// Rendered markdown kept in `.course/render-cache/`, so showing the same lesson or task again
// (`next` on an exercise that has not passed yet, `show`, the dashboard) does not pay ~150 ms for
// importing and warming up marked-terminal. Keyed by everything the output depends on: the text,
// width, colour, what the terminal says about links, and the renderer's own files.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stateDir } from '../course/workbook.js';
import { escapesAllowed } from './color.js';
import type { RenderOptions } from './markdown.js';
import { terminalWidth } from './terminal.js';

const MOST_ENTRIES = 200;
const LINK_ENV = ['TERM', 'TERM_PROGRAM', 'TERM_PROGRAM_VERSION', 'FORCE_HYPERLINK', 'VTE_VERSION', 'WT_SESSION', 'CI'];

export async function renderMarkdownCached(root: string, markdown: string, options: RenderOptions = {}): Promise<string> {
  const resolved = { width: options.width ?? terminalWidth(), color: options.color ?? escapesAllowed() };
  const dir = path.join(stateDir(root), 'render-cache');
  const file = path.join(dir, `${cacheKey(markdown, resolved)}.txt`);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // not rendered yet
  }
  const { renderMarkdown } = await import('./markdown.js');
  const text = await renderMarkdown(markdown, resolved);
  store(dir, file, text);
  return text;
}

function cacheKey(markdown: string, options: Required<RenderOptions>): string {
  const linkEnv = LINK_ENV.map((name) => process.env[name] ?? '');
  const stdoutIsTerminal = Boolean(process.stdout.isTTY);
  return createHash('sha256')
    .update(JSON.stringify([rendererStamp(), options.width, options.color, stdoutIsTerminal, linkEnv, markdown]))
    .digest('hex')
    .slice(0, 32);
}

/** Changes when the runner or marked / marked-terminal are rebuilt or upgraded. */
function rendererStamp(): string[] {
  const files = [
    path.join(path.dirname(fileURLToPath(import.meta.url)), 'markdown.js'),
    fileURLToPath(import.meta.resolve('marked')),
    fileURLToPath(import.meta.resolve('marked-terminal')),
  ];
  return files.map((file) => {
    try {
      const stats = statSync(file);
      return `${stats.mtimeMs}:${stats.size}`;
    } catch {
      return '-';
    }
  });
}

/** Best effort; keeps the folder small by dropping the oldest half when it grows past its limit. */
function store(dir: string, file: string, text: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, file);
    const entries = readdirSync(dir);
    if (entries.length <= MOST_ENTRIES) return;
    entries
      .map((name) => ({ name, at: statSync(path.join(dir, name)).mtimeMs }))
      .sort((a, b) => a.at - b.at)
      .slice(0, entries.length - MOST_ENTRIES / 2)
      .forEach(({ name }) => rmSync(path.join(dir, name), { force: true }));
  } catch {
    // A workbook that cannot be written to still works, only slower.
  }
}
