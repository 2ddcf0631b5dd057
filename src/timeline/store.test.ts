// Pages are kept per exercise, the last few, and the newest is found again.
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { lastPage, newPagePath, timelinesDir, writePage } from './store.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function workbook(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'course-timeline-store-'));
  roots.push(root);
  return root;
}

const page = { title: 't', events: [] };

describe('timeline pages in the workbook', () => {
  test('the newest page overall, or of one exercise; none before any check', () => {
    const root = workbook();
    expect(lastPage(root)).toBeUndefined();
    const older = writePage(newPagePath(root, 'dead-letters', 'check', new Date(2026, 0, 1)), page);
    const newer = writePage(newPagePath(root, 'dead', 'run', new Date(2026, 0, 2)), page);
    utimesSync(older, new Date(2026, 0, 1), new Date(2026, 0, 1));
    expect(lastPage(root)).toBe(newer);
    // `dead` is not a prefix match for `dead-letters`.
    expect(lastPage(root, 'dead-letters')).toBe(older);
    expect(lastPage(root, 'dead')).toBe(newer);
    expect(lastPage(root, 'saga')).toBeUndefined();
  });

  test('keeps the last ten pages of an exercise, and never another exercise’s', () => {
    const root = workbook();
    const other = writePage(newPagePath(root, 'dead-letters-x', 'check', new Date(2026, 0, 1)), page);
    for (let day = 1; day <= 12; day++) {
      const file = writePage(newPagePath(root, 'dead-letters', 'check', new Date(2026, 1, day)), page);
      utimesSync(file, new Date(2026, 1, day), new Date(2026, 1, day));
    }
    const names = readdirSync(timelinesDir(root));
    expect(names.filter((n) => n.startsWith('dead-letters-check-'))).toHaveLength(10);
    expect(names.some((n) => n.includes('2026-02-01'))).toBe(false);
    expect(names).toContain(path.basename(other));
  });
});
