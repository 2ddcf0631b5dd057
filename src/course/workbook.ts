// Where things live in a learner's workbook.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exercise } from './manifest.js';

/** The package this runner ships in; holds node_modules (tsx, @dapr/dapr) for learner code. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The workbook: COURSE_ROOT if set, else the nearest folder at or above cwd with modules/,
 * else the package itself.
 */
export function findWorkbookRoot(cwd = process.cwd()): string {
  if (process.env.COURSE_ROOT) return path.resolve(process.env.COURSE_ROOT);
  let dir = path.resolve(cwd);
  for (;;) {
    if (existsSync(path.join(dir, 'modules')) && existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return PACKAGE_ROOT;
    dir = parent;
  }
}

/** Runner state: progress, backups, scratch copies. */
export function stateDir(root: string): string {
  return path.join(root, '.course');
}

/** The learner's copy of an exercise, made from the starter the first time it is needed. */
export function workDir(root: string, exercise: Exercise): string {
  return path.join(root, 'work', exercise.moduleId, exercise.id);
}
