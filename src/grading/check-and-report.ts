// One graded check of the learner's exercise folder, reported when it ends, with the pass recorded.
// Shared by `course check`, `course watch` and the dashboard. The learner's files are type-checked
// beside the check, at the lowest CPU priority (src/grading/typecheck.ts), so that a type error can
// be named as the likely cause of a failure; a check that passes does not wait for it.
import type { Exercise } from '../course/manifest.js';
import { loadProgress, recordStatus, updateProgress } from '../course/progress.js';
import { color } from '../ui/color.js';
import { toJUnit } from './junit.js';
import type { CheckResult, ExpectationResult } from './result.js';
import type { RunCheckOptions } from './run-check.js';
import { checkingLine, reportLines } from './text-report.js';
import type { TypeProblem } from './typecheck.js';
import { pageTitle, timelinePageLine, wholeTimeline } from '../timeline/report.js';
import { newPagePath, writePage } from '../timeline/store.js';

export type RunCheck = (options: RunCheckOptions) => Promise<CheckResult>;
export type TypeCheck = (
  root: string,
  exercise: Exercise,
  dir: string,
  options: { signal?: AbortSignal; priority?: 'low' | 'normal' },
) => Promise<TypeProblem[] | undefined>;
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
  /** A line that says how far the check is, replaced by the next (a terminal only); undefined clears it. */
  progress?: (line: string | undefined) => void;
  /** Under `course watch`: the closing advice talks about saving, not re-running. */
  watching?: boolean;
  /** The check engine; replaced in tests. */
  runCheck?: RunCheck;
  /** The type checker; replaced in tests, off with COURSE_NO_TYPECHECK=1. */
  typeCheck?: TypeCheck;
  /** Print the whole run's timeline, not only the events under each failure (`--timeline`). */
  timeline?: boolean;
  /** Report as soon as the verdict is known and hand the teardown still under way over here (see RunCheckOptions). */
  backgroundTeardown?: (done: Promise<void>) => void;
}

/** How long a check the learner's code failed waits for the type checker before reporting without it. */
const TYPECHECK_GRACE_MS = 3000;

/** A failure the learner's code may cause (not the environment's): worth waiting for the type check. */
function blamesCode(expectation: ExpectationResult): boolean {
  return !expectation.passed && expectation.kind !== 'environment';
}

/**
 * Runs the check (and the type check beside it) and prints it with the chosen reporter; a pass is
 * recorded in the progress file. Returns undefined when the check was aborted (Ctrl-C).
 */
export async function checkAndReport(options: CheckAndReportOptions): Promise<CheckResult | undefined> {
  const { root, exercise, dir, signal, reporter = 'text', write = (line) => console.log(line) } = options;
  const progress = reporter === 'text' ? (options.progress ?? terminalProgress()) : () => {};
  const runCheck = options.runCheck ?? (await import('./run-check.js')).runCheck;
  const typeChecking = startTypeCheck(options);
  if (reporter === 'text') write(checkingLine(exercise, dir));
  const seen: ExpectationResult[] = [];
  const onExpectation = (expectation: ExpectationResult) => {
    seen.push(expectation);
    progress(progressLine(seen));
  };
  let result: CheckResult;
  try {
    result = await runCheck({ root, exercise, dir, signal, onExpectation, ...(options.backgroundTeardown ? { backgroundTeardown: options.backgroundTeardown } : {}) });
  } catch (error) {
    if (signal?.aborted) return undefined;
    result = engineFailure(exercise, dir, error);
  } finally {
    progress(undefined);
  }
  if (signal?.aborted) return undefined;
  const typeProblems = await typeChecking.result(result.expectations.some(blamesCode) ? TYPECHECK_GRACE_MS : 0);
  const page = result.timeline ? writeTimelinePage(root, result) : undefined;
  if (reporter === 'json') write(JSON.stringify(typeProblems?.length ? { ...result, typeProblems } : result, null, 2));
  else if (reporter === 'junit') write(toJUnit([result]));
  else {
    if (options.timeline) for (const line of wholeTimeline(result)) write(line);
    const hintsSeen = loadProgress(root).progress.hintsUsed[exercise.id] ?? 0;
    for (const line of reportLines(result, exercise, { typeProblems, hintsSeen, watching: options.watching })) write(line);
    if (page) write(page);
  }
  if (result.outcome === 'passed') recordPass(root, exercise, write);
  return result;
}

