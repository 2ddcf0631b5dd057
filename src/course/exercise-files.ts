// The folders of an exercise's code: the learner's work folder, scratch copies for the authoring
// gate, and backups taken before anything replaces the learner's files.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Exercise } from './manifest.js';
import { fileTimestamp } from './timestamp.js';
import { stateDir, workDir } from './workbook.js';

/**
 * The learner's copy of the exercise, copied from the starter the first time it is needed. An
 * existing work folder is never touched. The copy is made beside it and renamed into place, so an
 * interrupted copy never leaves a half-filled work folder behind.
 */
export function ensureWorkDir(root: string, exercise: Exercise): { dir: string; created: boolean } {
  const dir = workDir(root, exercise);
  if (existsSync(dir)) return { dir, created: false };
  mkdirSync(path.dirname(dir), { recursive: true });
  const partial = mkdtempSync(`${dir}.partial-`);
  try {
    cpSync(exercise.starterDir, partial, { recursive: true });
    renameSync(partial, dir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  return { dir, created: true };
}

/** Where scratch copies go: inside the workbook, so the copied code resolves its node_modules. */
export function scratchRoot(root: string): string {
  return path.join(stateDir(root), 'scratch');
}

/**
 * A fresh scratch copy of the starter; for 'solution', with the solution's versions of
 * `exercise.files` laid over it (solutions/ holds only the files a learner edits).
 * The caller removes it when done.
 */
export function copyForCheck(exercise: Exercise, which: 'starter' | 'solution', scratch: string): string {
  mkdirSync(scratch, { recursive: true });
  const dir = mkdtempSync(path.join(scratch, `${exercise.id}-${which}-`));
  refillForCheck(exercise, which, dir);
  return dir;
}

/** Makes `dir` hold exactly what `copyForCheck` would copy, in place: the same folder, edited. */
export function refillForCheck(exercise: Exercise, which: 'starter' | 'solution', dir: string): void {
  for (const entry of readdirSync(dir)) rmSync(path.join(dir, entry), { recursive: true, force: true });
  cpSync(exercise.starterDir, dir, { recursive: true });
  if (which === 'solution') {
    for (const file of exercise.files) {
      const target = path.join(dir, file);
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(path.join(exercise.solutionDir, file), target);
    }
  }
}

/** Copies the learner's work folder to `.course/backups/<exercise>-<timestamp>/` and returns that path. */
export function backup(root: string, exercise: Exercise): string {
  const target = path.join(stateDir(root), 'backups', `${exercise.id}-${fileTimestamp()}`);
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(workDir(root, exercise), target, { recursive: true, errorOnExist: true, force: false });
  return target;
}

/**
 * The starter's copy of one file, as the learner names it (relative to the exercise folder);
 * undefined when the starter has no such file.
 */
export function starterFile(exercise: Exercise, file: string): string | undefined {
  const relative = path.normalize(file);
  if (path.isAbsolute(relative) || relative.split(path.sep).includes('..')) return undefined;
  const absolute = path.join(exercise.starterDir, relative);
  return existsSync(absolute) && statSync(absolute).isFile() ? absolute : undefined;
}

/**
 * Copies one file of the learner's work folder to `.course/backups/<exercise>-<timestamp>/<file>`
 * and returns that path; undefined when the learner has no such file (nothing to back up).
 */
export function backupFile(root: string, exercise: Exercise, file: string): string | undefined {
  const source = path.join(workDir(root, exercise), file);
  if (!existsSync(source)) return undefined;
  const target = path.join(stateDir(root), 'backups', `${exercise.id}-${fileTimestamp()}`, file);
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(source, target, { errorOnExist: true, force: false });
  return target;
}

/** Puts the starter's version of one file back into the work folder. Take a backup first. */
export function restoreStarterFile(root: string, exercise: Exercise, file: string): void {
  const source = starterFile(exercise, file);
  if (!source) throw new Error(`The starter of ${exercise.id} has no ${file}`);
  const target = path.join(ensureWorkDir(root, exercise).dir, file);
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(source, target);
}

/** Replaces the work folder with a fresh copy of the starter. Take a backup first. */
export function restoreStarter(root: string, exercise: Exercise): string {
  const dir = workDir(root, exercise);
  rmSync(dir, { recursive: true, force: true });
  return ensureWorkDir(root, exercise).dir;
}
