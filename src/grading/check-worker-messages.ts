// What a check's runner and its worker (check-worker.ts) say to each other over the IPC channel.

/** An error as @vitest/runner serializes it, with the harness's own fields (checks/lib/expect.ts). */
export interface WorkerError {
  name?: string;
  message?: string;
  logExcerpt?: string[];
  blockedBy?: string;
  rootCause?: string;
}

/** One expectation, over. */
export interface WorkerTest {
  name: string;
  state: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  errors: WorkerError[];
  /** Skipped: the failed hook's error, when a hook around it failed. */
  hookError?: WorkerError;
  /** Set by checks/lib/exercise.ts on a failure. */
  meta: { logExcerpt?: string[]; timeline?: unknown[] };
}

export type ToWorker = RunRequest | { type: 'prepare'; runs: unknown[] } | { type: 'stop' };

export interface RunRequest {
  type: 'run';
  /** The check file's absolute path. */
  file: string;
  /** Added to the worker's environment before the check is loaded. */
  env: Record<string, string>;
  timeoutMs: number;
  /**
   * Once every one of these expectations has failed, the ones still to come are skipped (not
   * reported): the authoring gate's mutants, whose verdict is then known. The teardown still runs.
   */
  stopOnceFailed?: string[];
  /** The check compiled (check-bundle.ts), or why it could not be. */
  bundle: { file: string } | { error: string };
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'collected'; tests: number }
  | { type: 'result'; test: WorkerTest }
  /**
   * The run is over; `errors` are the file's own (it could not be loaded, or a hook of the file
   * failed); `runs`, the environments it started, for the next worker to start ahead (spares.ts).
   */
  | { type: 'done'; errors: WorkerError[]; runs: unknown[] };
