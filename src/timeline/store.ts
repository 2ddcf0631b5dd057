// Where timeline pages are kept: `.course/timelines/<id>-<when>.html` in the workbook, the last few
// of each exercise, so `course timeline [id]` can open the newest.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileTimestamp } from '../course/timestamp.js';
import { stateDir } from '../course/workbook.js';
import type { TimelineEvent } from './model.js';
import { timelinePage } from './page.js';

const KEEP_PER_ID = 10;

export function timelinesDir(root: string): string {
  return path.join(stateDir(root), 'timelines');
}

/** A new page's path for an exercise (or example) id, `run` for `course run`'s. */
export function newPagePath(root: string, id: string, kind: 'check' | 'run' = 'check', when = new Date()): string {
  return path.join(timelinesDir(root), `${id}-${kind}-${fileTimestamp(when)}.html`);
}

/** Writes (or rewrites) a page, then drops the oldest pages of that id beyond the last few. */
export function writePage(file: string, page: { title: string; subtitle?: string; events: TimelineEvent[] }): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, timelinePage(page));
  const older = pages(path.dirname(file)).filter((p) => idOf(p) === idOf(file));
  for (const old of older.slice(KEEP_PER_ID)) rmSync(old, { force: true });
  return file;
}

/** The newest page, of one id if given. */
export function lastPage(root: string, id?: string): string | undefined {
  return pages(timelinesDir(root)).find((p) => !id || idOf(p) === id);
}

/** The id a page is of, from its name: `dead-letters-check-2026-…html` is of `dead-letters`. */
function idOf(file: string): string | undefined {
  return /^(.+)-(check|run)-\d{4}-\d\d-\d\dT/.exec(path.basename(file))?.[1];
}

/** Pages, newest first. */
function pages(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.html'));
  } catch {
    return [];
  }
  return names
    .map((n) => path.join(dir, n))
    .map((file) => ({ file, at: statSync(file).mtimeMs }))
    .sort((a, b) => b.at - a.at)
    .map((p) => p.file);
}
