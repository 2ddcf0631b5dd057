// The fault matrix, on the real CLI: SIGINT, SIGTERM and SIGKILL of `course check` while the check
// is starting (Redis and the sidecars coming up) and running (expectations under way), on a real
// exercise with real daprd and Redis. Each ends within its bound with no process of the run alive
// and no folder of the run left. The run being torn down is no longer the CLI's: it exits with
// the verdict and the teardown completes without it, even when the worker doing it is killed.
// And a deleted work file is named, with the command that restores it. The harness's own faults:
// src/harness/faults.test.ts.
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { endProcesses, processTree, stillRuns, type TreeProcess } from '../src/harness/process-tree.js';
import type { CheckResult } from '../src/grading/result.js';
import { reapOrphans, runFileOf } from '../src/harness/processes.js';
import { processesOfRun } from './helpers/leftovers.js';
import { atGreet, course, startCourse, workFile } from './helpers/cli.js';
import { copyCourse, REPO_ROOT } from './helpers/fixture.js';
import { scratchDir } from './helpers/temp.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
const EXIT = { SIGINT: 130, SIGTERM: 143, SIGKILL: null };
type Phase = 'starting' | 'running';

const builds = path.join(REPO_ROOT, 'node_modules', '.cache', 'course-build');
/** Reaching a phase is not what is measured: on a machine under load a check takes a while to start. */
const PHASE_MS = 120_000;

/** Polls `probe` every 10 ms until it returns something; fails after `ms`. */
async function until<T>(probe: () => T | undefined, ms: number, what: string): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 10))) {
    const found = probe();
    if (found) return found;
  }
  throw new Error(`${what} did not happen within ${ms} ms`);
}

/** What a case started: a case that fails must not leave its run to the next one. */
let started: TreeProcess[] = [];

/**
 * Starts `course check publish-order` with a temp folder of its own and waits for `phase`; returns
 * the CLI, every process below it at that moment, and that temp folder.
 */
async function checkUntil(phase: Phase) {
  const root = copyCourse();
  course(root, ['show', 'publish-order']);
  // Starting is reached sooner when every expectation passes; while running, the starter's first
  // expectation waits 5 s for an order that never comes.
  if (phase !== 'running') {
    copyFileSync(path.join(REPO_ROOT, 'solutions/04-pubsub/publish-order/checkout.ts'), path.join(root, 'work/04-pubsub/publish-order/checkout.ts'));
  }
  const tmp = scratchDir('cli-faults');
  const run = startCourse(root, ['check', 'publish-order'], { TMPDIR: tmp });
  const cli = run.child.pid!;
  started = processTree(cli);
  const tree = () => processTree(cli).filter((p) => p.pid !== cli);
  const named = (name: string) => tree().some((p) => p.name === name);
  if (phase === 'starting') {
    await until(() => named('redis-server'), PHASE_MS, 'redis-server starting');
  } else {
    // The harness writes its timings once every service is ready, as the expectations begin.
    const report = () => readdirSync(tmp).find((name) => name.startsWith('course-check-'));
    await until(() => report() && existsSync(path.join(tmp, report()!, 'timings.json')), PHASE_MS, 'the expectations starting');
  }
  return { run, cli, tmp, processes: tree() };
}

afterEach(async () => {
  await endProcesses(started.filter(stillRuns));
  started = [];
});

