// Runs an exercise's graded check (a vitest file under checks/) against a folder of learner code,
// and turns vitest's results into a CheckResult a learner can read.
import { existsSync, mkdtempSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import type { Exercise } from '../course/manifest.js';
import type { TimelineEvent } from '../timeline/model.js';
import { missingFiles, missingFilesMessage } from './missing-files.js';
import { outcomeOf, type CheckResult, type ExpectationResult, type FailureKind } from './result.js';
import { CHECK_API_BUNDLE } from '../cold-load.js';
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
   * vitest) is handed over here, resolved when it is done. Not called when the run ended before a
   * verdict was known (a check without the marker, Ctrl-C, the time limit): then, and without
   * this option, the result waits for the teardown.
   */
  backgroundTeardown?: (done: Promise<void>) => void;
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
  blockedBy?: string;
  rootCause?: string;
}

/** A check run once: its own vitest, closed as the run ends (`course check`, `dev check`). */
export async function runCheck(options: RunCheckOptions): Promise<CheckResult> {
  return new CheckRunner(options.root, options.exercise, { keep: false }).run(options);
}

/**
 * Runs one exercise's check, again and again for `course watch` (a warm re-check): what does not
 * depend on the learner's edit stays, namely this process's vitest with its transformed check
 * files; each run still gets a new worker (forks), so a run starts from nothing of the last one's,
 * as a cold check does. `{ keep: false }`: vitest is closed at the end of the run, as `runCheck`.
 */
export class CheckRunner {
  private vitest?: Vitest;
  private vitestDir?: string;
  private started = false;
  /** The run under way (each run waits for the last one's teardown). */
  private last: Promise<void> = Promise.resolve();
  /** The run under way's handlers of vitest's reports. */
  private current?: Pick<Reporter, 'onTestModuleCollected' | 'onTestCaseResult'>;

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

  /** Closes vitest once the last run's teardown is over. */
  async close(): Promise<void> {
    await this.last;
    await this.closeVitest();
  }

  private async closeVitest(): Promise<void> {
    const vitest = this.vitest;
    this.vitest = undefined;
    this.started = false;
    await vitest?.close();
    if (this.vitestDir) (await import('../harness/processes.js')).removeOwnedPath(this.vitestDir);
    this.vitestDir = undefined;
  }

