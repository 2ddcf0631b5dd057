// Every process a run starts (redis-server, daprd, the learner's services) goes through here, so
// that its output is kept for failure reports and it is always stopped: at the end of a run, on an
// exception, on SIGINT/SIGTERM, and, should the owner die outright, by the next run's reaper.
// Containers (containers.ts) are registered here too, by id, and reaped the same way.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { processStartTime } from './process-tree.js';

export interface LogLine {
  at: number;
  source: string;
  text: string;
}

/** The interleaved output of every process of one run, newest last, bounded. */
export class RunLog {
  private lines: LogLine[] = [];
  private listeners = new Set<(line: LogLine) => void>();
  constructor(private readonly limit = 5000) {}

  add(source: string, text: string): void {
    const line = { at: Date.now(), source, text };
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
    for (const listener of this.listeners) listener(line);
  }

  onLine(listener: (line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  all(source?: string): LogLine[] {
    return source ? this.lines.filter((l) => l.source === source) : [...this.lines];
  }

  /** The last `count` lines, optionally of the sources given, formatted `[source] text`. */
  tail(count: number, sources?: string[]): string[] {
    const lines = sources ? this.lines.filter((l) => sources.includes(l.source)) : this.lines;
    return lines.slice(-count).map(formatLine);
  }

  /** Lines logged at or after `at` (ms since epoch), optionally of the sources given. */
  since(at: number, sources?: string[]): LogLine[] {
    return this.lines.filter((l) => l.at >= at && (!sources || sources.includes(l.source)));
  }

  /** Lines whose text matches, formatted. */
  grep(pattern: RegExp, sources?: string[]): string[] {
    return this.lines
      .filter((l) => (!sources || sources.includes(l.source)) && pattern.test(l.text))
      .map(formatLine);
  }
}

export function formatLine(line: LogLine): string {
  return `[${line.source}] ${line.text}`;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export interface StartOptions {
  /** Name shown in logs: `redis`, `daprd alice`, `alice`. */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  /** Added to this process's environment; a variable set to undefined is left out. */
  env?: Record<string, string | undefined>;
  log: RunLog;
  /** Turns a raw output line into what is kept (or null to drop it). */
  formatOutput?: (line: string) => string | null;
  /** Text for its standard input, once (a standby service's go: standby-service.ts); else none. */
  input?: Promise<string>;
}

/** What the harness needs of anything it runs: a local process, or a container (containers.ts). */
export interface Supervised {
  readonly name: string;
  readonly pid?: number;
  /** Set for a container: the run file records it, and the reaper removes it by id. */
  readonly containerId?: string;
  readonly exited: Promise<ExitInfo>;
  readonly hasExited: boolean;
  readonly exit: ExitInfo | undefined;
  stop(graceMs?: number): Promise<void>;
  /** Kills at once; resolves when it is gone (a container: removed). */
  killNow(): Promise<void>;
}

export class ManagedProcess implements Supervised {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(
    readonly name: string,
    private readonly child: ResultPromise,
    log: RunLog,
    formatOutput: (line: string) => string | null,
  ) {
    for (const stream of [child.stdout, child.stderr] as (Readable | null)[]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (raw) => {
        const text = formatOutput(raw);
        if (text !== null) log.add(name, text);
      });
    }
    this.exited = child.then(
      (result) => this.settle({ code: result.exitCode ?? null, signal: result.signal ?? null }),
      (error: { exitCode?: number; signal?: string; message?: string }) => {
        if (error.exitCode === undefined && !error.signal) log.add(name, `could not start: ${error.message}`);
        return this.settle({ code: error.exitCode ?? null, signal: error.signal ?? null });
      },
    );
    registry.add(this);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.hasExited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Immediate SIGKILL, for the signal path and for crash scenarios. */
  async killNow(): Promise<void> {
    if (!this.hasExited) this.child.kill('SIGKILL');
    await this.exited;
  }

  private settle(info: ExitInfo): ExitInfo {
    this.exitInfo = info;
    registry.remove(this);
    return info;
  }
}

export function startProcess(options: StartOptions): ManagedProcess {
  const child = execa(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    stdin: options.input ? 'pipe' : 'ignore',
    buffer: false,
    reject: false,
    // Kill the child if this process exits without stopping it (execa's signal-exit hook).
    cleanup: true,
  });
  if (options.input) {
    child.stdin!.on('error', () => {}); // gone first: its exit says what happened
    void options.input.then((text) => child.stdin!.end(text), () => child.stdin!.end());
  }
  return new ManagedProcess(options.name, child, options.log, options.formatOutput ?? ((l) => l));
}

// --- The registry of live processes, in memory and on disk ---------------------------------------

/** A run file per owner process lists its live children, for the reaper. */
const RUNS_DIR = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'dapr-pubsub-course', 'runs');

/**
 * This owner process, as `host:pid:start`: the label every container of its runs carries, so that
 * a container can be traced to an owner that is gone even without its run file (start time: a
 * reused pid is another owner).
 */
export const RUN_ID = `${os.hostname()}:${process.pid}:${processStartTime(process.pid) ?? 'unknown'}`;

/** The run file of the owner process `pid`. */
export function runFileOf(pid: number): string {
  return path.join(RUNS_DIR, `${pid}.json`);
}

class Registry {
  private live = new Set<Supervised>();
  /** Scratch folders of live runs: removed on a signal, or by the reaper if the owner died. */
  readonly paths = new Set<string>();
  private readonly file = runFileOf(process.pid);

