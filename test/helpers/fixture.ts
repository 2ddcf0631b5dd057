// A private copy of test/fixture-course per test, under test/tmp-* (gitignored) so the copied
// checks still resolve vitest from the repository's node_modules.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { loadCourse, type Course, type Exercise } from '../../src/course/manifest.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE = path.join(REPO_ROOT, 'test', 'fixture-course');

const copies: string[] = [];

/** Copies the fixture course; removed again after the test. */
export function copyFixture(): string {
  const root = mkdtempSync(path.join(REPO_ROOT, 'test', 'tmp-'));
  cpSync(FIXTURE, root, { recursive: true });
  copies.push(root);
  return root;
}

afterEach(() => {
  for (const root of copies.splice(0)) rmSync(root, { recursive: true, force: true });
});

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
