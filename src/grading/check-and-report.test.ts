import nodeTimers from 'node:timers';
import { describe, expect, it } from 'vitest';
import { fail, fakeRunCheck, pass, resultOf } from '../../test/helpers/fake-check.js';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import { loadProgress } from '../course/progress.js';
import { checkAndReport } from './check-and-report.js';

const noTypeProblems = async () => [];

function setup() {
  const fixture = fixtureCourse();
  const lines: string[] = [];
  return { ...fixture, lines, write: (line: string) => lines.push(line), exercise: fixture.exercise('greet'), typeCheck: noTypeProblems };
}

describe('checkAndReport', () => {
  it('prints each expectation, the closing count, and records a pass', async () => {
    const { root, exercise, lines, write, typeCheck } = setup();
    const runCheck = fakeRunCheck(() => [pass('exports greet'), pass('greets by name')]);
    const result = await checkAndReport({ root, exercise, dir: '/work/greet', write, runCheck, typeCheck });
    expect(result?.outcome).toBe('passed');
    expect(lines.slice(1, 3)).toEqual(['✓ exports greet', '✓ greets by name']);
    expect(lines).toContain('2 passed, 0 failed');
    expect(loadProgress(root).progress.items.greet?.status).toBe('done');
  });

  it('does not record a failure as done', async () => {
    const { root, exercise, lines, write, typeCheck } = setup();
    const runCheck = fakeRunCheck(() => [pass('exports greet'), fail('greets by name')]);
    expect((await checkAndReport({ root, exercise, dir: '/w', write, runCheck, typeCheck }))?.outcome).toBe('code');
    expect(lines).toContain('1 passed, 1 failed');
    expect(loadProgress(root).progress.items.greet).toBeUndefined();
  });

  it('prints expectations the engine did not stream', async () => {
    const { root, exercise, lines, write, typeCheck } = setup();
    const runCheck = async () => resultOf('greet', '/w', [fail('the check runs', 'environment')]);
    await checkAndReport({ root, exercise, dir: '/w', write, runCheck, typeCheck });
    expect(lines).toContain('✗ the check runs');
    expect(lines.join('\n')).toContain('environment failed, not your code');
  });

  it('turns an engine that throws into an environment failure, not a crash', async () => {
    const { root, exercise, lines, write, typeCheck } = setup();
    const runCheck = async () => {
      throw new Error('daprd not found');
    };
    const result = await checkAndReport({ root, exercise, dir: '/w', write, runCheck, typeCheck });
    expect(result?.outcome).toBe('environment');
    expect(lines.join('\n')).toContain('daprd not found');
  });

  it('prints only JSON with the json reporter', async () => {
    const { root, exercise, lines, write, typeCheck } = setup();
    const runCheck = fakeRunCheck(() => [pass('exports greet')]);
    await checkAndReport({ root, exercise, dir: '/w', write, runCheck, typeCheck, reporter: 'json' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ exerciseId: 'greet', outcome: 'passed' });
  });

  it('returns nothing once aborted', async () => {
    const { root, exercise, write, typeCheck } = setup();
    const controller = new AbortController();
    const runCheck = async () => {
      controller.abort();
      throw new Error('stopped');
    };
    expect(await checkAndReport({ root, exercise, dir: '/w', write, runCheck, typeCheck, signal: controller.signal })).toBeUndefined();
  });

  it('reports the type problems found beside the check, and puts them in the JSON', async () => {
    const { root, exercise, lines, write } = setup();
    const problem = { file: 'greet.ts', line: 2, column: 3, code: 'TS2304', message: "Cannot find name 'nme'." };
    const runCheck = fakeRunCheck(() => [fail('greets by name')]);
    await checkAndReport({ root, exercise, dir: '/w', write, runCheck, typeCheck: async () => [problem] });
    expect(lines.join('\n')).toMatch(/the likely cause:\n {2}greet\.ts:2:3 a name that is not defined here/);
    lines.length = 0;
    await checkAndReport({ root, exercise, dir: '/w', write, runCheck, typeCheck: async () => [problem], reporter: 'json' });
    expect(JSON.parse(lines[0]!).typeProblems).toEqual([problem]);
  });

  it('does not wait for a type check slower than the check for more than 3 s', async () => {
    const { root, exercise, lines, write } = setup();
    const runCheck = fakeRunCheck(() => [fail('greets by name')]);
    let aborted = false;
    const typeCheck = (_r: string, _e: unknown, _d: string, { signal }: { signal?: AbortSignal }) =>
      new Promise<undefined>((resolve) => signal?.addEventListener('abort', () => ((aborted = true), resolve(undefined))));
    const started = Date.now();
    await checkAndReport({ root, exercise, dir: '/w', write, runCheck, typeCheck });
    expect(Date.now() - started).toBeLessThan(4500);
    expect(aborted).toBe(true);
    expect(lines).toContain('0 passed, 1 failed');
  });

  it('once the check has failed, runs a type check still going at low priority again at normal priority, and uses the first answer', async () => {
    const { root, exercise, lines, write } = setup();
    const problem = { file: 'greet.ts', line: 2, column: 3, code: 'TS2304', message: "Cannot find name 'nme'." };
    const asked: string[] = [];
    let lowAborted = false;
    // The niced run gets no CPU on a busy machine; the one at normal priority answers at once.
    const typeCheck = (_r: string, _e: unknown, _d: string, { signal, priority }: { signal?: AbortSignal; priority?: 'low' | 'normal' }) => {
      asked.push(priority ?? 'low');
      if (priority === 'normal') return Promise.resolve([problem]);
      return new Promise<undefined>((resolve) => signal?.addEventListener('abort', () => ((lowAborted = true), resolve(undefined))));
    };
    const started = Date.now();
    await checkAndReport({ root, exercise, dir: '/w', write, runCheck: fakeRunCheck(() => [fail('greets by name')]), typeCheck });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(asked).toEqual(['low', 'normal']);
    expect(lowAborted).toBe(true);
    expect(lines.join('\n')).toMatch(/the likely cause:\n {2}greet\.ts:2:3/);
  });

  it('waits for the type check only when the learner\'s code failed', async () => {
    const { root, exercise, write } = setup();
    let aborted = 0;
    const typeCheck = (_r: string, _e: unknown, _d: string, { signal }: { signal?: AbortSignal }) =>
      new Promise<undefined>((resolve) => signal?.addEventListener('abort', () => ((aborted += 1), resolve(undefined))));
    for (const expectations of [[pass('a')], [fail('a', 'environment')]]) {
      const started = Date.now();
      await checkAndReport({ root, exercise, dir: '/w', write, runCheck: fakeRunCheck(() => expectations), typeCheck });
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect(aborted).toBe(2);
  });

  it('reports without waiting for an aborted type check to end (a niced tsc on a busy machine)', async () => {
    const { root, exercise, lines, write } = setup();
    let aborted = false;
    // Told to stop, it goes on for 5 s more, as a process at the lowest priority can.
    const typeCheck = (_r: string, _e: unknown, _d: string, { signal }: { signal?: AbortSignal }) =>
      new Promise<undefined>((resolve) => signal?.addEventListener('abort', () => ((aborted = true), void nodeTimers.setTimeout(resolve, 5000))));
    const started = Date.now();
    await checkAndReport({ root, exercise, dir: '/w', write, runCheck: fakeRunCheck(() => [pass('a')]), typeCheck });
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(lines).toContain('1 passed, 0 failed');
  });
});
