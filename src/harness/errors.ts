// The three ways a graded run can go wrong, kept apart so a learner is never told "your code
// failed" when the machine is at fault. The `name` survives vitest's error serialisation, which is
// how the check engine tells them apart.

/** A harness failure, with the log lines that explain it. */
abstract class HarnessError extends Error {
  constructor(
    message: string,
    readonly logExcerpt: string[] = [],
  ) {
    super(message);
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