  private async runOnce(options: RunCheckOptions, handOver: (teardown: Promise<void>) => void): Promise<CheckResult> {
    const { exercise } = options;
    const started = Date.now();
    const expectations: ExpectationResult[] = [];
    const timeoutMs = exercise.timeoutSeconds * 1000;

    // The verdict is known once every collected test has a result and the worker has marked the
    // report complete (see verdict-known.ts): vitest reports the results, the worker the files.
    let collected: number | undefined;
    let finished = 0;
    let markedComplete = false;
    let verdictKnown = () => {};
    const verdict = new Promise<void>((resolve) => (verdictKnown = resolve));
    const maybeVerdict = () => {
      if (markedComplete && collected !== undefined && finished >= collected) verdictKnown();
    };

    this.current = {
      onTestModuleCollected(testModule: TestModule) {
        collected = [...testModule.children.allTests()].length;
        maybeVerdict();
      },
      onTestCaseResult(testCase: TestCase) {
        finished++;
        maybeVerdict();
        const result = testCase.result();
        // A failed beforeAll (the environment did not start) leaves its tests skipped; each is an
        // expectation the learner did not meet, for the hook's reason.
        const hookError = result.state === 'skipped' ? enclosingError(testCase) : undefined;
        if ((result.state === 'skipped' && !hookError) || result.state === 'pending') return;
        const passed = result.state === 'passed';
        const error = hookError ?? causeOf(result.errors as VitestError[] | undefined);
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
                ...(testCase.meta().timeline ? { timeline: testCase.meta().timeline } : {}),
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
    // A missing daprd is built (or an image pulled) here, with visible progress, not inside the check's time limit.
    const setupFailure = await provisionRuntime(options.onSetupProgress ?? ((line) => process.stderr.write(`${line}\n`)));
    if (setupFailure) return notRun(messages.checkRuns, setupFailure, 'environment');
    const { ownPath, removeOwnedPath } = await import('../harness/processes.js');
    const { CheckProcesses } = await import('./check-processes.js');
    const reportDir = mkdtempSync(path.join(os.tmpdir(), 'course-check-'));
    ownPath(reportDir);
    const marker = path.join(reportDir, VERDICT_KNOWN_FILE);
    const markerWatch = watchFor(marker, () => ((markedComplete = true), maybeVerdict()));
    const previousEnv = { dir: process.env.COURSE_EXERCISE_DIR, report: process.env.COURSE_CHECK_REPORT_DIR, id: process.env.COURSE_EXERCISE_ID };
    // Read by the worker, which each run starts anew.
    process.env.COURSE_EXERCISE_DIR = options.dir;
    // For the harness's messages (e.g. which `course reset` restores a file).
    process.env.COURSE_EXERCISE_ID = exercise.id;
    process.env.COURSE_CHECK_REPORT_DIR = reportDir;
    let timedOut = false;
    let moduleErrors: VitestError[] = [];
    // Created first and started second, so that Ctrl-C and the time limit can cancel a run in progress.
    const vitest = await this.vitestFor(reportDir);
    const processes = new CheckProcesses();
    const cancel = () => {
      void vitest.cancelCurrentRun('keyboard-input');
      processes.endNow();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      cancel();
    }, timeoutMs + 5000);
    options.signal?.addEventListener('abort', cancel);
    const run = (async () => {
      try {
        if (!options.signal?.aborted) await this.startRun(vitest);
        moduleErrors = vitest.state.getFiles().flatMap((f) => (f.result?.errors ?? []) as VitestError[]);
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', cancel);
        markerWatch?.close();
        // A run cancelled mid-way (Ctrl-C, the time limit) may leave vitest mid-run: the next run gets a new one.
        const cancelled = timedOut || !!options.signal?.aborted;
        await processes.close(async () => {
          if (!this.lifetime.keep || cancelled) await this.closeVitest();
        });
        restoreEnv('COURSE_EXERCISE_DIR', previousEnv.dir);
        restoreEnv('COURSE_CHECK_REPORT_DIR', previousEnv.report);
        restoreEnv('COURSE_EXERCISE_ID', previousEnv.id);
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
    const result = resultOf(expectations, moduleErrors, { timedOut, aborted: !!options.signal?.aborted, reportDir, started, exercise, dir: options.dir });
    removeOwnedPath(reportDir);
    return result;
  }

  /** The vitest of this exercise's check, made on the first run. */
  private async vitestFor(reportDir: string): Promise<Vitest> {
    if (this.vitest) return this.vitest;
    const { createVitest } = await import('vitest/node');
    const timeoutMs = this.exercise.timeoutSeconds * 1000;
    const reporter: Reporter = {
      onTestModuleCollected: (testModule) => this.current?.onTestModuleCollected?.(testModule),
      onTestCaseResult: (testCase) => this.current?.onTestCaseResult?.(testCase),
    };
    const create = () =>
      createVitest(
        'test',
        {
          config: false,
          root: this.root,
          watch: false,
          run: true,
          reporters: [reporter],
          include: [path.relative(this.root, this.exercise.checkFile)],
          testTimeout: timeoutMs,
          hookTimeout: timeoutMs,
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          passWithNoTests: true,
          printConsoleTrace: false,
          ...compiledHarness(),
        },
        { logLevel: 'silent', clearScreen: false, ...compiledHarnessAlias() },
        { stdout: devNull(), stderr: devNull() },
      );
    // vitest keeps a module cache in a folder of the temp folder, which an interrupted run never
    // removes: made inside a folder of the run's (the report folder of a single run), it goes with it.
    let folder = reportDir;
    if (this.lifetime.keep) {
      const { ownPath } = await import('../harness/processes.js');
      folder = this.vitestDir = mkdtempSync(path.join(os.tmpdir(), 'course-check-'));
      ownPath(folder);
    }
    this.vitest = await withoutExitOnSignal(() => withTempFolder(folder, create));
    return this.vitest;
  }

  /** The first run starts vitest; later ones run the check's file again, every file read anew. */
  private async startRun(vitest: Vitest): Promise<void> {
    if (!this.started) {
      this.started = true;
      await vitest.start();
    } else {
      forgetTransforms(vitest);
      await vitest.rerunTestSpecifications(await vitest.globTestSpecifications(), true);
    }
  }
}

/**
 * vite keeps each file it transformed (a check, checks/lib, a learner's file a check imports) and
 * watches none of them here: a re-run would judge the file as the first run read it. Everything
 * but node_modules (whose files do not change under a check) is read and transformed again.
 */
function forgetTransforms(vitest: Vitest): void {
  for (const project of vitest.projects) {
    for (const environment of Object.values(project.vite.environments)) {
      for (const file of [...environment.moduleGraph.fileToModulesMap.keys()]) {
        if (!file.split(/[\\/]/).includes('node_modules')) vitest.invalidateFile(file);
      }
    }
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

/** The check's result from what vitest reported and what the worker wrote in the report folder. */
function resultOf(found: ExpectationResult[], moduleErrors: VitestError[], { timedOut, aborted, reportDir, started, exercise, dir }: RunFacts): CheckResult {
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
    },
    ...(timeline ? { timeline } : {}),
  };
}

/**
 * The error that explains a failed expectation: a harness error (a process of the run died, see
 * checks/lib/exercise.ts) before the expectation's own words.
 */
function causeOf(errors: VitestError[] | undefined): VitestError | undefined {
  return errors?.find((e) => e.name === 'EnvironmentError' || e.name === 'LearnerCodeError') ?? errors?.[0];
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

/**
 * vitest's logger exits the process 1 ms after a SIGINT or SIGTERM, before the check's processes
 * are torn down: the command handles those signals itself (src/commands/interrupt.ts).
 */
async function withoutExitOnSignal<T>(make: () => Promise<T>): Promise<T> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, process.listeners(s)]));
  try {
    return await make();
  } finally {
    for (const s of signals) for (const listener of process.listeners(s)) if (!before.get(s)!.includes(listener)) process.off(s, listener);
  }
}

async function withTempFolder<T>(dir: string, make: () => Promise<T>): Promise<T> {
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await make();
  } finally {
    restoreEnv('TMPDIR', previous);
  }
}

