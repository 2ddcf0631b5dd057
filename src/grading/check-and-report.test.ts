import { describe, expect, it } from 'vitest';
import { fail, fakeRunCheck, pass, resultOf } from '../../test/helpers/fake-check.js';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import { loadProgress } from '../course/progress.js';
import { checkAndReport } from './check-and-report.js';

function setup() {
  const fixture = fixtureCourse();
  const lines: string[] = [];
  return { ...fixture, lines, write: (line: string) => lines.push(line), exercise: fixture.exercise('greet') };
}

describe('checkAndReport', () => {
  it('prints each expectation as it finishes, the closing count, and records a pass', async () => {
    const { root, exercise, lines, write } = setup();
    const runCheck = fakeRunCheck(() => [pass('exports greet'), pass('greets by name')]);
    const result = await checkAndReport({ root, exercise, dir: '/work/greet', write, runCheck });
    expect(result?.outcome).toBe('passed');
    expect(lines.slice(1, 3)).toEqual(['✓ exports greet', '✓ greets by name']);
    expect(lines).toContain('2 passed, 0 failed');
    expect(loadProgress(root).progress.items.greet?.status).toBe('done');
  });

  it('does not record a failure as done', async () => {
    const { root, exercise, lines, write } = setup();
    const runCheck = fakeRunCheck(() => [pass('exports greet'), fail('greets by name')]);
    expect((await checkAndReport({ root, exercise, dir: '/w', write, runCheck }))?.outcome).toBe('code');
    expect(lines).toContain('1 passed, 1 failed');
    expect(loadProgress(root).progress.items.greet).toBeUndefined();
  });

  it('prints expectations the engine did not stream', async () => {
    const { root, exercise, lines, write } = setup();
    const runCheck = async () => resultOf('greet', '/w', [fail('the check runs', 'environment')]);
    await checkAndReport({ root, exercise, dir: '/w', write, runCheck });
    expect(lines).toContain('✗ the check runs');
    expect(lines.join('\n')).toContain('environment failed, not your code');
  });

  it('turns an engine that throws into an environment failure, not a crash', async () => {
    const { root, exercise, lines, write } = setup();
    const runCheck = async () => {
      throw new Error('daprd not found');
    };
    const result = await checkAndReport({ root, exercise, dir: '/w', write, runCheck });
    expect(result?.outcome).toBe('environment');
    expect(lines.join('\n')).toContain('daprd not found');
  });

  it('prints only JSON with the json reporter', async () => {
    const { root, exercise, lines, write } = setup();
    const runCheck = fakeRunCheck(() => [pass('exports greet')]);
    await checkAndReport({ root, exercise, dir: '/w', write, runCheck, reporter: 'json' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ exerciseId: 'greet', outcome: 'passed' });
  });

  it('returns nothing once aborted', async () => {
    const { root, exercise, write } = setup();
    const controller = new AbortController();
    const runCheck = async () => {
      controller.abort();
      throw new Error('stopped');
    };
    expect(await checkAndReport({ root, exercise, dir: '/w', write, runCheck, signal: controller.signal })).toBeUndefined();
  });
});
