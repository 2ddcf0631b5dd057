// The learner's progress: `.course/progress.json` in the workbook, versioned, written atomically.
// Ids the course no longer has (renamed or removed items) are kept in the file but ignored.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Course, Item } from './manifest.js';
import { fileTimestamp } from './timestamp.js';
import { stateDir } from './workbook.js';

export type RecordedStatus = 'read' | 'done' | 'skipped';

export interface Progress {
  version: 1;
  items: Record<string, { status: RecordedStatus; at: string }>;
  hintsUsed: Record<string, number>;
  /** The item `course next` presented last (informational; the current item is computed). */
  current?: string;
}

/** How an item looks in a listing: recorded statuses, plus the one current and the pending rest. */
export type ItemStatus = RecordedStatus | 'current' | 'pending';

export interface LoadedProgress {
  progress: Progress;
  /** Set when an unreadable file was moved aside: where it went, to tell the learner. */
  movedCorruptFileTo?: string;
}

const RECORDED: readonly string[] = ['read', 'done', 'skipped'];

export function progressFile(root: string): string {
  return path.join(stateDir(root), 'progress.json');
}

export function emptyProgress(): Progress {
  return { version: 1, items: {}, hintsUsed: {} };
}

/**
 * Reads the progress file. A missing file is a fresh start; a file that is not valid progress is
 * moved to `.course/progress.corrupt-<timestamp>.json` (never dropped) and a fresh one begins.
 */
export function loadProgress(root: string): LoadedProgress {
  const file = progressFile(root);
  if (!existsSync(file)) return { progress: emptyProgress() };
  const parsed = parseProgress(readFileSync(file, 'utf8'));
  if (parsed) return { progress: parsed };
  const movedTo = path.join(stateDir(root), `progress.corrupt-${fileTimestamp()}.json`);
  renameSync(file, movedTo);
  return { progress: emptyProgress(), movedCorruptFileTo: movedTo };
}

/** Writes to a temporary file and renames it over the old one, so a crash never leaves half a file. */
export function saveProgress(root: string, progress: Progress): void {
  const file = progressFile(root);
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(progress, null, 2)}\n`);
  renameSync(temporary, file);
}

/**
 * Reads the latest file, applies `change` and saves: another `course` process (a watch in a second
 * terminal) may have written since this one started.
 */
export function updateProgress(root: string, change: (progress: Progress) => void): Progress {
  const { progress } = loadProgress(root);
  change(progress);
  saveProgress(root, progress);
  return progress;
}

export function recordStatus(progress: Progress, id: string, status: RecordedStatus, at = new Date()): void {
  progress.items[id] = { status, at: at.toISOString() };
}

/** Records one more hint shown for `id` and returns how many have been shown now. */
export function recordHint(progress: Progress, id: string): number {
  progress.hintsUsed[id] = (progress.hintsUsed[id] ?? 0) + 1;
  return progress.hintsUsed[id];
}

/** The first item, in course order, that is not done, read or skipped; undefined at the end. */
export function currentItem(course: Course, progress: Progress): Item | undefined {
  return course.items.find((item) => progress.items[item.id] === undefined);
}

/** Every item of the course with its status, in course order. */
export function itemStatuses(course: Course, progress: Progress): { item: Item; status: ItemStatus }[] {
  const current = currentItem(course, progress);
  return course.items.map((item) => ({
    item,
    status: progress.items[item.id]?.status ?? (item === current ? 'current' : 'pending'),
  }));
}

/** Items finished (done, read or skipped) out of the course's total; unknown ids do not count. */
export function completion(course: Course, progress: Progress): { finished: number; total: number } {
  const finished = course.items.filter((item) => progress.items[item.id] !== undefined).length;
  return { finished, total: course.items.length };
}

/** The exercise passed most recently, if any. */
export function lastPassedExercise(course: Course, progress: Progress): Item | undefined {
  let latest: { item: Item; at: string } | undefined;
  for (const item of course.items) {
    const entry = progress.items[item.id];
    if (item.kind === 'exercise' && entry?.status === 'done' && (!latest || entry.at > latest.at)) {
      latest = { item, at: entry.at };
    }
  }
  return latest?.item;
}

function parseProgress(text: string): Progress | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(data) || data.version !== 1 || !isRecord(data.items)) return undefined;
  const hintsUsed = data.hintsUsed ?? {};
  if (!isRecord(hintsUsed)) return undefined;
  const items: Progress['items'] = {};
  for (const [id, entry] of Object.entries(data.items)) {
    if (!isRecord(entry) || typeof entry.status !== 'string' || !RECORDED.includes(entry.status)) return undefined;
    items[id] = { status: entry.status as RecordedStatus, at: typeof entry.at === 'string' ? entry.at : '' };
  }
  const hints: Progress['hintsUsed'] = {};
  for (const [id, count] of Object.entries(hintsUsed)) {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return undefined;
    hints[id] = count;
  }
  const current = typeof data.current === 'string' ? data.current : undefined;
  return { version: 1, items, hintsUsed: hints, ...(current ? { current } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
