import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import {
  completion,
  currentItem,
  emptyProgress,
  itemStatuses,
  lastPassedExercise,
  loadProgress,
  progressFile,
  ProgressSaveError,
  recordStatus,
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

  // The fault matrix (issue 10): each bad file is kept beside the new one, what can be read of it
  // is salvaged and saved, the cause is named, and all of it within a bound.
  const BOUND_MS = 1000;
  function loadTimed(root: string) {
    const started = Date.now();
    const loaded = loadProgress(root);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    return loaded;
  }
  function withFile(text: string) {
    const { root } = fixtureCourse();
    mkdirSync(path.join(root, '.course'));
    writeFileSync(progressFile(root), text);
    return root;
  }

  it('salvages the entries of a damaged file, keeps the original beside it, and saves what was read', () => {
    const damaged =
      '{"version": 1, "items": {"welcome": {"status": "read", "at": "2025-01-01T00:00:00.000Z"}, "greet": {"status": "done", "at": "2025-01-02T00:00:00.000Z"}, "events": {"sta';
    const root = withFile(damaged);
    const { progress, problem } = loadTimed(root);
    expect(problem).toMatchObject({ cause: 'damaged', salvaged: 2 });
    expect(problem!.keptAt).toMatch(/progress\.damaged-[\dTZ-]+\.json$/);
    expect(readFileSync(problem!.keptAt, 'utf8')).toBe(damaged);
    expect(progress.items).toEqual({
      welcome: { status: 'read', at: '2025-01-01T00:00:00.000Z' },
      greet: { status: 'done', at: '2025-01-02T00:00:00.000Z' },
    });
    expect(loadProgress(root)).toEqual({ progress });
  });

  it('says an empty file was empty, and starts fresh', () => {
    const root = withFile('');
    const { progress, problem } = loadTimed(root);
    expect(problem).toMatchObject({ cause: 'empty', salvaged: 0 });
    expect(progress).toEqual(emptyProgress());
    expect(existsSync(problem!.keptAt)).toBe(true);
  });

  it.each([
    ['a newer version', 2],
    ['an unknown version', 'x'],
  ])('names %s as the cause, keeps the file, and reads back what looks like progress', (_, version) => {
    const root = withFile(JSON.stringify({ version, items: { welcome: { status: 'read', at: 'a' }, greet: { state: 'new' } }, hintsUsed: { greet: 2 } }));
    const { progress, problem } = loadTimed(root);
    expect(problem).toMatchObject({ cause: 'version', version, salvaged: 2 });
    expect(progress.items).toEqual({ welcome: { status: 'read', at: 'a' } });
    expect(progress.hintsUsed).toEqual({ greet: 2 });
  });

  it.each([
    ['an unknown status', { version: 1, items: { greet: { status: 'finished', at: '' }, welcome: { status: 'read', at: '' } }, hintsUsed: {} }, 1],
    ['a negative hint count', { version: 1, items: {}, hintsUsed: { greet: -1, count: 1 } }, 1],
    ['an array', [], 0],
  ])('drops %s, keeps the rest and the original', (_, content, salvaged) => {
    const root = withFile(JSON.stringify(content));
    const { problem } = loadTimed(root);
    expect(problem).toMatchObject({ cause: 'invalid', salvaged });
    expect(JSON.parse(readFileSync(problem!.keptAt, 'utf8'))).toEqual(content);
  });

  it.skipIf(!existsSync('/dev/full'))('reports a full disk when saving, and loses nothing', () => {
    const { root } = fixtureCourse();
    updateProgress(root, (p) => recordStatus(p, 'welcome', 'read'));
    const before = readFileSync(progressFile(root), 'utf8');
    // The temporary file the save writes first is /dev/full: the kernel answers ENOSPC.
    const temporary = `${progressFile(root)}.${process.pid}.tmp`;
    symlinkSync('/dev/full', temporary);
    const started = Date.now();
    let thrown: unknown;
    try {
      updateProgress(root, (p) => recordStatus(p, 'greet', 'done'));
    } catch (error) {
      thrown = error;
    }
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(thrown).toBeInstanceOf(ProgressSaveError);
    expect((thrown as Error).message).toMatch(/the disk is full \(ENOSPC\)[\s\S]*Nothing was lost/);
    expect(readFileSync(progressFile(root), 'utf8')).toBe(before);
    expect(existsSync(temporary)).toBe(false);
    expect(readdirSync(path.dirname(progressFile(root)))).toEqual(['progress.json']);
  });
});

describe('statuses', () => {
  it('keeps ids the course no longer has, without counting them', () => {
    const { root, course } = fixtureCourse();
    updateProgress(root, (p) => recordStatus(p, 'renamed-long-ago', 'done'));
    const progress = updateProgress(root, (p) => recordStatus(p, 'welcome', 'read'));
    expect(progress.items['renamed-long-ago']?.status).toBe('done');
    expect(completion(course, progress)).toMatchObject({ finished: 1, skipped: 0, total: 4 });
    expect(itemStatuses(course, progress).map((s) => [s.item.id, s.status])).toEqual([
      ['welcome', 'read'],
      ['greet', 'current'],
      ['events', 'pending'],
      ['count', 'pending'],
    ]);
  });

  it('counts skipped items as skipped, not finished, and lessons and exercises apart', () => {
    const { course } = fixtureCourse();
    const progress = { version: 1 as const, items: {}, hintsUsed: {} };
    recordStatus(progress, 'welcome', 'read');
    recordStatus(progress, 'greet', 'skipped');
    recordStatus(progress, 'count', 'done');
    expect(completion(course, progress)).toEqual({
      finished: 2,
      skipped: 1,
      total: 4,
      lessons: { read: 1, skipped: 0, total: 2 },
      exercises: { passed: 1, skipped: 1, total: 2 },
    });
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
