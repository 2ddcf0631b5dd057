// Once a run is up, a process of it that stops by itself (a service that crashed, a sidecar or
// Redis that died or was killed) is the run's failure: named here, for the check to report at
// once instead of each expectation waiting out its time.
import { appExitError } from './app.js';
import type { RunningApp } from './environment.js';
import type { EnvironmentError, LearnerCodeError } from './errors.js';
import type { RunLog, Supervised } from './processes.js';
import { redisStoppedError, type RedisServer } from './redis.js';
import { sidecarExitError } from './sidecar.js';

export class RunWatch {
  private first?: EnvironmentError | LearnerCodeError;
  private ended = false;
  private readonly onPurpose = new WeakSet<Supervised>();
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly log: RunLog,
    /** The resource file a component comes from, for messages. */
    private readonly fileOf: (component: string) => string | undefined,
  ) {}

  /** The first process that stopped by itself, as the error that names it. */
  get failure(): EnvironmentError | LearnerCodeError | undefined {
    return this.first;
  }

  app(app: RunningApp): void {
    if (app.process) this.watch(app.process, () => appExitError(app.process!, this.log, app.appPort, true));
    this.watch(app.sidecar.process, () => sidecarExitError(app.sidecar, this.log, { running: true, fileOf: this.fileOf }));
  }

  redis(redis: RedisServer): void {
    this.watch(redis.process, () => redisStoppedError(redis, this.log));
  }

  /**
   * The failure, waiting up to `ms` for one: a crash is seen by the check (a request that got no
   * answer) a moment before its process has exited.
   */
  async failureWithin(ms: number): Promise<EnvironmentError | LearnerCodeError | undefined> {
    if (this.first || this.ended) return this.first;
    let wake = () => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.waiting.add(wake);
    const timer = setTimeout(wake, ms);
    await woken;
    clearTimeout(timer);
    this.waiting.delete(wake);
    return this.first;
  }

  /** The check stops this process itself (a crash it stages): that is no failure. */
  stoppedOnPurpose(proc: Supervised): void {
    this.onPurpose.add(proc);
  }

  /** The run is being stopped: exits from now on are expected. */
  end(): void {
    this.ended = true;
  }

  private watch(proc: Supervised, explain: () => EnvironmentError | LearnerCodeError): void {
    void proc.exited.then(() => {
      if (this.ended || this.onPurpose.has(proc) || this.first) return;
      this.first = explain();
      for (const wake of this.waiting) wake();
    });
  }
}
