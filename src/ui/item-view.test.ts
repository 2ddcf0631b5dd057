// Every lesson and exercise of the course as a learner's terminal shows it, at 80 columns: no line
// wider (a code line too long is cut or wrapped in the middle of a word by the terminal).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { loadCourse } from '../course/manifest.js';
import { PACKAGE_ROOT } from '../course/workbook.js';
import { exerciseView, lessonView } from './item-view.js';

const cache = mkdtempSync(path.join(os.tmpdir(), 'item-view-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

test('every lesson and exercise fits 80 columns', { timeout: 30_000 }, async () => {
  const course = loadCourse(PACKAGE_ROOT);
  const wide: string[] = [];
  for (const item of course.items) {
    const view = item.kind === 'lesson' ? await lessonView(cache, course, item) : await exerciseView(cache, course, item, path.join(process.cwd(), 'work', item.moduleId, item.id));
    for (const line of view.split('\n').map((l) => stripVTControlCharacters(l))) {
      if (line.length > 80) wide.push(`${item.id} (${line.length}): ${line}`);
    }
  }
  expect(wide).toEqual([]);
});