// A check imports the harness from src/ (`../../src/harness/check-api.js`). Through vite, each
// of its ~40 modules was transformed and evaluated module by module in the worker, every check:
// the largest part of the runner's share before the environment starts. Where this runner itself
// runs compiled (dist/), those imports are taken from dist/ instead and left to Node (external):
// the same code, as the build compiled it, and the check API as the one file the build bundled.
// An author changing src/harness rebuilds, as for the CLI itself; COURSE_CHECK_FROM_SOURCE=1 takes
// src/ through vite as before.
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = () => !process.env.COURSE_CHECK_FROM_SOURCE && path.basename(DIST) === 'dist';

/** vitest's side: what is under dist/ is imported by Node. */
function compiledHarness() {
  return compiled() ? { server: { deps: { external: [new RegExp(`^${DIST.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`)] } } } : {};
}

/** vite's side: `../../src/x.js` from a check is `dist/x.js`, and the check API its bundle when the build made one. */
function compiledHarnessAlias() {
  if (!compiled()) return {};
  const bundle = path.join(DIST, CHECK_API_BUNDLE);
  const checkApi = existsSync(bundle) ? [{ find: /^(?:\.\.\/)+src\/harness\/check-api\.js$/, replacement: bundle }] : [];
  return { resolve: { alias: [...checkApi, { find: /^(?:\.\.\/)+src\/(.+)\.js$/, replacement: `${DIST}/$1.js` }] } };
}

/** `process.env.X = undefined` would set the string "undefined". */
function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** vitest writes banners and summaries; the runner prints its own report. */
function devNull(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

const messages = {
  checkRuns: 'the check runs',
  filesThere: "the exercise's files are all there",
};
