// The three ways a graded run can go wrong, kept apart so a learner is never told "your code
// failed" when the machine is at fault. The `name` survives vitest's error serialisation, which is
// how the check engine tells them apart.

/** A harness failure, with the log lines that explain it. */
export abstract class HarnessError extends Error {
  /**
   * What went wrong is the root cause of every expectation it fails (all of them, when the run
   * could not start): reports state it once (see ExpectationResult.rootCause).
   */
  readonly rootCause: string;

  constructor(
    message: string,
    readonly logExcerpt: string[] = [],
  ) {
    super(message);
    this.rootCause = message;
  }
}

/** daprd or Redis missing or broken, a port that cannot be bound: not the learner's fault. */
export class EnvironmentError extends HarnessError {
  override name = 'EnvironmentError';
}

/** The learner's service or resource files are at fault: crashed, never listened, bad YAML. */
export class LearnerCodeError extends HarnessError {
  override name = 'LearnerCodeError';
}

/** Something did not happen in time. */
export class HarnessTimeoutError extends HarnessError {
  override name = 'TimeoutError';
}

/** How a process ended, in words: `exited with code 3`, `was stopped by SIGKILL`. */
export function howItEnded(exit: { code: number | null; signal: string | null } | undefined): string {
  return exit?.signal ? `was stopped by ${exit.signal}` : `exited with code ${exit?.code ?? '?'}`;
}
