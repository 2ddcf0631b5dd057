// The runner's side of a check's worker (check-worker.ts): forks it, gives it the run, and hands
// its reports over. The worker is forked ahead of the run: `course check` forks it while it looks
// for daprd, and `course watch` keeps the next one ready between re-checks.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundleSources } from './check-bundle.js';
import { endProcesses, processTree } from '../harness/process-tree.js';
import type { FromWorker, RunRequest, ToWorker, WorkerError, WorkerTest } from './check-worker-messages.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** This module runs as the build compiled it (dist/), or from src/ through tsx (the project's tests). */
const extension = path.extname(fileURLToPath(import.meta.url));
/** dist/ or src/. */
const code = path.resolve(here, '..');

export interface WorkerHandlers {
  onCollected(tests: number): void;
  onResult(test: WorkerTest): void;
}

/**
 * How a run ended: its file's errors (and the environments it started) when it ran to its end, or
 * the worker's exit when it did not.
 */
export type WorkerEnd = { errors: WorkerError[]; runs: unknown[] } | { exited: string };

/** How long a worker may take to stop what it started ahead. */
const STOP_MS = 10_000;

export class CheckWorker {
  private readonly child: ChildProcess;
  private readonly ready: Promise<boolean>;
  private readonly exited: Promise<string>;
  private stderr = '';
  private handlers?: WorkerHandlers;
  private done?: (end: WorkerEnd) => void;
  /** It was asked to start environments ahead: `stop` lets it stop them. */
  private prepared = false;

  /** Where the check's imports are taken from (check-bundle.ts). */
  readonly sources = bundleSources();

  constructor(root: string) {
    const { sources } = this;
    this.child = fork(path.join(here, `check-worker${extension}`), [], {
      cwd: root,
      // tsx, for a harness taken from src/; without its cache, which would stay in the temp folder.
      env: { ...process.env, COURSE_CHECK_SOURCES: JSON.stringify(sources), TSX_DISABLE_CACHE: '1' },
      execArgv: 'src' in sources.harness ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve(signal ? `it was ended by ${signal}` : `it exited with code ${code}`)),
    );
    let isReady!: (ready: boolean) => void;
    this.ready = new Promise((resolve) => (isReady = resolve));
    void this.exited.then(() => isReady(false));
    this.child.on('message', (message: FromWorker) => {
      if (message.type === 'ready') isReady(true);
      else if (message.type === 'collected') this.handlers?.onCollected(message.tests);
      else if (message.type === 'result') this.handlers?.onResult(message.test);
      else if (message.type === 'done') this.done?.({ errors: message.errors, runs: message.runs });
    });
    this.child.on('error', () => {}); // a failed fork or send shows as the exit
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs the check file; resolves once the run is over, or once the worker is gone if sooner. */
  async run(request: Omit<RunRequest, 'type'>, handlers: WorkerHandlers): Promise<WorkerEnd> {
    this.handlers = handlers;
    const end = new Promise<WorkerEnd>((resolve) => (this.done = resolve));
    const gone = this.exited.then((how): WorkerEnd => ({ exited: this.describeExit(how) }));
    if (!(await this.ready)) return gone;
    this.child.send({ type: 'run', ...request } satisfies RunRequest);
    const result = await Promise.race([end, gone]);
    // Whatever the worker still does (its teardown after the last report), the run is the worker's life.
    await this.exited;
    return result;
  }

  /** Has the worker start these environments ahead of its run (src/harness/spares.ts). */
  async prepare(runs: unknown[]): Promise<void> {
    if (runs.length === 0 || !(await this.ready)) return;
    this.prepared = true;
    this.child.send({ type: 'prepare', runs } satisfies ToWorker);
  }

  /** Ends a worker that was never given a run, and what it started ahead. */
  async stop(): Promise<void> {
    if (this.prepared && this.child.connected) {
      this.child.send({ type: 'stop' } satisfies ToWorker);
      const stopped = await Promise.race([this.exited.then(() => true), new Promise<false>((r) => setTimeout(r, STOP_MS, false).unref())]);
      if (stopped) return;
    }
    // Its children too: a worker killed alone would leave them to the reaper.
    await endProcesses(this.child.pid === undefined ? [] : processTree(this.child.pid));
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private describeExit(how: string): string {
    const lastLines = this.stderr.trim().split('\n').slice(-5).join('\n');
    return `the check's process stopped before the check was over (${how})${lastLines ? `:\n${lastLines}` : ''}`;
  }
}

function bundleSources(): BundleSources {
  const compiled = extension === '.js' && path.basename(code) === 'dist' && !process.env.COURSE_CHECK_FROM_SOURCE;
  const vitest = path.join(here, `check-vitest${extension}`);
  if (compiled) return { vitest, harness: { dist: code } };
  // COURSE_CHECK_FROM_SOURCE=1 under dist/: the harness from src/, for an author changing it.
  return { vitest, harness: { src: path.join(code, '..', 'src') } };
}
