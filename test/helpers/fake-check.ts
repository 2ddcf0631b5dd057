// Stand-ins for the check engine, for tests of what the runner does with its results.
import type { RunCheck } from '../../src/grading/check-and-report.js';
import { outcomeOf, type CheckResult, type ExpectationResult } from '../../src/grading/result.js';

export function resultOf(exerciseId: string, dir: string, expectations: ExpectationResult[]): CheckResult {
  return {
    exerciseId,
    dir,
    outcome: outcomeOf(expectations),
    expectations,
    timings: { environmentMs: 0, servicesMs: 0, assertionsMs: 0, totalMs: 10 },
  };
}

export const pass = (name: string): ExpectationResult => ({ name, passed: true, durationMs: 1 });
export const fail = (name: string, kind: ExpectationResult['kind'] = 'code'): ExpectationResult => ({
  name,
  passed: false,
  kind,
  message: `${name} failed`,
  durationMs: 1,
});

/** A runCheck that streams `expectations` (chosen per run) and returns them. */
export function fakeRunCheck(expectationsFor: (dir: string) => ExpectationResult[]): RunCheck & { dirs: string[] } {
  const dirs: string[] = [];
  const run: RunCheck = async ({ exercise, dir, onExpectation }) => {
    dirs.push(dir);
    const expectations = expectationsFor(dir);
    for (const e of expectations) onExpectation?.(e);
    return resultOf(exercise.id, dir, expectations);
  };
  return Object.assign(run, { dirs });
}
