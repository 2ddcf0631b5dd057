// A private copy of test/fixture-course per test, under test/tmp-* (gitignored) so the copied
// checks still resolve vitest from the repository's node_modules.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { loadCourse, type Course, type Exercise } from '../../src/course/manifest.js';
import { settled } from './leftovers.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE = path.join(REPO_ROOT, 'test', 'fixture-course');

const copies: string[] = [];

/** test/tmp-<run>-<what>-: the test run's name in it (see global-setup.ts), to find its leftovers. */
function copyPrefix(what: string): string {
  return path.join(REPO_ROOT, 'test', `tmp-${process.env.COURSE_TEST_RUN ?? 'run'}-${what}-`);
}

/** Copies the fixture course; removed again after the test. */
export function copyFixture(): string {
  const root = mkdtempSync(copyPrefix('fixture'));
  cpSync(FIXTURE, root, { recursive: true });
  copies.push(root);
  return root;
}

/** A copy of the course itself (modules, exercises, solutions, checks), removed after the test. */
export function copyCourse(): string {
  const root = mkdtempSync(copyPrefix('course'));
  for (const dir of ['modules', 'exercises', 'solutions', 'checks', 'package.json']) {
    cpSync(path.join(REPO_ROOT, dir), path.join(root, dir), { recursive: true });
  }
  copies.push(root);
  return root;
}

afterEach(async () => {
  for (const root of copies.splice(0)) {
    await settled(root);
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  }
}, 30_000);

export function fixtureCourse(): { root: string; course: Course; exercise: (id: string) => Exercise } {
  const root = copyFixture();
  const course = loadCourse(root);
  const exercise = (id: string) => {
    const item = course.items.find((i) => i.id === id);
    if (item?.kind !== 'exercise') throw new Error(`no exercise ${id} in the fixture`);
    return item;
  };
  return { root, course, exercise };
}
