// Rendered markdown, so showing a lesson or task does not pay ~150 ms for importing and warming up
// marked-terminal. What is stored does not depend on the terminal's width (see src/ui/layout.ts):
// it is laid out for the width when shown, so one entry serves every terminal. Two places: the
// package's `dist/render-cache/`, filled after each build with every text of the course
// (`course __prerender --all`, npm's postbuild), and the workbook's `.course/render-cache/` for
// texts rendered on demand (a lesson an author is editing). Keyed by everything the stored text
// depends on: the text, colour, and the renderer's own files.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT, stateDir } from '../course/workbook.js';
import { escapesAllowed } from './color.js';
import { layout } from './layout.js';
import type { RenderOptions } from './markdown.js';
import { hyperlinksAllowed, terminalWidth } from './terminal.js';

const MOST_ENTRIES = 400;

/** Like renderMarkdown, from the cache when the text was rendered before. */
export async function renderMarkdownCached(root: string, markdown: string, options: RenderOptions = {}): Promise<string> {
  const useColor = options.color ?? escapesAllowed();
  const styled = await prerenderCached(root, markdown, useColor);
  return layout(styled, { width: options.width ?? terminalWidth(), hyperlinks: useColor && hyperlinksAllowed() });
}

/** Where the renders made at build time go. */
export const BUILT_RENDERS = path.join(PACKAGE_ROOT, 'dist', 'render-cache');

/**
 * The width-independent rendering: from the build's renders or the workbook's cache, else rendered
 * now and stored in `into` (default: the workbook's cache).
 */
export async function prerenderCached(root: string, markdown: string, useColor: boolean, into = path.join(stateDir(root), 'render-cache')): Promise<string> {
  const name = `${cacheKey(markdown, useColor)}.txt`;
  for (const dir of [BUILT_RENDERS, into]) {
    try {
      return readFileSync(path.join(dir, name), 'utf8');
    } catch {
      // not rendered there
    }
  }
  const { prerenderMarkdown } = await renderer();
  const text = await prerenderMarkdown(markdown, { color: useColor });
  store(into, path.join(into, name), text);
  return text;
}

/** The renderer bundled at build time (src/cold-bundles.ts), or its modules where there is no bundle (tests run src/). */
async function renderer(): Promise<typeof import('./markdown.js')> {
  const { loadColdBundle } = await import('../cold-load.js');
  return loadColdBundle<typeof import('./markdown.js')>('renderer') ?? import('./markdown.js');
}

function cacheKey(markdown: string, useColor: boolean): string {
  return createHash('sha256')
    .update(JSON.stringify([rendererStamp(), useColor, markdown]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * Changes when the renderer or marked / marked-terminal change: their contents, not their file
 * times (a rebuild that changes nothing must not throw the build's renders away).
 */
let stamp: string | undefined;
function rendererStamp(): string {
  if (stamp) return stamp;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const files = [
    path.join(here, 'markdown.js'),
    path.join(here, 'markdown.bundle.cjs'),
    path.join(here, 'layout.js'),
    fileURLToPath(import.meta.resolve('marked')),
    fileURLToPath(import.meta.resolve('marked-terminal')),
  ];
  const hash = createHash('sha256');
  for (const file of files) {
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('-');
    }
  }
  return (stamp = hash.digest('hex'));
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
