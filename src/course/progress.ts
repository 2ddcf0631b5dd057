// The learner's progress: `.course/progress.json` in the workbook, versioned, written atomically.
// Ids the course no longer has (renamed or removed items) are kept in the file but ignored.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Course, Item } from './manifest.js';
import { fileTimestamp } from './timestamp.js';
import { UserError } from '../ui/errors.js';
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
  /** Set when the file could not be used as it was; the learner is told (workbook-context.ts). */
  problem?: ProgressProblem;
}

export interface ProgressProblem {
  /** `damaged`: not valid JSON; `invalid`: valid JSON with entries that are not progress. */
  cause: 'damaged' | 'empty' | 'version' | 'invalid';
  /** Where the original file was kept, beside the new one. */
  keptAt: string;
  /** How many statuses and hint counts were read back from it. */
  salvaged: number;
  /** The file's `version`, when that was the problem. */
  version?: unknown;
}

/** A progress file that could not be written; what was there before is untouched. */
export class ProgressSaveError extends UserError {
  constructor(
    readonly file: string,
    readonly code: string | undefined,
  ) {
    super(messages.notSaved(file, code), 1);
    this.name = 'ProgressSaveError';
  }
}

const RECORDED: readonly string[] = ['read', 'done', 'skipped'];
const VERSION = 1;

export function progressFile(root: string): string {
  return path.join(stateDir(root), 'progress.json');
}

export function emptyProgress(): Progress {
  return { version: 1, items: {}, hintsUsed: {} };
}

/**
 * Reads the progress file. A missing file is a fresh start. A file that is not valid progress
 * (damaged, empty, of another version, with entries that are not progress) is never dropped: it is
 * kept beside the new one as `progress.<cause>-<timestamp>.json`, what can be read of it is
 * salvaged and saved, and `problem` says what happened.
 */
export function loadProgress(root: string): LoadedProgress {
  const file = progressFile(root);
  if (!existsSync(file)) return { progress: emptyProgress() };
  const text = readFileSync(file, 'utf8');
  const read = readProgress(text);
  if (!read.cause) return { progress: read.progress };
  const keptAt = path.join(stateDir(root), `progress.${read.cause}-${fileTimestamp()}.json`);
  renameSync(file, keptAt);
  try {
    saveProgress(root, read.progress);
  } catch (error) {
    renameSync(keptAt, file); // as it was: the next command tries again
    throw error;
  }
  const salvaged = Object.keys(read.progress.items).length + Object.keys(read.progress.hintsUsed).length;
  return { progress: read.progress, problem: { cause: read.cause, keptAt, salvaged, version: read.version } };
}

/**
 * Writes to a temporary file and renames it over the old one, so a crash or a full disk never
 * leaves half a file: the old file stays as it was until the new one is complete.
 */
export function saveProgress(root: string, progress: Progress): void {
  const file = progressFile(root);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, `${JSON.stringify(progress, null, 2)}\n`);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new ProgressSaveError(file, (error as NodeJS.ErrnoException).code);
  }
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

export interface Completion {
  /** Lessons read and exercises passed; skipped items are not finished. */
  finished: number;
  skipped: number;
  total: number;
  lessons: { read: number; skipped: number; total: number };
  exercises: { passed: number; skipped: number; total: number };
}

/** How far the learner is, counting lessons and exercises apart; unknown ids do not count. */
export function completion(course: Course, progress: Progress): Completion {
  const count = (kind: Item['kind'], status: RecordedStatus) =>
    course.items.filter((item) => item.kind === kind && progress.items[item.id]?.status === status).length;
  const total = (kind: Item['kind']) => course.items.filter((item) => item.kind === kind).length;
  const lessons = { read: count('lesson', 'read'), skipped: count('lesson', 'skipped'), total: total('lesson') };
  const exercises = { passed: count('exercise', 'done'), skipped: count('exercise', 'skipped'), total: total('exercise') };
  return {
    finished: lessons.read + exercises.passed,
    skipped: lessons.skipped + exercises.skipped,
    total: course.items.length,
    lessons,
    exercises,
  };
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

interface ReadProgress {
  progress: Progress;
  cause?: ProgressProblem['cause'];
  version?: unknown;
}

/** Parses a progress file; when it is not valid progress, salvages what can be read of it. */
function readProgress(text: string): ReadProgress {
  if (text.trim() === '') return { progress: emptyProgress(), cause: 'empty' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { progress: salvageText(text), cause: 'damaged' };
  }
  if (!isRecord(data)) return { progress: emptyProgress(), cause: 'invalid' };
  const salvaged = salvageData(data);
  if (data.version !== VERSION) return { progress: salvaged.progress, cause: 'version', version: data.version };
  return salvaged.complete ? { progress: salvaged.progress } : { progress: salvaged.progress, cause: 'invalid' };
}

/** The entries of parsed progress that are valid, and whether that was all of them. */
function salvageData(data: Record<string, unknown>): { progress: Progress; complete: boolean } {
  const progress = emptyProgress();
  let complete = isRecord(data.items) && (data.hintsUsed === undefined || isRecord(data.hintsUsed));
  for (const [id, entry] of Object.entries(isRecord(data.items) ? data.items : {})) {
    if (isRecord(entry) && typeof entry.status === 'string' && RECORDED.includes(entry.status)) {
      progress.items[id] = { status: entry.status as RecordedStatus, at: typeof entry.at === 'string' ? entry.at : '' };
    } else {
      complete = false;
    }
  }
  for (const [id, count] of Object.entries(isRecord(data.hintsUsed) ? data.hintsUsed : {})) {
    if (typeof count === 'number' && Number.isInteger(count) && count >= 0) progress.hintsUsed[id] = count;
    else complete = false;
  }
  if (typeof data.current === 'string') progress.current = data.current;
  return { progress, complete };
}

/** What can still be read of a file that is not JSON (cut short, or edited by hand): its entries. */
function salvageText(text: string): Progress {
  const progress = emptyProgress();
  for (const [, id, body] of text.matchAll(/"([a-z0-9][a-z0-9-]*)"\s*:\s*\{([^{}]*)\}/g)) {
    const status = /"status"\s*:\s*"(read|done|skipped)"/.exec(body!)?.[1];
    const at = /"at"\s*:\s*"([^"]*)"/.exec(body!)?.[1] ?? '';
    if (status) progress.items[id!] = { status: status as RecordedStatus, at };
  }
  const hints = /"hintsUsed"\s*:\s*\{([^{}]*)/.exec(text)?.[1] ?? '';
  for (const [, id, count] of hints.matchAll(/"([a-z0-9][a-z0-9-]*)"\s*:\s*(\d+)/g)) progress.hintsUsed[id!] = Number(count);
  const current = /"current"\s*:\s*"([a-z0-9][a-z0-9-]*)"/.exec(text)?.[1];
  if (current) progress.current = current;
  return progress;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const messages = {
  notSaved: (file: string, code: string | undefined) =>
    `Your progress could not be saved: ${
      code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'the file cannot be written' : 'writing it failed'
    }${code ? ` (${code})` : ''}.\n` +
    `Nothing was lost: ${path.basename(file)} still holds your progress as it was before this command. ` +
    `Free some space (or fix the permissions of ${path.dirname(file)}) and run the command again.`,
};
