// How a check's worker (check-worker.ts) is forked, and `course check`'s early fork: bin/course.js
// forks the worker before it loads the runner, so that the worker's own start (a node process
// loading the check API, ~230 ms) goes on while the runner loads the command, reads the workbook
// and looks for daprd, instead of after. Kept small: bin/course.js imports it before anything else.
import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundleSources } from './check-bundle.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** This module runs as the build compiled it (dist/), or from src/ through tsx (the project's tests). */
const extension = path.extname(fileURLToPath(import.meta.url));
/** dist/ or src/. */
const code = path.resolve(here, '..');

/** Where a check's imports are taken from (check-bundle.ts). */
export function bundleSources(): BundleSources {
  const compiled = extension === '.js' && path.basename(code) === 'dist' && !process.env.COURSE_CHECK_FROM_SOURCE;
  const vitest = path.join(here, `check-vitest${extension}`);
  if (compiled) return { vitest, harness: { dist: code } };
  // COURSE_CHECK_FROM_SOURCE=1 under dist/: the harness from src/, for an author changing it.
  return { vitest, harness: { src: path.join(code, '..', 'src') } };
}

/** A worker forked and loading, watched from its start so that no word of it is missed. */
export interface ForkedWorker {
  child: ChildProcess;
  sources: BundleSources;
  /** True once it has said `ready`; false when it exited before. */
  ready: Promise<boolean>;
  /** How it ended, in words. */
  exited: Promise<string>;
}

/** A worker, loading, in `cwd` (the workbook's root; a run also names it: RunRequest.root). */
export function forkWorker(cwd?: string, sources: BundleSources = bundleSources()): ForkedWorker {
  const child = fork(path.join(here, `check-worker${extension}`), [], {
    cwd,
    // tsx, for a harness taken from src/; without its cache, which would stay in the temp folder.
    env: { ...process.env, COURSE_CHECK_SOURCES: JSON.stringify(sources), TSX_DISABLE_CACHE: '1' },
    execArgv: 'src' in sources.harness ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.on('error', () => {}); // a failed fork or send shows as the exit
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `it was ended by ${signal}` : `it exited with code ${code}`)),
  );
  const ready = new Promise<boolean>((resolve) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== 'ready') return;
      child.off('message', onMessage);
      resolve(true);
    };
    child.on('message', onMessage);
    void exited.then(() => resolve(false));
  });
  return { child, sources, ready, exited };
}

let early: ForkedWorker | undefined;

/** What keeps the runner's process alive for a worker: the process, its IPC channel, its stderr pipe. */
const handlesOf = (child: ChildProcess) => [child, child.channel, child.stderr as Socket | null];

/**
 * Forks the worker of the `course check` about to run. Until the runner takes it, it keeps nothing
 * alive, and it is ended with the runner: a check that never starts (an unknown id, a missing file)
 * leaves no process behind.
 */
export function forkWorkerEarly(): ForkedWorker {
  const worker = forkWorker();
  for (const handle of handlesOf(worker.child)) handle?.unref();
  early = worker;
  process.once('exit', () => {
    if (early === worker) worker.child.kill('SIGKILL');
  });
  return worker;
}

/** The worker forked early, for the runner to use; undefined when there is none. */
export function takeEarlyWorker(): ForkedWorker | undefined {
  const taken = early;
  early = undefined;
  if (taken) for (const handle of handlesOf(taken.child)) handle?.ref();
  return taken;
}
