// Errors that are the learner's or the author's to fix, printed as one plain message with exit 2
// (usage problems, unknown ids, manifest mistakes) instead of a stack trace.

/** A problem with what was asked: printed as is, exit code 2 unless said otherwise. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * Prints a known error and returns its exit code, or returns undefined for anything else (a bug:
 * left to the entry point, which prints the stack). ManifestError is recognised by name so this
 * module does not pull in the manifest loader.
 */
export function reportKnownError(error: unknown): number | undefined {
  if (error instanceof UserError) {
    console.error(error.message);
    return error.exitCode;
  }
  if (error instanceof Error && error.name === 'ManifestError') {
    console.error(messages.manifest(error.message));
    return 2;
  }
  const harness = harnessExitCode(error);
  if (harness !== undefined) {
    const { message, logExcerpt } = error as Error & { logExcerpt?: string[] };
    console.error(message);
    for (const line of logExcerpt ?? []) console.error(`  ${line}`);
    if (harness === 3) console.error(messages.doctor);
    return harness;
  }
  if (isParseArgsError(error)) {
    console.error(messages.usage(error.message));
    return 2;
  }
  if (error instanceof Error && error.name === 'ExitPromptError') {
    // Ctrl-C or Ctrl-D in a prompt: the learner chose to leave.
    return 130;
  }
  return undefined;
}

/**
 * The harness's errors (src/harness/errors.ts), recognised by name so the UI does not load the
 * harness: your code or files (1), the environment (3), a time-out (4), as `course check` exits.
 */
function harnessExitCode(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  return ({ LearnerCodeError: 1, EnvironmentError: 3, TimeoutError: 4 } as Record<string, number>)[error.name];
}

/** node:util parseArgs rejects an unknown option or a missing value with one of these codes. */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS');
}

const messages = {
  doctor: 'This is the environment, not your code. npx course doctor checks the whole setup.',
  usage: (detail: string) => `${detail}\nSee: npx course --help`,
  manifest: (detail: string) => `Course manifest problem: ${detail}`,
};
