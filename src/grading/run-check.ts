// Runs an exercise's graded check (a vitest file under checks/) against a folder of learner code.
import type { Exercise } from '../course/manifest.js';
import type { CheckResult, ExpectationResult } from './result.js';

export interface RunCheckOptions {
  /** Workbook root. */
  root: string;
  exercise: Exercise;
  /** The folder whose code is checked: the learner's work folder, or a scratch copy in dev check. */
  dir: string;
  /** Called as each expectation finishes, for live output. */
  onExpectation?: (result: ExpectationResult) => void;
  /** Aborting stops the check and tears its processes down. */
  signal?: AbortSignal;
}

export async function runCheck(options: RunCheckOptions): Promise<CheckResult> {
  throw new Error(`runCheck is not implemented yet (${options.exercise.id})`);
}
