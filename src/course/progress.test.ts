import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import {
  completion,
  currentItem,
  itemStatuses,
  lastPassedExercise,
  loadProgress,
  progressFile,
  recordStatus,
  saveProgress,
  updateProgress,
} from './progress.js';

describe('progress file', () => {
  it('starts empty when there is no file, and round-trips what is saved', () => {
    const { root } = fixtureCourse();
    expect(loadProgress(root)).toEqual({ progress: { version: 1, items: {}, hintsUsed: {} } });
    updateProgress(root, (p) => {
      recordStatus(p, 'welcome', 'read', new Date('2025-01-01T00:00:00Z'));
      p.hintsUsed.greet = 2;
    });
    expect(JSON.parse(readFileSync(progressFile(root), 'utf8'))).toEqual({
      version: 1,
      items: { welcome: { status: 'read', at: '2025-01-01T00:00:00.000Z' } },
      hintsUsed: { greet: 2 },
    });
    expect(readdirSync(path.dirname(progressFile(root)))).toEqual(['progress.json']);
  });

  it('moves a corrupted file aside, says where, and starts fresh', () => {
    const { root } = fixtureCourse();
    mkdirSync(path.join(root, '.course'));
    writeFileSync(progressFile(root), '{"version": 1, "items": {');
    const loaded = loadProgress(root);
    expect(loaded.progress.items).toEqual({});
    expect(loaded.movedCorruptFileTo).toMatch(/progress\.corrupt-[\dTZ-]+\.json$/);
    expect(readFileSync(loaded.movedCorruptFileTo!, 'utf8')).toBe('{"version": 1, "items": {');
    expect(existsSync(progressFile(root))).toBe(false);
  });

  it.each([
    ['an unknown version', { version: 2, items: {}, hintsUsed: {} }],
    ['an unknown status', { version: 1, items: { greet: { status: 'finished', at: '' } }, hintsUsed: {} }],
    ['a negative hint count', { version: 1, items: {}, hintsUsed: { greet: -1 } }],
    ['an array', []],
  ])('treats %s as corrupted', (_, content) => {
    const { root } = fixtureCourse();
    saveProgress(root, content as never);
    expect(loadProgress(root).movedCorruptFileTo).toBeDefined();
  });
});

describe('statuses', () => {
  it('keeps ids the course no longer has, without counting them', () => {
    const { root, course } = fixtureCourse();
    updateProgress(root, (p) => recordStatus(p, 'renamed-long-ago', 'done'));
    const progress = updateProgress(root, (p) => recordStatus(p, 'welcome', 'read'));
    expect(progress.items['renamed-long-ago']?.status).toBe('done');
    expect(completion(course, progress)).toEqual({ finished: 1, total: 4 });
    expect(itemStatuses(course, progress).map((s) => [s.item.id, s.status])).toEqual([
      ['welcome', 'read'],
      ['greet', 'current'],
      ['events', 'pending'],
      ['count', 'pending'],
    ]);
  });

  it('makes the first item not done, read or skipped current, and none at the end', () => {
    const { course } = fixtureCourse();
    const progress = { version: 1 as const, items: {}, hintsUsed: {} };
    expect(currentItem(course, progress)?.id).toBe('welcome');
    recordStatus(progress, 'welcome', 'read');
    recordStatus(progress, 'greet', 'skipped');
    expect(currentItem(course, progress)?.id).toBe('events');
    recordStatus(progress, 'events', 'read');
    recordStatus(progress, 'count', 'done');
    expect(currentItem(course, progress)).toBeUndefined();
  });

  it('finds the exercise passed last', () => {
    const { course } = fixtureCourse();
    const progress = { version: 1 as const, items: {}, hintsUsed: {} };
    expect(lastPassedExercise(course, progress)).toBeUndefined();
    recordStatus(progress, 'count', 'done', new Date('2025-01-01'));
    recordStatus(progress, 'greet', 'done', new Date('2025-01-02'));
    expect(lastPassedExercise(course, progress)?.id).toBe('greet');
  });
});
