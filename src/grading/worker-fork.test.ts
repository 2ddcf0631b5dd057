// `course check`'s worker forked as the command starts (bin/course.js): the run takes it, and one
// never taken (the check did not start) keeps the runner's process from nothing and ends with it.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCourse, type Exercise } from '../course/manifest.js';
import { scratchDir } from '../../test/helpers/temp.js';
import { CheckWorker } from './check-worker-process.js';
import { runCheck } from './run-check.js';
import { forkWorkerEarly } from './worker-fork.js';

const fixture = path.resolve(import.meta.dirname, '..', '..', 'test', 'fixture-course');
const greet = loadCourse(fixture).items.find((i): i is Exercise => i.kind === 'exercise' && i.id === 'greet')!;

/** Whether the process runs: a zombie no one has reaped yet (pid 1 in a container may never) has ended. */
const running = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
/** Whether it has ended within `ms`, which a kill takes effect in. */
async function endsWithin(pid: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) if (!running(pid)) return true;
  return !running(pid);
}

describe('the worker forked early', () => {
  it('is the one the next check takes, and that check runs on it', async () => {
    const early = forkWorkerEarly();
    const worker = new CheckWorker(fixture);
    expect(worker.pid).toBe(early.child.pid);
    await worker.stop();
    // Taken once: the next check forks its own.
    const next = forkWorkerEarly();
    const dir = path.join(scratchDir('early-worker'), 'greet');
    cpSync(greet.solutionDir, dir, { recursive: true });
    const result = await runCheck({ root: fixture, exercise: greet, dir, onSetupProgress: () => {} });
    expect(result.outcome).toBe('passed');
    expect(await endsWithin(next.child.pid!, 2000)).toBe(true);
  });

  it('when no check takes it, does not keep the process alive and ends with it', async () => {
    const script = `import { forkWorkerEarly } from ${JSON.stringify(path.join(import.meta.dirname, 'worker-fork.ts'))};
      console.log(forkWorkerEarly().child.pid);`;
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await endsWithin(Number(run.stdout.trim()), 2000)).toBe(true);
  });
});