  add(p: Supervised): void {
    this.live.add(p);
    this.persist();
  }

  remove(p: Supervised): void {
    this.live.delete(p);
    this.persist();
  }

  all(): Supervised[] {
    return [...this.live];
  }

  persist(): void {
    try {
      if (this.live.size === 0 && this.paths.size === 0) {
        rmSync(this.file, { force: true });
        return;
      }
      mkdirSync(RUNS_DIR, { recursive: true });
      const entries = this.all()
        .filter((p) => p.pid !== undefined)
        .map((p) => ({ pid: p.pid, name: p.name, start: processStartTime(p.pid!) }));
      const containers = this.all()
        .filter((p) => p.containerId !== undefined)
        .map((p) => ({ id: p.containerId, name: p.name }));
      writeFileSync(
        this.file,
        JSON.stringify({ owner: process.pid, ownerStart: processStartTime(process.pid), runId: RUN_ID, entries, containers, paths: [...this.paths] }),
      );
    } catch {
      // The run file is a safety net for crashes; failing to write it must not fail the run.
    }
  }
}

const registry = new Registry();

/** Puts a container (or anything else not started by startProcess) under the registry's care. */
export function supervise(p: Supervised): void {
  registry.add(p);
}

/** Takes it off again, once it is gone. */
export function release(p: Supervised): void {
  registry.remove(p);
}

/** A scratch folder this run owns, to remove even if the run is interrupted. */
export function ownPath(dir: string): void {
  registry.paths.add(dir);
  registry.persist();
}

/** Removes an owned folder now. */
export function removeOwnedPath(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  registry.paths.delete(dir);
  registry.persist();
}

export function ownedPaths(): string[] {
  return [...registry.paths];
}

/** On the way out; kept in the registry, so that the exit removes again what a run still writing recreated. */
function removeAllOwnedPaths(): void {
  for (const dir of registry.paths) rmSync(dir, { recursive: true, force: true });
}

/** Everything this process runs now: processes and containers. */
export function liveProcesses(): Supervised[] {
  return registry.all();
}

/** Stops every process this process started (graceful, then forced). */
export async function stopAll(graceMs = 2000): Promise<void> {
  await Promise.all(registry.all().map((p) => p.stop(graceMs)));
}

/**
 * Kills processes and removes containers left behind by runs whose owner died without cleaning up
 * (kill -9, a crashed worker). A pid is only killed when its start time still matches, so a reused
 * pid is safe. Returns how many it stopped.
 */
export async function reapOrphans(): Promise<number> {
  const { killed, containers } = reapDeadRuns();
  if (containers.length === 0) return killed;
  // Only a run that used containers makes the reaper talk to the engine.
  const { removeContainers } = await import('./containers.js');
  return killed + (await removeContainers(containers));
}

interface RunFileContents {
  owner: number;
  ownerStart?: string;
  entries: { pid: number; start?: string }[];
  containers?: { id: string }[];
  paths?: string[];
}

/** Kills the processes and removes the folders of dead owners; returns the containers they left. */
function reapDeadRuns(): { killed: number; containers: string[] } {
  let killed = 0;
  const containers: string[] = [];
  let files: string[];
  try {
    files = readdirSync(RUNS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return { killed, containers };
  }
  for (const file of files) {
    const full = path.join(RUNS_DIR, file);
    try {
      const run = JSON.parse(readFileSync(full, 'utf8')) as RunFileContents;
      if (run.owner === process.pid) continue;
      if (isOwnerAlive(run.owner, run.ownerStart)) continue;
      for (const entry of run.entries) {
        const start = processStartTime(entry.pid);
        if (start !== undefined && start === entry.start) {
          try {
            process.kill(entry.pid, 'SIGKILL');
            killed++;
          } catch {
            // already gone
          }
        }
      }
      containers.push(...(run.containers ?? []).map((c) => c.id));
      for (const dir of run.paths ?? []) rmSync(dir, { recursive: true, force: true });
      rmSync(full, { force: true });
    } catch {
      rmSync(full, { force: true });
    }
  }
  return { killed, containers };
}

/** Whether the owner `pid` that started at `start` still runs (on this machine). */
export function isOwnerAlive(pid: number, start: string | undefined): boolean {
  const now = processStartTime(pid);
  return now !== undefined && now === start;
}

// --- Signals -------------------------------------------------------------------------------------

/** Runs being stopped in this process (Environment.stop): a parent that leaves meanwhile does not cut them short. */
const stopsUnderWay = new Set<Promise<unknown>>();

/** How long a stop under way may go on once the parent has left, before what is left is killed. */
const STOP_IN_BACKGROUND_MS = 5000;

/** Marks `stop` as a run's orderly teardown under way, until it settles. */
export function stopUnderWay<T>(stop: Promise<T>): Promise<T> {
  stopsUnderWay.add(stop);
  const done = () => void stopsUnderWay.delete(stop);
  stop.then(done, done);
  return stop;
}

let signalsInstalled = false;

/** Extra work for the signal path, e.g. removing containers still being created (containers.ts). */
const signalCleanups = new Set<() => Promise<unknown>>();

export function onSignalCleanup(cleanup: () => Promise<unknown>): void {
  signalCleanups.add(cleanup);
}

/**
 * On SIGINT/SIGTERM: kill every live child at once (a learner pressing Ctrl-C wants the terminal
 * back, not a graceful drain), remove every container, then exit with the conventional code. The
 * same when this process is a check's worker whose parent is gone (its IPC channel closes):
 * nothing else would stop it before its run ends. Owned folders go on any exit. Installed once, lazily.
 */
export function installSignalCleanup(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  let handling = false;
  const cleanUpAndExit = (exit: () => void) => {
    if (handling) return;
    handling = true;
    const gone = [...registry.all().map((p) => p.killNow()), ...[...signalCleanups].map((cleanup) => cleanup())];
    // Before waiting too: a SIGKILL may follow the SIGTERM soon.
    removeAllOwnedPaths();
    void Promise.allSettled(gone).finally(() => {
      removeAllOwnedPaths();
      exit();
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // `on`, not `once`: execa's signal-exit re-raises the signal when it sees no other listener,
    // which would end this process before the children are gone.
    process.on(signal, () => cleanUpAndExit(() => process.exit(signal === 'SIGINT' ? 130 : 143)));
  }
  // No one reads the exit code of a worker whose parent is gone.
  if (process.send) {
    process.once('disconnect', () => {
      const end = () =>
        cleanUpAndExit(() => {
          handOverContainers();
          process.kill(process.pid, 'SIGKILL');
        });
      if (stopsUnderWay.size === 0) return end();
      // The run was being stopped already: its parent left with the verdict (`course check` does
      // not wait for the teardown). The stop goes on in the background, within a bound, and what
      // it leaves is ended as on any other parent's leaving. Nobody reads this process's output now.
      for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
      const bound = setTimeout(end, STOP_IN_BACKGROUND_MS);
      void Promise.allSettled([...stopsUnderWay]).then(() => {
        clearTimeout(bound);
        end();
      });
    });
  }
  process.once('exit', () => {
    handOverContainers();
    removeAllOwnedPaths();
  });
}

/**
 * On the way out, however it happens (a check's worker exits at once when its parent is gone):
 * containers still registered go to a detached remover, which outlives this process. Local
 * processes need no such help: execa kills them as this process exits.
 */
function handOverContainers(): void {
  const ids = registry.all().flatMap((p) => (p.containerId ? [p.containerId] : []));
  if (ids.length === 0) return;
  const remover = new URL(`./remove-containers${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const loader = remover.pathname.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  spawn(process.execPath, [...loader, fileURLToPath(remover), ...ids], { detached: true, stdio: 'ignore' }).unref();
}