describe('the CLI stopped by a signal during a real check', { timeout: PHASE_MS * 2 }, () => {
  for (const phase of ['starting', 'running'] as const) {
    for (const signal of SIGNALS) {
      it(`${signal} while ${phase}: ends within 10 s, nothing of the run left`, async () => {
        const { run, cli, tmp, processes } = await checkUntil(phase);
        started = [...processTree(cli), ...processes];
        const worker = processes.find((p) => p.name === 'node')!;
        expect(processes.length).toBeGreaterThan(0);
        const signalled = Date.now();
        run.child.kill(signal);
        expect(await run.exited).toBe(EXIT[signal]);
        // SIGKILL: the CLI cleans up nothing; its worker sees its parent gone and ends the run itself.
        await until(() => !processes.some(stillRuns), 10_000, 'every process of the run ending').catch((error: Error) => {
          throw new Error(`${error.message}; still running: ${processes.filter(stillRuns).map((p) => `${p.name} ${p.pid}`).join(', ')}`);
        });
        const ms = Date.now() - signalled;
        if (process.env.FAULT_TIMINGS) console.log(`[bound] ${signal} while ${phase}: ${ms} ms of 10000 ms`);
        expect(processes.filter(stillRuns)).toEqual([]);
        // What only the owner could remove: after SIGKILL, the next run's reaper does.
        if (signal === 'SIGKILL') await reapOrphans();
        expect(readdirSync(tmp)).toEqual([]);
        expect(readdirSync(builds).filter((name) => name.includes(`-${worker.pid}-`))).toEqual([]);
      });
    }
  }
});

/**
 * `course check publish-order` on the solution whose service ignores SIGTERM, so that stopping the
 * run takes at least the service's grace (1 s) after the verdict, sidecars and Redis after it.
 * Follows every process below the CLI until it exits; returns them, those still running at its
 * exit, and its temp folder.
 */
async function checkToVerdict({ killWorkerAtVerdict = false } = {}) {
  const root = copyCourse();
  course(root, ['show', 'publish-order']);
  const solution = readFileSync(path.join(REPO_ROOT, 'solutions/04-pubsub/publish-order/checkout.ts'), 'utf8');
  writeFileSync(path.join(root, 'work/04-pubsub/publish-order/checkout.ts'), `${solution}\nprocess.on('SIGTERM', () => {});\n`);
  const tmp = scratchDir('cli-verdict');
  const run = startCourse(root, ['check', 'publish-order'], { TMPDIR: tmp });
  const cli = run.child.pid!;
  const seen = new Map<string, TreeProcess>();
  let runningAtExit: TreeProcess[] | undefined;
  run.child.once('exit', () => (runningAtExit = [...seen.values()].filter(stillRuns)));
  let workerKilledMidTeardown = false;
  let leftToReap: TreeProcess[] = [];
  while (runningAtExit === undefined) {
    for (const p of processTree(cli)) if (p.pid !== cli) seen.set(`${p.pid}:${p.start}`, p);
    // Once the verdict is out the teardown has begun, and it lasts at least the service's 1 s grace.
    const worker = killWorkerAtVerdict && !workerKilledMidTeardown && run.stdout().includes('5 passed, 0 failed')
      ? [...seen.values()].find((p) => p.ppid === cli && p.name === 'node' && stillRuns(p))
      : undefined;
    if (worker) {
      leftToReap = [...seen.values()].filter((p) => p !== worker && p.name !== 'esbuild' && p.name !== 'tsc' && p.ppid !== cli && stillRuns(p));
      process.kill(worker.pid, 'SIGKILL');
      workerKilledMidTeardown = true;
    }
    started = [...seen.values()];
    await new Promise((r) => setTimeout(r, 10));
  }
  const processes = [...seen.values()];
  const worker = processes.find((p) => p.ppid === cli && p.name === 'node')!;
  return { run, cli, tmp, processes, runningAtExit: runningAtExit!, worker, workerKilledMidTeardown, leftToReap };
}

/** A process of the check's run, not vite's own esbuild service (which is the CLI's). */
const ofTheRun = (p: TreeProcess) => p.name !== 'esbuild';

/** Nothing of the run is left: no process (the detached reaper included: it has the run's TMPDIR), no folder, no run file, no build. */
async function nothingLeft(tmp: string, processes: TreeProcess[], worker: TreeProcess): Promise<number> {
  const from = Date.now();
  await until(() => !processes.some(stillRuns) && processesOfRun(tmp, -1).length === 0, 10_000, 'every process of the run ending');
  const ms = Date.now() - from;
  expect(readdirSync(tmp)).toEqual([]);
  expect(existsSync(runFileOf(worker.pid))).toBe(false);
  expect(readdirSync(builds).filter((name) => name.includes(`-${worker.pid}-`))).toEqual([]);
  return ms;
}

