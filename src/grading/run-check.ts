// Runs an exercise's graded check (a vitest file under checks/) against a folder of learner code,
// in a worker process of its own (check-worker.ts), and turns what the worker reports into a
// CheckResult a learner can read.
import { existsSync, mkdtempSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Exercise } from '../course/manifest.js';
import type { TimelineEvent } from '../timeline/model.js';
import { missingFiles, missingFilesMessage } from './missing-files.js';
import { outcomeOf, type CheckResult, type ExpectationResult, type FailureKind } from './result.js';
import { bundleCheck } from './check-bundle.js';
import { CheckWorker, type WorkerHandlers } from './check-worker-process.js';
import type { WorkerError } from './check-worker-messages.js';
import { VERDICT_KNOWN_FILE } from './verdict-known.js';

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
  /**
   * Given: the result comes as soon as the verdict is known (every expectation over, the report's
   * files written), and the teardown still under way (stopping the services, sidecars, Redis,
   * the worker) is handed over here, resolved when it is done. Not called when the run ended before a
   * verdict was known (a check without the marker, Ctrl-C, the time limit): then, and without
   * this option, the result waits for the teardown.
   */
  backgroundTeardown?: (done: Promise<void>) => void;
  /**
   * Once every one of these expectations has failed, the rest are not run (they are left out of
   * the result): a mutant in `dev check`, whose verdict needs no more.
   */
  stopOnceFailed?: string[];
}

/** What checks/lib writes beside the run for the engine to read (see checks/lib/exercise.ts). */
export interface CheckSideReport {
  environmentMs: number;
  servicesMs: number;
  startedAhead?: boolean;
}

/** A check run once: its own worker, forked as the run starts (`course check`, `dev check`). */
export async function runCheck(options: RunCheckOptions): Promise<CheckResult> {
  return new CheckRunner(options.root, options.exercise, { keep: false }).run(options);
}

/**
 * Runs one exercise's check, again and again for `course watch` (a warm re-check). Each run is a
 * new worker process (check-worker.ts), so a run starts from nothing of the last one's, as a cold
 * check does; with `{ keep: true }` the next run's worker is forked as soon as a run is over, and
 * has loaded what every check needs by the time the learner saves again.
 */
