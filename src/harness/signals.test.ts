// Ctrl-C in the middle of a run leaves no redis-server, daprd or app behind: asserted against
// the process table, on a real run in a child process.
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, test } from 'vitest';
import { reapOrphans } from './processes.js';

const script = path.join(import.meta.dirname, 'testdata', 'hold-and-report.ts');

interface Started {
  child: ResultPromise;
  pids: { name: string; pid: number }[];
  /** The run's scratch folders (resources, Redis' dir). */
  paths: string[];
}

/** Starts a run in a child process and resolves with the pids it reports once ready. */
async function startRun(): Promise<Started> {
  const child = execa(process.execPath, ['--import', 'tsx', script], { reject: false, buffer: false, cleanup: false });
  const lines = readline.createInterface({ input: child.stdout! });
  const report = await new Promise<{ processes: Started['pids']; paths: string[] }>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line) as { processes: Started['pids']; paths: string[] });
    });
    void child.then(() => reject(new Error('the run exited before it was ready')));
  });
  return { child, pids: report.processes, paths: report.paths };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('signals', { timeout: 60_000 }, () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} in the middle of a run leaves no process behind`, async () => {
      const { child, pids, paths } = await startRun();
      expect(paths.length).toBeGreaterThanOrEqual(2);
      expect(paths.every((p) => existsSync(p))).toBe(true);
      expect(pids.map((p) => p.name).sort()).toEqual(['daprd publisher', 'daprd sdk-subscriber', 'redis', 'sdk-subscriber']);
      expect(pids.every((p) => alive(p.pid))).toBe(true);
      child.kill(signal);
      const result = await child;
      expect(result.exitCode ?? result.signal).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(pids.filter((p) => alive(p.pid))).toEqual([]);
      expect(paths.filter((p) => existsSync(p))).toEqual([]);
    });
  }

  test("a run whose owner was killed outright is reaped by the next run", async () => {
    const { child, pids, paths } = await startRun();
    child.kill('SIGKILL');
    await child;
    // SIGKILL gives the owner no chance to clean up: its children are still there...
    expect(pids.filter((p) => alive(p.pid)).length).toBeGreaterThan(0);
    // ...until the next run's reaper finds the owner's run file.
    reapOrphans();
    const deadline = Date.now() + 5000;
    while (pids.some((p) => alive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(pids.filter((p) => alive(p.pid))).toEqual([]);
    expect(paths.filter((p) => existsSync(p))).toEqual([]);
  });
});
