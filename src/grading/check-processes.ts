// The processes a check starts (its worker and, below it, Redis, daprd and the services), ended
// with the check: at once when it is cancelled (Ctrl-C, its time limit), since a running hook would
// otherwise be waited for; and in any case before the command goes on, so that none outlives it.
import { endProcesses, processTree, type TreeProcess } from '../harness/process-tree.js';
import { reapOrphans } from '../harness/processes.js';

export class CheckProcesses {
  private readonly before: Set<number>;
  private ending?: Promise<void>;

  /**
   * `worker`: the check's worker, which may have been forked ahead of the run (a warm re-check),
   * with what it started ahead for the run (src/harness/spares.ts).
   */
  constructor(worker?: number) {
    const ahead = new Set(worker === undefined ? [] : processTree(worker).map((p) => p.pid));
    this.before = new Set(processTree(process.pid).map((p) => p.pid).filter((pid) => !ahead.has(pid)));
  }

  /** What runs below this process that did not before the check; not an esbuild service of this process's own. */
  private started(): TreeProcess[] {
    return processTree(process.pid).filter((p) => !this.before.has(p.pid) && !(p.ppid === process.pid && p.name === 'esbuild'));
  }

  /** Cancelled: end them now (the worker, on SIGTERM, kills what it started at once). */
  endNow(): void {
    this.ending ??= endProcesses(this.started());
  }

  /** Waits until everything the check started is gone, ending what is not. */
  async close(): Promise<void> {
    const running = this.started();
    await this.ending;
    await endProcesses([...running, ...this.started()]);
    // The folders of a worker that had to be killed, listed in its run file.
    await reapOrphans();
  }
}
