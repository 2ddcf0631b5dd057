// `course check` prints its verdict and exits as soon as the verdict is known; the check's
// teardown goes on without it. The check's worker, seeing its parent gone while the run is being
// stopped, finishes the stop itself (src/harness/processes.ts); a detached reaper
// (src/harness/reaper.ts) waits for that, ends what is still there after a bound, and reaps as
// the next run would. This process's own folders go now.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processTree } from '../harness/process-tree.js';
import { ownedPaths, removeOwnedPath } from '../harness/processes.js';

/** Hands the teardown under way over (see above) and exits with `code` once the report is out. */
export async function exitLeavingTeardown(teardown: Promise<void>, code: number): Promise<never> {
  teardown.catch(() => {}); // what it fails to stop, the reaper ends
  const processes = processTree(process.pid).filter((p) => p.pid !== process.pid);
  const paths = ownedPaths();
  for (const dir of paths) removeOwnedPath(dir);
  try {
    const reaper = fileURLToPath(new URL('../harness/reaper.js', import.meta.url));
    spawn(process.execPath, [reaper, JSON.stringify({ owner: process.pid, processes, paths })], { detached: true, stdio: 'ignore' }).unref();
  } catch {
    // The worker still stops its run, and the next run reaps what it leaves.
  }
  // A pipe takes 64 KB at a time: a long report (JSON with its timeline) is still being written to
  // a slow reader. Each write's callback comes once everything before it is out.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))));
  process.exit(code);
}
