// `course watch`: check the exercise, then re-check on every save of its work folder. Never two
// checks at once: a save during a check queues one re-run. Enter re-checks by hand (for where file
// events do not arrive: WSL2, network drives); after a pass, Enter moves on; `q` quits.
// Re-checks are warm: the exercise's CheckRunner (src/grading/run-check.ts) keeps the next run's
// worker loaded between them, and each verdict is shown as soon as it is known, the run's teardown going on behind it.
import type { FSWatcher } from 'chokidar';
import path from 'node:path';
import { ensureWorkDir } from '../course/exercise-files.js';
import type { Course, Exercise, Item } from '../course/manifest.js';
import { currentItem, loadProgress } from '../course/progress.js';
import { checkAndReport, type RunCheck, type TypeCheck } from '../grading/check-and-report.js';
import type { CheckRunner } from '../grading/run-check.js';
import { color } from '../ui/color.js';
import { finishView } from '../ui/finish-view.js';
import { exerciseView } from '../ui/item-view.js';

export interface WatchSessionOptions {
  root: string;
  course: Course;
  exercise: Exercise;
  write?: (line: string) => void;
  /** Clears the screen before each check; default: nothing. */
  clear?: () => void;
  /** Quiet time after the last file event before re-checking. */
  debounceMs?: number;
  runCheck?: RunCheck;
  typeCheck?: TypeCheck;
}

export class WatchSession {
  /** Resolves with the exit code once the session has stopped and nothing is left running. */
  readonly finished: Promise<number>;
  /** How many checks have started; for tests and the footer. */
  checksStarted = 0;
  private exercise: Exercise;
  private dir: string;
  private running?: { controller: AbortController; done: Promise<void> };
  private rerunQueued = false;
  private passed = false;
  private stopped = false;
  private watcher?: FSWatcher;
  /** The warm runner of the exercise being watched (none when a test gives its own runCheck). */
  private runner?: CheckRunner;
  /** The last exercise's runner, closing. */
  private closingRunner?: Promise<void>;
  private debounceTimer?: NodeJS.Timeout;
  private resolveFinished!: (code: number) => void;
  private readonly write: (line: string) => void;
  private readonly clear: () => void;
  private readonly debounceMs: number;

  constructor(private readonly options: WatchSessionOptions) {
    this.exercise = options.exercise;
    this.dir = ensureWorkDir(options.root, options.exercise).dir;
    this.write = options.write ?? ((line) => console.log(line));
    this.clear = options.clear ?? (() => {});
    // A save is a burst of file events a few ms apart (write, rename, chmod); the learner waits for
    // this quiet time on every re-check. A save that comes later queues one re-run anyway.
    this.debounceMs = options.debounceMs ?? 100;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** A re-check is waiting for the running one to end. */
  get rerunPending(): boolean {
    return this.rerunQueued;
  }

  /** Starts watching (resolves once file events are being delivered) and runs the first check. */
  async start(): Promise<void> {
    await this.watchFolder();
    this.requestCheck();
  }

  /** Runs a check now, or once the running one is over (at most one waits). */
  requestCheck(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerunQueued = true;
      return;
    }
    const controller = new AbortController();
    const done = this.checkOnce(controller.signal).finally(() => {
      this.running = undefined;
      if (this.rerunQueued) {
        this.rerunQueued = false;
        this.requestCheck();
      }
    });
    this.running = { controller, done };
  }

  /** A line typed by the learner: Enter re-checks (or moves on after a pass), `q` quits. */
  async onLine(line: string): Promise<void> {
    const answer = line.trim().toLowerCase();
    if (answer === 'q' || answer === 'quit') return this.stop(0);
    if (answer !== '') {
      this.write(color.dim(messages.keys));
      return;
    }
    if (this.passed && !this.running) return this.advance();
    this.requestCheck();
  }

  /** Stops the running check (through its AbortSignal), the watcher and the timers. */
  async stop(code: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.debounceTimer);
    this.rerunQueued = false;
    this.running?.controller.abort();
    await this.running?.done;
    await this.watcher?.close();
    await Promise.all([this.closingRunner, this.runner?.close()]);
    this.resolveFinished(code);
  }

  private onFileEvent(): void {
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => this.requestCheck(), this.debounceMs);
  }

  private async checkOnce(signal: AbortSignal): Promise<void> {
    this.checksStarted++;
    this.clear();
    const result = await checkAndReport({
      root: this.options.root,
      exercise: this.exercise,
      dir: this.dir,
      signal,
      write: this.write,
      watching: true,
      runCheck: this.options.runCheck ?? (await this.warmRunner()),
      // The runner itself waits for this teardown before the next run, and close() for the last.
      backgroundTeardown: () => {},
      typeCheck: this.options.typeCheck,
    });
    if (!result || this.stopped) return;
    this.passed = result.outcome === 'passed';
    if (this.rerunQueued) return;
    this.write('');
    this.write(this.passed ? messages.passed : color.dim(messages.watching(this.shownDir())));
  }

  /** Runs the watched exercise's check, keeping what a re-check can reuse. */
  private async warmRunner(): Promise<RunCheck> {
    if (this.runner?.exercise !== this.exercise) {
      await this.runner?.close();
      const { CheckRunner } = await import('../grading/run-check.js');
      this.runner = new CheckRunner(this.options.root, this.exercise, { keep: true });
    }
    const runner = this.runner;
    return (options) => runner.run(options);
  }

  /** After a pass: the next exercise in this session, or a pointer to the next lesson. */
  private async advance(): Promise<void> {
    const { course, root } = this.options;
    const next = currentItem(course, loadProgress(root).progress);
    if (!next) {
      this.write(finishView(course, loadProgress(root).progress));
      return this.stop(0);
    }
    if (next.kind === 'lesson') {
      this.write(messages.lessonNext(next));
      return this.stop(0);
    }
    await this.watcher?.close();
    // What it keeps started for a re-check is the last exercise's.
    this.closingRunner = this.runner?.close();
    this.runner = undefined;
    this.exercise = next;
    this.passed = false;
    const { dir, created } = ensureWorkDir(root, next);
    this.dir = dir;
    this.clear();
    this.write(await exerciseView(root, course, next, dir, { created }));
    this.write('');
    this.write(color.dim(messages.watching(this.shownDir())));
    await this.watchFolder();
  }

  private async watchFolder(): Promise<void> {
    const { watch } = await import('chokidar');
    const watcher = watch(this.dir, {
      ignoreInitial: true,
      ignored: (file: string) => IGNORED.test(path.relative(this.dir, file)),
    });
    watcher.on('all', () => this.onFileEvent());
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.watcher = watcher;
  }

  private shownDir(): string {
    return path.relative(process.cwd(), this.dir) || '.';
  }
}

/** Not the learner's source: dependencies, dot folders (editor and VCS state), logs, swap files. */
const IGNORED = /(^|[\\/])(node_modules|\.[^\\/]+)([\\/]|$)|\.log$|~$|\.swp$/;

const messages = {
  keys: 'Enter: check again · q then Enter: quit',
  watching: (dir: string) => `Watching ${dir}: saving a file re-checks it. Enter: check again · q then Enter: quit`,
  passed: `${color.green.bold('Passed!')} Press Enter for what comes next, or q then Enter to quit.`,
  lessonNext: (lesson: Item) =>
    `Next up is a lesson: ${lesson.title}.\nRead it with npx course next, then come back to npx course watch.`,
};
