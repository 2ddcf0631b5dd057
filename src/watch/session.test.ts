import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fail, pass, resultOf } from '../../test/helpers/fake-check.js';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import { recordStatus, updateProgress } from '../course/progress.js';
import type { RunCheck } from '../grading/check-and-report.js';
import { WatchSession } from './session.js';

/** A check engine whose runs finish only when the test says so. */
function controlledEngine() {
  const runs: { exerciseId: string; signal?: AbortSignal; finish: (passed: boolean) => void }[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const runCheck: RunCheck = ({ exercise, dir, signal }) =>
    new Promise((resolve) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      const finish = (passed: boolean) => {
        running--;
        resolve(resultOf(exercise.id, dir, [passed ? pass('works') : fail('works')]));
      };
      signal?.addEventListener('abort', () => finish(false));
      runs.push({ exerciseId: exercise.id, signal, finish });
    });
  return { runCheck, runs, mostAtOnce: () => mostAtOnce };
}

function startSession() {
  const fixture = fixtureCourse();
  const engine = controlledEngine();
  const lines: string[] = [];
  const session = new WatchSession({
    root: fixture.root,
    course: fixture.course,
    exercise: fixture.exercise('greet'),
    write: (line) => lines.push(line),
    debounceMs: 20,
    runCheck: engine.runCheck,
    typeCheck: async () => [],
  });
  const workFile = path.join(fixture.root, 'work', '01-basics', 'greet', 'greet.ts');
  return { ...fixture, ...engine, lines, session, workFile };
}

describe('WatchSession', () => {
  it('checks at start, re-checks on save, and never runs two checks at once', async () => {
    const { session, runs, workFile, lines, mostAtOnce } = startSession();
    await session.start();
    expect(runs).toHaveLength(1);
    writeFileSync(workFile, 'edit');
    await expect.poll(() => session.rerunPending).toBe(true);
    await session.onLine('');
    runs[0]!.finish(false);
    await expect.poll(() => runs.length).toBe(2);
    runs[1]!.finish(false);
    await expect.poll(() => lines.at(-1)).toMatch(/^Watching .*saving a file re-checks it/);
    expect(runs).toHaveLength(2);
    expect(mostAtOnce()).toBe(1);
    await session.stop(0);
  });

  it('re-checks on a save once the last check is over', async () => {
    const { session, runs, workFile } = startSession();
    await session.start();
    runs[0]!.finish(false);
    await expect.poll(() => session.checksStarted).toBe(1);
    writeFileSync(workFile, 'edit');
    await expect.poll(() => runs.length).toBe(2);
    await session.stop(0);
  });

  it('after a pass, Enter points to the next lesson and ends the session', async () => {
    const { session, runs, lines } = startSession();
    await session.start();
    runs[0]!.finish(true);
    await expect.poll(() => lines.join('\n')).toContain('Passed!');
    await session.onLine('');
    await expect(session.finished).resolves.toBe(0);
    expect(lines.join('\n')).toContain('Next up is a lesson: Welcome to the fixture course');
  });

  it('after a pass, Enter moves on to the next exercise and watches its folder', async () => {
    const { root, session, runs, lines } = startSession();
    updateProgress(root, (p) => ['welcome', 'events'].forEach((id) => recordStatus(p, id, 'read')));
    await session.start();
    runs[0]!.finish(true);
    await expect.poll(() => lines.join('\n')).toContain('Passed!');
    await session.onLine('');
    expect(lines.join('\n')).toContain('Count the events');
    writeFileSync(path.join(root, 'work', '01-basics', 'count', 'counter.ts'), 'edit');
    await expect.poll(() => runs.map((r) => r.exerciseId)).toEqual(['greet', 'count']);
    await session.stop(0);
  });

  it('aborts the running check when stopped (Ctrl-C) and q quits', async () => {
    const { session, runs } = startSession();
    await session.start();
    await session.stop(130);
    expect(runs[0]!.signal?.aborted).toBe(true);
    await expect(session.finished).resolves.toBe(130);

    const other = startSession();
    await other.session.start();
    other.runs[0]!.finish(false);
    await other.session.onLine('q');
    await expect(other.session.finished).resolves.toBe(0);
  });
});
