// The process a check runs in: `course check` forks it (src/grading/check-worker-process.ts), and it
// runs the check file with @vitest/runner, the test runner inside vitest, without vitest's server,
// transform pipeline and pools, which cost more than a one-file check needs. The runner gives it
// the check compiled into one module (check-bundle.ts).
//
// It loads what every check needs, says `ready`, and waits for one `run`; it reports each
// expectation as it ends and exits when the run is over. Each run is a new process, so nothing of
// one run is in the next. A worker kept for a re-check may be asked to `prepare` the last run's
// environment meanwhile (src/harness/spares.ts), and is ended with `stop`.
import { pathToFileURL } from 'node:url';
import type { File, Suite, Task, Test, VitestRunner, VitestRunnerConfig } from '@vitest/runner';
import type { EnvironmentSpec } from '../harness/environment.js';
import { checkApiModule, type BundleSources } from './check-bundle.js';
import type { FromWorker, RunRequest, ToWorker, WorkerError, WorkerTest } from './check-worker-messages.js';

const send = (message: FromWorker) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

// As in vitest's own workers, an error nothing awaited (a stray promise of a helper) does not end
// the run: the expectations say what failed. It is kept for the runner to show if the run dies.
for (const event of ['unhandledRejection', 'uncaughtException'] as const) {
  process.on(event, (error: unknown) => process.stderr.write(`${event}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`));
}

const sources = JSON.parse(process.env.COURSE_CHECK_SOURCES ?? '{}') as BundleSources;
// Loaded while the runner waits for its run (it is looking for daprd, or the learner is typing).
const [{ startTests }, , checkApi] = (await Promise.all([
  import('@vitest/runner'),
  import(pathToFileURL(sources.vitest).href),
  import(pathToFileURL(checkApiModule(sources)).href),
])) as [typeof import('@vitest/runner'), unknown, typeof import('../harness/spares.js')];

// A listener for as long as the process lives: it keeps the IPC channel, and so the process, alive
// while a test waits on a promise that nothing else keeps (its time limit's timer does not).
let running = false;
process.on('message', (message: ToWorker) => {
  if (message.type === 'prepare') checkApi.prepareSpares(message.runs as EnvironmentSpec[]);
  else if (message.type === 'stop') void checkApi.dropSpares().finally(() => process.exit(0));
  else if (!running) {
    running = true;
    void run(message);
  }
});
await send({ type: 'ready' });

async function run({ file, bundle, env, timeoutMs, stopOnceFailed }: RunRequest): Promise<void> {
  Object.assign(process.env, env);
  const reported = new Set<string>();
  const failedNames = new Set<string>();
  const report = async (test: Test) => {
    if (reported.has(test.id) || !finished(test)) return;
    reported.add(test.id);
    if (test.result?.state === 'fail') failedNames.add(test.name);
    await send({ type: 'result', test: outcomeOf(test) });
  };
  const byId = new Map<string, Test>();
  const runner: VitestRunner = {
    config: configOf(timeoutMs),
    importFile: async () => {
      if ('error' in bundle) throw new Error(bundle.error);
      return import(pathToFileURL(bundle.file).href);
    },
    onCollected: async (files: File[]) => {
      for (const test of files.flatMap(testsOf)) byId.set(test.id, test);
      await send({ type: 'collected', tests: byId.size });
    },
    onBeforeRunTask: (test: Test) => {
      if (stopOnceFailed?.length && stopOnceFailed.every((name) => failedNames.has(name))) {
        test.mode = 'skip';
        test.result = { state: 'skip' };
      }
    },
    onAfterRunTask: report,
    // Tests a failed beforeAll skipped are reported here only.
    onTaskUpdate: async (_packs, events) => {
      for (const [id, event] of events) if (event === 'test-finished' && byId.has(id)) await report(byId.get(id)!);
    },
  };
  let errors: WorkerError[] = [];
  try {
    const files = await startTests([file], runner);
    for (const test of byId.values()) await report(test);
    errors = files.flatMap((f) => (f.result?.errors ?? []) as WorkerError[]);
  } catch (error) {
    errors = [{ name: (error as Error).name, message: (error as Error).message }];
  }
  await checkApi.dropSpares();
  await send({ type: 'done', errors, runs: checkApi.askedRuns() });
  process.exit(0);
}

function configOf(timeoutMs: number): VitestRunnerConfig {
  return {
    root: process.cwd(),
    setupFiles: [],
    name: undefined,
    passWithNoTests: true,
    testNamePattern: undefined,
    allowOnly: true,
    sequence: { seed: 0, hooks: 'stack', setupFiles: 'list' },
    chaiConfig: undefined,
    maxConcurrency: 5,
    testTimeout: timeoutMs,
    hookTimeout: timeoutMs,
    retry: 0,
    includeTaskLocation: false,
    tags: [],
    tagsFilter: undefined,
    strictTags: false,
  };
}

function testsOf(task: Task): Test[] {
  if (task.type === 'test') return [task];
  return (task as Suite).tasks?.flatMap(testsOf) ?? [];
}

function finished(test: Test): boolean {
  const state = test.result?.state;
  return state === 'pass' || state === 'fail' || state === 'skip' || state === 'todo';
}

function outcomeOf(test: Test): WorkerTest {
  const state = test.result?.state === 'pass' ? 'passed' : test.result?.state === 'fail' ? 'failed' : 'skipped';
  return {
    name: test.name,
    state,
    durationMs: Math.round(test.result?.duration ?? 0),
    errors: (test.result?.errors ?? []) as WorkerError[],
    ...(state === 'skipped' ? { hookError: enclosingError(test) } : {}),
    meta: test.meta as WorkerTest['meta'],
  };
}

/** The first error of the suites or file around a test (a hook that failed), if any. */
function enclosingError(test: Test): WorkerError | undefined {
  for (let suite: Suite | undefined = test.suite; suite; suite = suite.suite) {
    const errors = suite.result?.errors as WorkerError[] | undefined;
    if (errors?.length) return errors[0];
  }
  return (test.file.result?.errors as WorkerError[] | undefined)?.[0];
}
