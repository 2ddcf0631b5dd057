// What a graded check reports. The check engine produces it; the terminal UI, the JSON and JUnit
// reporters and `course dev check` consume it.
import type { TimelineEvent } from '../timeline/model.js';

/** Who is to blame when an expectation fails. */
export type FailureKind = 'code' | 'environment' | 'timeout';

export interface ExpectationResult {
  /** The test name in the check file: a sentence a learner can read. */
  name: string;
  passed: boolean;
  /** Plain-words reason, present when it failed. */
  message?: string;
  kind?: FailureKind;
  /** Sidecar and app log lines around the failure, each prefixed with its process name. */
  logExcerpt?: string[];
  /** This failure follows from another expectation's failure: that expectation's name. */
  blockedBy?: string;
  /** A diagnosis several failures share; reports state it once (see checks/lib/expect.ts). */
  rootCause?: string;
  /** A failure: the events that explain it (publishes, attempts and answers, dead letters). */
  timeline?: TimelineEvent[];
  durationMs: number;
}

export interface CheckTimings {
  /** Redis and sidecars up (summed over the check's environment starts). */
  environmentMs: number;
  /** The learner's services up and discovered by their sidecars. */
  servicesMs: number;
  /** Driving events and asserting. */
  assertionsMs: number;
  totalMs: number;
  /** Redis and the sidecars had been started ahead, while the learner edited (a warm re-check). */
  startedAhead?: boolean;
}

export type CheckOutcome = 'passed' | FailureKind;

export interface CheckResult {
  exerciseId: string;
  /** The folder whose code was checked. */
  dir: string;
  outcome: CheckOutcome;
  expectations: ExpectationResult[];
  timings: CheckTimings;
  /** Every event of the check, in time order (absent with COURSE_TIMELINE=off). */
  timeline?: TimelineEvent[];
}

/** Exit codes of `course check`, one per outcome. */
export const EXIT_CODES: Record<CheckOutcome, number> = {
  passed: 0,
  code: 1,
  environment: 3,
  timeout: 4,
};

/** The worst outcome wins: an environment failure hides code failures, a timeout hides both. */
export function outcomeOf(expectations: ExpectationResult[]): CheckOutcome {
  const kinds = new Set(expectations.filter((e) => !e.passed).map((e) => e.kind ?? 'code'));
  if (kinds.has('environment')) return 'environment';
  if (kinds.has('timeout')) return 'timeout';
  if (kinds.has('code')) return 'code';
  return expectations.length > 0 ? 'passed' : 'environment';
}
