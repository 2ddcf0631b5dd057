// Ctrl-C in the middle of a run leaves no redis-server, daprd or app behind, and no container:
// asserted against the process table and the container engine, on a real run in a child process,
// on each runtime (local processes; a local daprd with a Redis container; everything in containers).
import { execa, type ResultPromise } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, test } from 'vitest';
import { reapOrphans } from './processes.js';
import { containerExists, engine, needsEngine } from './testdata/engine.js';

const script = path.join(import.meta.dirname, 'testdata', 'hold-and-report.ts');

interface Report {
  processes: { name: string; pid?: number; containerId?: string }[];
  /** The run's scratch folders (resources, Redis' dir). */
  paths: string[];
  runFile: string;
}

interface Started extends Report {
  child: ResultPromise;
}

/** Starts a run in a child process on `runtime` and resolves with what it reports once ready. */
async function startRun(runtime: string, options: { exit?: boolean; ipc?: boolean } = {}): Promise<Started> {
  const child = execa(process.execPath, ['--import', 'tsx', script, ...(options.exit ? ['--exit'] : [])], {
    reject: false,
    buffer: false,
    cleanup: false,
    ipc: options.ipc,
    env: { COURSE_RUNTIME: runtime },
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const report = await new Promise<Report>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line) as Report);
    });
    void child.then(() => reject(new Error('the run exited before it was ready')));
  });
  return { child, ...report };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What of the run is still there: live pids and existing containers, by name. */
async function leftOver(run: Report): Promise<string[]> {
  const left = await Promise.all(
    run.processes.map(async (p) => ((p.pid !== undefined && alive(p.pid)) || (p.containerId && (await containerExists(p.containerId))) ? p.name : undefined)),
  );
  return left.filter((name): name is string => name !== undefined);
}

const RUNTIMES = [
  { runtime: 'local', containers: [] as string[], needsEngine: false },
  { runtime: 'mixed', containers: ['redis'], needsEngine: true },
  { runtime: 'docker', containers: ['daprd publisher', 'daprd sdk-subscriber', 'redis'], needsEngine: true },
];

for (const { runtime, containers, needsEngine: engineNeeded } of RUNTIMES) {
  const name = `signals, COURSE_RUNTIME=${runtime}`;
  describe.skipIf(engineNeeded && !engine)(engineNeeded ? needsEngine(name) : name, { timeout: 90_000 }, () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      test(`${signal} in the middle of a run leaves no process and no container behind`, async () => {
        const run = await startRun(runtime);
        expect(run.paths.length).toBeGreaterThanOrEqual(runtime === 'local' ? 2 : 1);
        expect(run.paths.every((p) => existsSync(p))).toBe(true);
        expect(run.processes.map((p) => p.name).sort()).toEqual(['daprd publisher', 'daprd sdk-subscriber', 'redis', 'sdk-subscriber']);
        expect(run.processes.filter((p) => p.containerId).map((p) => p.name).sort()).toEqual(containers);
        expect((await leftOver(run)).sort()).toEqual(run.processes.map((p) => p.name).sort());
        run.child.kill(signal);
        const result = await run.child;
        expect(result.exitCode ?? result.signal).toBe(signal === 'SIGINT' ? 130 : 143);
        expect(await leftOver(run)).toEqual([]);
        expect(run.paths.filter((p) => existsSync(p))).toEqual([]);
      });
    }

    test('an owner that exits without stopping its run leaves nothing: containers go to a detached remover', async () => {
      const run = await startRun(runtime, { exit: true });
      await run.child;
      await expect.poll(() => leftOver(run), { timeout: 20_000, interval: 100 }).toEqual([]);
    });

    // A check runs in a worker; when the CLI above it is gone, nothing else would stop it.
    test('an owner whose parent is gone (its IPC channel closes) stops its run', async () => {
      const run = await startRun(runtime, { ipc: true });
      run.child.disconnect();
      await run.child;
      await expect.poll(() => leftOver(run), { timeout: 20_000, interval: 100 }).toEqual([]);
      expect(run.paths.filter((p) => existsSync(p))).toEqual([]);
    });

    test('a run whose owner was killed outright is reaped by the next run, containers too', async () => {
      const run = await startRun(runtime);
      // The run file names every container, for the reaper.
      const recorded = JSON.parse(readFileSync(run.runFile, 'utf8')) as { containers: { id: string }[] };
      expect(recorded.containers.map((c) => c.id).sort()).toEqual(run.processes.flatMap((p) => (p.containerId ? [p.containerId] : [])).sort());
      run.child.kill('SIGKILL');
      await run.child;
      // SIGKILL gives the owner no chance to clean up: its children are still there...
      expect((await leftOver(run)).length).toBeGreaterThan(0);
      // ...until the next run's reaper finds the owner's run file.
      await reapOrphans();
      await expect.poll(() => leftOver(run), { timeout: 20_000, interval: 100 }).toEqual([]);
      expect(run.paths.filter((p) => existsSync(p))).toEqual([]);
    });
  });
}
