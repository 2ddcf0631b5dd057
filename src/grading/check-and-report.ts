// One graded check of the learner's exercise folder, reported as it runs, with the pass recorded.
// Shared by `course check`, `course watch` and the dashboard.
import type { Exercise } from '../course/manifest.js';
import { recordStatus, updateProgress } from '../course/progress.js';
import { toJUnit } from './junit.js';
import type { CheckResult, ExpectationResult } from './result.js';
import type { RunCheckOptions } from './run-check.js';
import { checkingLine, expectationLines, outcomeMessage, summaryLine } from './text-report.js';

export type RunCheck = (options: RunCheckOptions) => Promise<CheckResult>;
export type Reporter = 'text' | 'json' | 'junit';
export const REPORTERS: readonly Reporter[] = ['text', 'json', 'junit'];

export interface CheckAndReportOptions {
  root: string;
  exercise: Exercise;
  /** The folder whose code is graded: the learner's work folder. */
  dir: string;
  reporter?: Reporter;
  signal?: AbortSignal;
  /** Where output goes; one call per line. */
  write?: (line: string) => void;
  /** Under `course watch`: the closing advice talks about saving, not re-running. */
  watching?: boolean;
  /** The check engine; replaced in tests. */
  runCheck?: RunCheck;
}

/**
 * Runs the check and prints it with the chosen reporter; a pass is recorded in the progress file.
 * Returns undefined when the check was aborted (Ctrl-C) before it finished.
 */
export async function checkAndReport(options: CheckAndReportOptions): Promise<CheckResult | undefined> {
  const { root, exercise, dir, signal, reporter = 'text', write = (line) => console.log(line) } = options;
  const runCheck = options.runCheck ?? (await import('./run-check.js')).runCheck;
  const live = reporter === 'text';
  const printed = new Set<string>();
  const print = (expectation: ExpectationResult) => {
    printed.add(expectation.name);
    for (const line of expectationLines(expectation, exercise)) write(line);
  };
  if (live) write(checkingLine(exercise, dir));
  let result: CheckResult;
  try {
    result = await runCheck({ root, exercise, dir, signal, onExpectation: live ? print : undefined });
  } catch (error) {
    if (signal?.aborted) return undefined;
    result = engineFailure(exercise, dir, error);
  }
  if (signal?.aborted) return undefined;
  if (result.outcome === 'passed') updateProgress(root, (p) => recordStatus(p, exercise.id, 'done'));
  if (reporter === 'json') write(JSON.stringify(result, null, 2));
  else if (reporter === 'junit') write(toJUnit([result]));
  else {
    // Expectations the engine reported only in its result (none streamed) are printed now.
    for (const expectation of result.expectations) if (!printed.has(expectation.name)) print(expectation);
    const failed = result.expectations.filter((e) => !e.passed).length;
    write('');
    write(summaryLine(result.expectations));
    write(outcomeMessage(result.outcome, exercise, failed, options.watching));
  }
  return result;
}

/** The engine itself threw: nothing of the learner's was judged, so it is the environment's failure. */
function engineFailure(exercise: Exercise, dir: string, error: unknown): CheckResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    exerciseId: exercise.id,
    dir,
    outcome: 'environment',
    expectations: [{ name: messages.engineRan, passed: false, kind: 'environment', message, durationMs: 0 }],
    timings: { environmentMs: 0, servicesMs: 0, assertionsMs: 0, totalMs: 0 },
  };
}

const messages = {
  engineRan: 'the check could start',
};