describe('course check exits with its verdict while the run is being stopped', { timeout: PHASE_MS }, () => {
  it('prints the verdict and exits before the teardown ends; the teardown completes, nothing of the run left', async () => {
    const { run, tmp, processes, runningAtExit, worker } = await checkToVerdict();
    expect(run.stdout(), 'the solution passes').toContain('5 passed, 0 failed');
    expect(await run.exited).toBe(0);
    // At the CLI's exit the run was still being stopped: its worker (which stops it) or what it
    // stops still ran. Which of them this test sees depends on how soon it hears of the exit: the
    // worker ends the rest at once when its parent is gone.
    expect(runningAtExit.filter(ofTheRun).map((p) => p.name), 'still running when the CLI exited').not.toEqual([]);
    const ms = await nothingLeft(tmp, processes, worker);
    if (process.env.FAULT_TIMINGS) console.log(`[bound] teardown after the verdict: ${ms} ms of 10000 ms`);
  });

  it('when the worker finishing the teardown is killed, the reaper ends what it left', { timeout: 3 * PHASE_MS }, async () => {
    // On a busy machine this test may read the verdict only after the teardown has ended (it lasts
    // about the service's 1 s grace): then nothing was left to reap, and the run is made again.
    for (let attempt = 1; ; attempt++) {
      const { run, tmp, processes, worker, workerKilledMidTeardown, leftToReap } = await checkToVerdict({ killWorkerAtVerdict: true });
      expect(workerKilledMidTeardown, 'the worker was killed mid-teardown').toBe(true);
      expect(await run.exited).toBe(0);
      await nothingLeft(tmp, processes, worker);
      if (leftToReap.length > 0) break;
      expect(attempt, 'what the worker left running, for the reaper: nothing, in 3 runs').toBeLessThan(3);
    }
  });
});

describe('a service that crashes during a real check', () => {
  it('is named in the report as the cause, once, with its output', { timeout: PHASE_MS }, async () => {
    const root = copyCourse();
    course(root, ['show', 'publish-order']);
    writeFileSync(
      path.join(root, 'work/04-pubsub/publish-order/checkout.ts'),
      "import http from 'node:http';\n\n" +
        'http.createServer((req, res) => {\n' +
        "  if (req.method === 'POST') throw new Error('boom: order.total is undefined');\n" +
        '  res.end();\n' +
        "}).listen(Number(process.env.APP_PORT), '127.0.0.1');\n",
    );
    const result = course(root, ['check', 'publish-order', '--reporter', 'json'], { TMPDIR: scratchDir('cli-faults') });
    const report = JSON.parse(result.stdout) as CheckResult;
    expect(result.code).toBe(1);
    expect(report.expectations.length).toBeGreaterThan(1);
    expect(report.expectations.filter((e) => e.passed)).toEqual([]);
    for (const expectation of report.expectations) {
      expect(expectation.message).toBe('Your service `checkout` exited with code 1 during the check. Its last output is below.');
      expect(expectation.rootCause).toBe(expectation.message);
    }
    expect(report.expectations[0]!.logExcerpt?.join('\n')).toContain('boom: order.total is undefined');
  });
});

describe('a deleted work file', () => {
  it('is named with the command that restores it, before anything starts', () => {
    const root = atGreet();
    rmSync(workFile(root, 'greet', 'greet.ts'));
    const started = Date.now();
    const result = course(root, ['check', 'greet']);
    const ms = Date.now() - started;
    if (process.env.FAULT_TIMINGS) console.log(`[bound] deleted work file: ${ms} ms of 10000 ms`);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ the exercise's files are all there");
    expect(result.stdout).toContain('`greet.ts` is missing from work/01-basics/greet (deleted or renamed?)');
    expect(result.stdout).toContain('npx course reset greet greet.ts');
    expect(result.stdout).not.toMatch(/Could not resolve|ENOENT|Cannot find module/);
    expect(ms).toBeLessThan(10_000);
  });
});