export class CheckRunner {
  private next?: CheckWorker;
  /** The run under way (each run waits for the last one's teardown). */
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly root: string,
    readonly exercise: Exercise,
    private readonly lifetime: { keep: boolean },
  ) {}

  async run(options: RunCheckOptions): Promise<CheckResult> {
    await this.last;
    let finished!: () => void;
    this.last = new Promise((resolve) => (finished = resolve));
    let handedOver = false;
    try {
      return await this.runOnce(options, (teardown) => {
        handedOver = true;
        void teardown.finally(finished);
      });
    } finally {
      if (!handedOver) finished();
    }
  }

  /** Ends the worker kept ready, once the last run's teardown is over. */
  async close(): Promise<void> {
    await this.last;
    const next = this.next;
    this.next = undefined;
    await next?.stop();
  }

  /** The worker kept ready, or a new one. */
  private takeWorker(): CheckWorker {
    const worker = this.next ?? new CheckWorker(this.root);
    this.next = undefined;
    return worker;
  }

  private async runOnce(options: RunCheckOptions, handOver: (teardown: Promise<void>) => void): Promise<CheckResult> {
    const { exercise } = options;
    const started = Date.now();
    const expectations: ExpectationResult[] = [];
    const timeoutMs = exercise.timeoutSeconds * 1000;

    // The verdict is known once every collected test has a result and the worker has marked the
    // report complete (see verdict-known.ts): the worker reports the results, and writes the files.
    let collected: number | undefined;
    let finished = 0;
    let markedComplete = false;
    let verdictKnown = () => {};
    const verdict = new Promise<void>((resolve) => (verdictKnown = resolve));
    const maybeVerdict = () => {
      if (markedComplete && collected !== undefined && finished >= collected) verdictKnown();
    };
    const handlers: WorkerHandlers = {
      onCollected(tests) {
        collected = tests;
        maybeVerdict();
      },
      onResult(test) {
        finished++;
        maybeVerdict();
        // A failed beforeAll (the environment did not start) leaves its tests skipped; each is an
        // expectation the learner did not meet, for the hook's reason.
        const hookError = test.state === 'skipped' ? test.hookError : undefined;
        if (test.state === 'skipped' && !hookError) return;
        const passed = test.state === 'passed';
        const error = hookError ?? causeOf(test.errors);
        const expectation: ExpectationResult = {
          name: test.name,
          passed,
          durationMs: test.durationMs,
          ...(passed
            ? {}
            : {
                message: plainMessage(error),
                kind: kindOf(error),
                logExcerpt: error?.logExcerpt?.length ? error.logExcerpt : test.meta.logExcerpt,
                ...(test.meta.timeline ? { timeline: test.meta.timeline as TimelineEvent[] } : {}),
                ...(error?.blockedBy ? { blockedBy: error.blockedBy } : {}),
                ...(error?.rootCause ? { rootCause: error.rootCause } : {}),
              }),
        };
        expectations.push(expectation);
        options.onExpectation?.(expectation);
      },
    };

    const notRun = (name: string, message: string, kind: FailureKind): CheckResult => ({
      exerciseId: exercise.id,
      dir: options.dir,
      outcome: kind,
      expectations: [{ name, passed: false, message, kind, durationMs: Date.now() - started }],
      timings: { environmentMs: 0, servicesMs: 0, assertionsMs: 0, totalMs: Date.now() - started },
    });
    const missing = missingFiles(exercise, options.dir);
    if (missing.length > 0) return notRun(messages.filesThere, missingFilesMessage(exercise, options.dir, missing), 'code');
    // Forked now, it loads while daprd is looked for.
    const worker = this.takeWorker();
    const { ownPath, removeOwnedPath } = await import('../harness/processes.js');
    const reportDir = mkdtempSync(path.join(os.tmpdir(), 'course-check-'));
    ownPath(reportDir);
    // Compiled (by esbuild's own process) while the worker loads and daprd is looked for.
    const bundle = bundleCheck(exercise.checkFile, path.join(reportDir, 'check.mjs'), worker.sources).then(
      (file) => ({ file }),
      (error: Error) => ({ error: error.message }),
    );
    // A missing daprd is built (or an image pulled) here, with visible progress, not inside the check's time limit.
    const setupFailure = await provisionRuntime(options.onSetupProgress ?? ((line) => process.stderr.write(`${line}\n`)));
    if (setupFailure) {
      await Promise.all([worker.stop(), bundle]);
      removeOwnedPath(reportDir);
      return notRun(messages.checkRuns, setupFailure, 'environment');
    }
    const { CheckProcesses } = await import('./check-processes.js');
    const marker = path.join(reportDir, VERDICT_KNOWN_FILE);
    const markerWatch = watchFor(marker, () => ((markedComplete = true), maybeVerdict()));
    let timedOut = false;
    let moduleErrors: WorkerError[] = [];
    /** The environments the run started, for the next worker to start ahead (spares.ts). */
    let runs: unknown[] = [];
    const processes = new CheckProcesses(worker.pid);
    const cancel = () => processes.endNow();
    const timer = setTimeout(() => {
      timedOut = true;
      cancel();
    }, timeoutMs + 5000);
    options.signal?.addEventListener('abort', cancel);
    const run = (async () => {
      try {
        if (options.signal?.aborted) await worker.stop();
        else {
          const end = await worker.run(
            {
              file: exercise.checkFile,
              bundle: await bundle,
              // The graded folder; the exercise, for the harness's messages (e.g. which `course reset`
              // restores a file); where the report goes.
              env: { COURSE_EXERCISE_DIR: options.dir, COURSE_EXERCISE_ID: exercise.id, COURSE_CHECK_REPORT_DIR: reportDir },
              timeoutMs,
              stopOnceFailed: options.stopOnceFailed,
            },
            handlers,
          );
          moduleErrors = 'errors' in end ? end.errors : timedOut || options.signal?.aborted ? [] : [{ message: end.exited }];
          if ('runs' in end) runs = end.runs;
        }
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', cancel);
        markerWatch?.close();
        // Not written into the report folder after it is removed.
        await bundle;
        await processes.close();
        if (this.lifetime.keep) {
          this.next ??= new CheckWorker(this.root);
          void this.next.prepare(runs);
        }
      }
    })();
    const early = await Promise.race([verdict.then(() => true), run.then(() => false)]);
    // Ctrl-C or the time limit at that very moment: the run's own end says what happened.
    if (early && expectations.length > 0 && !options.signal?.aborted && !timedOut) {
      const result = resultOf(expectations, [], { timedOut, aborted: false, reportDir, started, exercise, dir: options.dir });
      const teardown = run.finally(() => removeOwnedPath(reportDir));
      handOver(teardown);
      if (options.backgroundTeardown) options.backgroundTeardown(teardown);
      else await teardown;
      return result;
    }
    await run;
    // A worker that died mid-run (killed from outside, out of memory) leaves expectations unjudged:
    // the check did not pass, and says why.
    const cutShort = collected !== undefined && finished < collected && moduleErrors.length > 0 && expectations.length > 0;
    if (cutShort) expectations.push({ name: messages.checkRuns, passed: false, message: `The check could not run to its end: ${plainMessage(moduleErrors[0])}`, kind: 'environment', durationMs: Date.now() - started });
    const result = resultOf(expectations, moduleErrors, { timedOut, aborted: !!options.signal?.aborted, reportDir, started, exercise, dir: options.dir });
    removeOwnedPath(reportDir);
    return result;
  }
}

