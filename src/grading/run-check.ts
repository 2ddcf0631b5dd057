// Runs an exercise's graded check (a vitest file under checks/) against a folder of learner code,
// and turns vitest's results into a CheckResult a learner can read.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Reporter, TestCase } from 'vitest/node';
import type { Exercise } from '../course/manifest.js';
import { outcomeOf, type CheckResult, type ExpectationResult, type FailureKind } from './result.js';

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
  /** Progress of a first-time daprd build (default: printed to stderr). */
  onSetupProgress?: (line: string) => void;
}

/** What checks/lib writes beside the run for the engine to read (see checks/lib/exercise.ts). */
export interface CheckSideReport {
  environmentMs: number;
  servicesMs: number;
}

interface VitestError {
  name?: string;
  message?: string;
  logExcerpt?: string[];
}

export async function runCheck(options: RunCheckOptions): Promise<CheckResult> {
  const { exercise, root } = options;
  const started = Date.now();
  const expectations: ExpectationResult[] = [];
  const timeoutMs = exercise.timeoutSeconds * 1000;

  const reporter: Reporter = {
    onTestCaseResult(testCase: TestCase) {
      const result = testCase.result();
      // A failed beforeAll (the environment did not start) leaves its tests skipped; each is an
      // expectation the learner did not meet, for the hook's reason.
      const hookError = result.state === 'skipped' ? enclosingError(testCase) : undefined;
      if ((result.state === 'skipped' && !hookError) || result.state === 'pending') return;
      const passed = result.state === 'passed';
      const error = hookError ?? ((result.errors?.[0] ?? undefined) as VitestError | undefined);
      const expectation: ExpectationResult = {
        name: testCase.name,
        passed,
        durationMs: Math.round(testCase.diagnostic()?.duration ?? 0),
        ...(passed
          ? {}
          : {
              message: plainMessage(error),
              kind: kindOf(error),
              logExcerpt: error?.logExcerpt?.length ? error.logExcerpt : testCase.meta().logExcerpt,
            }),
      };
      expectations.push(expectation);
      options.onExpectation?.(expectation);
    },
  };

  // A missing daprd is found or built here, with visible progress, not inside the check's time limit.
  const setupFailure = await provisionDaprd(options.onSetupProgress ?? ((line) => process.stderr.write(`${line}\n`)));
  if (setupFailure) {
    return {
      exerciseId: exercise.id,
      dir: options.dir,
      outcome: 'environment',
      expectations: [{ name: 'the check runs', passed: false, message: setupFailure, kind: 'environment', durationMs: Date.now() - started }],
      timings: { environmentMs: 0, servicesMs: 0, assertionsMs: 0, totalMs: Date.now() - started },
    };
  }
  const { ownPath, removeOwnedPath } = await import('../harness/processes.js');
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'course-check-'));
  ownPath(reportDir);
  const { createVitest } = await import('vitest/node');
  const previousEnv = { dir: process.env.COURSE_EXERCISE_DIR, report: process.env.COURSE_CHECK_REPORT_DIR };
  process.env.COURSE_EXERCISE_DIR = options.dir;
  process.env.COURSE_CHECK_REPORT_DIR = reportDir;
  let timedOut = false;
  let moduleErrors: VitestError[] = [];
  // Created first and started second, so that Ctrl-C and the time limit can cancel a run in progress.
  const vitest = await createVitest(
    'test',
    {
      config: false,
      root,
      watch: false,
      run: true,
      reporters: [reporter],
      include: [path.relative(root, exercise.checkFile)],
      testTimeout: timeoutMs,
      hookTimeout: timeoutMs,
      pool: 'forks',
      maxWorkers: 1,
      fileParallelism: false,
      passWithNoTests: true,
      printConsoleTrace: false,
    },
    { logLevel: 'silent', clearScreen: false },
    { stdout: devNull(), stderr: devNull() },
  );
  const cancel = () => void vitest.cancelCurrentRun('keyboard-input');
  const timer = setTimeout(() => {
    timedOut = true;
    cancel();
  }, timeoutMs + 5000);
  options.signal?.addEventListener('abort', cancel);
  try {
    if (!options.signal?.aborted) await vitest.start();
    moduleErrors = vitest.state.getFiles().flatMap((f) => (f.result?.errors ?? []) as VitestError[]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', cancel);
    await vitest.close();
    process.env.COURSE_EXERCISE_DIR = previousEnv.dir;
    process.env.COURSE_CHECK_REPORT_DIR = previousEnv.report;
  }

  if (expectations.length === 0) {
    const error = moduleErrors[0];
    expectations.push({
      name: 'the check runs',
      passed: false,
      message: timedOut
        ? `The check did not finish within ${exercise.timeoutSeconds} s.`
        : options.signal?.aborted
          ? 'The check was stopped.'
          : `The check could not run: ${plainMessage(error)}`,
      kind: timedOut ? 'timeout' : error ? kindOf(error) : 'environment',
      logExcerpt: error?.logExcerpt,
      durationMs: Date.now() - started,
    });
  }
  const side = readSideReport(reportDir);
  removeOwnedPath(reportDir);
  const totalMs = Date.now() - started;
  const environmentMs = side?.environmentMs ?? 0;
  const servicesMs = side?.servicesMs ?? 0;
  return {
    exerciseId: exercise.id,
    dir: options.dir,
    outcome: outcomeOf(expectations),
    expectations,
    timings: {
      environmentMs,
      servicesMs,
      assertionsMs: expectations.reduce((sum, e) => sum + e.durationMs, 0),
      totalMs,
    },
  };
}

/** The first error of the suites or module around a test (a hook that failed), if any. */
function enclosingError(testCase: TestCase): VitestError | undefined {
  for (let parent: TestCase['parent'] | undefined = testCase.parent; parent; ) {
    const errors = parent.errors() as VitestError[];
    if (errors.length > 0) return errors[0];
    parent = parent.type === 'suite' ? parent.parent : undefined;
  }
  return undefined;
}

async function provisionDaprd(onProgress: (line: string) => void): Promise<string | undefined> {
  const { chooseRuntime } = await import('../harness/docker.js');
  // The harness runs daprd as a container where it has no local one and a container runtime answers.
  if ((await chooseRuntime()) === 'docker') return undefined;
  const { ensureDaprd } = await import('../harness/daprd-binary.js');
  try {
    await ensureDaprd(onProgress);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function kindOf(error: VitestError | undefined): FailureKind {
  if (!error) return 'code';
  if (error.name === 'EnvironmentError') return 'environment';
  if (error.name === 'TimeoutError' || /timed out in \d+ms/i.test(error.message ?? '')) return 'timeout';
  return 'code';
}

/** Vitest's own messages are for developers; keep the learner-facing sentence only. */
function plainMessage(error: VitestError | undefined): string {
  if (!error) return 'failed without a reason (see the logs)';
  const message = (error.message ?? String(error)).trim();
  const timedOut = message.match(/^(Test|Hook) timed out in (\d+)ms/);
  if (timedOut) return `This did not finish within ${Math.round(Number(timedOut[2]) / 1000)} s.`;
  return message.replace(/\n\s*If this is a long-running test.*$/s, '');
}

function readSideReport(dir: string): CheckSideReport | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'timings.json'), 'utf8')) as CheckSideReport;
  } catch {
    return undefined;
  }
}

/** vitest writes banners and summaries; the runner prints its own report. */
function devNull(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}
