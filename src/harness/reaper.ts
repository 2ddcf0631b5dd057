// Started detached by `course check` as it exits with the verdict, while the check's processes are
// still being stopped: the check's worker finishes its run's teardown once its parent has left
// (processes.ts). This waits until the processes it is given have ended; once none of the top ones
// (the CLI's children: the worker) runs, or after a bound, it ends what is left, does what the next
// run's reaper would (a dead owner's processes, containers and folders) and removes the folders it
// is given. So a check's cleanup completes although nobody waits for it.
//   node reaper.js '<json: ReaperTask>'
import { rmSync } from 'node:fs';
import { endProcesses, stillRuns, type TreeProcess } from './process-tree.js';
import { reapOrphans } from './processes.js';

interface ReaperTask {
  /** The process that handed the teardown over (gone by now). */
  owner: number;
  /** Every process below it when it did. */
  processes: TreeProcess[];
  paths: string[];
}

/** Longer than a stop under way may take once its parent has left (processes.ts): this is the backstop. */
const BOUND_MS = 8000;

const { owner, processes, paths } = JSON.parse(process.argv[2] ?? '{}') as ReaperTask;
const top = processes.filter((p) => p.ppid === owner);
// They are not this process's children: there is no exit to be told of.
for (const until = Date.now() + BOUND_MS; top.some(stillRuns) && Date.now() < until; ) {
  await new Promise((r) => setTimeout(r, 50));
}
await endProcesses(processes.filter(stillRuns));
await reapOrphans();
for (const dir of paths) rmSync(dir, { recursive: true, force: true });