interface RunFacts {
  timedOut: boolean;
  aborted: boolean;
  reportDir: string;
  started: number;
  exercise: Exercise;
  dir: string;
}

/** The check's result from what the worker reported and wrote in the report folder. */
function resultOf(found: ExpectationResult[], moduleErrors: WorkerError[], { timedOut, aborted, reportDir, started, exercise, dir }: RunFacts): CheckResult {
  const expectations = [...found];
  if (expectations.length === 0) {
    const error = moduleErrors[0];
    expectations.push({
      name: messages.checkRuns,
      passed: false,
      message: timedOut
        ? `The check did not finish within ${exercise.timeoutSeconds} s.`
        : aborted
          ? 'The check was stopped.'
          : `The check could not run: ${plainMessage(error)}`,
      kind: timedOut ? 'timeout' : error ? kindOf(error) : 'environment',
      logExcerpt: error?.logExcerpt,
      durationMs: Date.now() - started,
    });
  }
  const side = readSideReport(reportDir);
  const timeline = readTimeline(reportDir);
  const totalMs = Date.now() - started;
  const environmentMs = side?.environmentMs ?? 0;
  const servicesMs = side?.servicesMs ?? 0;
  return {
    exerciseId: exercise.id,
    dir,
    outcome: outcomeOf(expectations),
    expectations,
    timings: {
      environmentMs,
      servicesMs,
      assertionsMs: expectations.reduce((sum, e) => sum + e.durationMs, 0),
      totalMs,
      ...(side?.startedAhead ? { startedAhead: true } : {}),
    },
    ...(timeline ? { timeline } : {}),
  };
}

/**
 * The error that explains a failed expectation: a harness error (a process of the run died, see
 * checks/lib/exercise.ts) before the expectation's own words.
 */
function causeOf(errors: WorkerError[] | undefined): WorkerError | undefined {
  return errors?.find((e) => e.name === 'EnvironmentError' || e.name === 'LearnerCodeError') ?? errors?.[0];
}

/** Gets what the run's plan needs before the check's clock starts: a local daprd (found or built), container images. */
async function provisionRuntime(onProgress: (line: string) => void): Promise<string | undefined> {
  const { provisionRuntime: provision } = await import('../harness/provision.js');
  try {
    await provision(onProgress);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function kindOf(error: WorkerError | undefined): FailureKind {
  if (!error) return 'code';
  if (error.name === 'EnvironmentError') return 'environment';
  if (error.name === 'TimeoutError' || /timed out in \d+ms/i.test(error.message ?? '')) return 'timeout';
  return 'code';
}

/** Vitest's own messages are for developers; keep the learner-facing sentence only. */
function plainMessage(error: WorkerError | undefined): string {
  if (!error) return 'failed without a reason (see the logs)';
  const message = (error.message ?? String(error)).trim();
  const timedOut = message.match(/^(Test|Hook) timed out in (\d+)ms/);
  if (timedOut) return `This did not finish within ${Math.round(Number(timedOut[2]) / 1000)} s.`;
  return message.replace(/\n\s*If this is a long-running test.*$/s, '');
}

/** Calls `then` once `file` exists (it is made by a rename); nothing when the folder cannot be watched. */
function watchFor(file: string, then: () => void): FSWatcher | undefined {
  try {
    const watcher = watch(path.dirname(file), (_event, name) => {
      if (name === path.basename(file) && existsSync(file)) {
        watcher.close();
        then();
      }
    });
    return watcher;
  } catch {
    return undefined; // no early verdict: the result waits for the teardown, as it always could
  }
}

function readSideReport(dir: string): CheckSideReport | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'timings.json'), 'utf8')) as CheckSideReport;
  } catch {
    return undefined;
  }
}

function readTimeline(dir: string): TimelineEvent[] | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'timeline.json'), 'utf8')) as TimelineEvent[];
  } catch {
    return undefined;
  }
}

const messages = {
  checkRuns: 'the check runs',
  filesThere: "the exercise's files are all there",
};
