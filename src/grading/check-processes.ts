// The processes a check starts (vitest's worker and, below it, Redis, daprd and the services),
// ended with the check: at once when it is cancelled (Ctrl-C, its time limit), since vitest waits
// for a running hook to finish first; and in any case before the command goes on, so that none
// outlives it.
import { endProcesses, processTree, type TreeProcess } from '../harness/process-tree.js';
import { reapOrphans } from '../harness/processes.js';

export class CheckProcesses {
  private readonly before = new Set(processTree(process.pid).map((p) => p.pid));
  private ending?: Promise<void>;

  /** What runs below this process that did not before the check; not vite's own esbuild service. */
  private started(): TreeProcess[] {
    return processTree(process.pid).filter((p) => !this.before.has(p.pid) && !(p.ppid === process.pid && p.name === 'esbuild'));
  }

  /** Cancelled: end them now (the worker, on SIGTERM, kills what it started at once). */
  endNow(): void {
    this.ending ??= endProcesses(this.started());
  }

  /** Closes vitest and waits until everything the check started is gone, ending what is not. */
  async close(closeVitest: () => Promise<void>): Promise<void> {
    const running = this.started();
    await closeVitest();
    await this.ending;
    await endProcesses([...running, ...this.started()]);
    // The folders of a worker that had to be killed, listed in its run file.
    await reapOrphans();
  }
}