/** Writes the check's timeline page under `.course/timelines/`; returns the line that points to it. */
function writeTimelinePage(root: string, result: CheckResult): string | undefined {
  try {
    const file = writePage(newPagePath(root, result.exerciseId), { ...pageTitle(result), events: result.timeline ?? [] });
    return timelinePageLine(file, result.exerciseId);
  } catch {
    return undefined; // a read-only workbook: the report still stands
  }
}

/**
 * Starts the type check now, at low priority; `result(waitMs)` waits for it that long once the
 * check is over. A niced compiler gets next to nothing on a busy machine (seen: 14 s instead of
 * 0.5 s beside two busy loops), so once the check has failed and the learner waits for the
 * likely cause, a second run at normal priority starts, and whichever answers first is used.
 */
function startTypeCheck(options: CheckAndReportOptions): { result: (waitMs: number) => Promise<TypeProblem[] | undefined> } {
  if (process.env.COURSE_NO_TYPECHECK) return { result: async () => undefined };
  const controller = new AbortController();
  const abort = () => controller.abort();
  options.signal?.addEventListener('abort', abort);
  const typeCheck: TypeCheck = options.typeCheck ?? (async (...args) => (await import('./typecheck.js')).typeCheck(...args));
  const start = (priority: 'low' | 'normal') =>
    typeCheck(options.root, options.exercise, options.dir, { signal: controller.signal, priority }).catch(() => undefined);
  let finished = false;
  const running = start('low').finally(() => (finished = true));
  return {
    async result(waitMs) {
      const timer = setTimeout(abort, waitMs);
      // Once aborted, the report does not wait for tsc to exit: at the lowest CPU priority on a
      // busy machine that can take longer than the check's teardown (it dies on its own).
      const given = new Promise<undefined>((resolve) => controller.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
      const urgent = !finished && waitMs > 0 ? [start('normal')] : [];
      try {
        return await Promise.race([running, ...urgent, given]);
      } finally {
        clearTimeout(timer);
        abort(); // the run that lost, if any, is not needed
        options.signal?.removeEventListener('abort', abort);
      }
    },
  };
}

/** A pass is recorded; a progress file that cannot be written is said, after the report. */
function recordPass(root: string, exercise: Exercise, write: (line: string) => void): void {
  try {
    updateProgress(root, (p) => recordStatus(p, exercise.id, 'done'));
  } catch (error) {
    write('');
    write(color.yellow((error as Error).message));
  }
}

function progressLine(seen: ExpectationResult[]): string {
  const passed = seen.filter((e) => e.passed).length;
  const last = seen.at(-1)!;
  return `${color.green(`✓ ${passed}`)}  ${color.red(`✗ ${seen.length - passed}`)}  ${color.dim(last.name)}`;
}

/** In a terminal, one line rewritten in place; elsewhere nothing (the report follows). */
function terminalProgress(): (line: string | undefined) => void {
  if (!process.stdout.isTTY) return () => {};
  let shown = false;
  return (line) => {
    if (line === undefined && !shown) return;
    const columns = process.stdout.columns || 80;
    process.stdout.write(`\r\u001b[K${line === undefined ? '' : truncate(line, columns - 1)}`);
    shown = line !== undefined;
  };
}

function truncate(line: string, columns: number): string {
  // eslint-disable-next-line no-control-regex
  const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
  return plain.length <= columns ? line : `${plain.slice(0, columns - 1)}…`;
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
