// Every process a run starts (redis-server, daprd, the learner's services) goes through here, so
// that its output is kept for failure reports and it is always stopped: at the end of a run, on an
// exception, on SIGINT/SIGTERM, and, should the owner die outright, by the next run's reaper.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';

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
  env?: Record<string, string>;
  log: RunLog;
  /** Turns a raw output line into what is kept (or null to drop it). */
  formatOutput?: (line: string) => string | null;
}

/** What the harness needs of anything it runs: a local process, or a container (docker.ts). */
export interface Supervised {
  readonly name: string;
  readonly pid?: number;
  readonly exited: Promise<ExitInfo>;
  readonly hasExited: boolean;
  readonly exit: ExitInfo | undefined;
  stop(graceMs?: number): Promise<void>;
  killNow(): void;
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

  /** Immediate SIGKILL, for the synchronous signal path and for crash scenarios. */
  killNow(): void {
    if (!this.hasExited) this.child.kill('SIGKILL');
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
    stdin: 'ignore',
    buffer: false,
    reject: false,
    // Kill the child if this process exits without stopping it (execa's signal-exit hook).
    cleanup: true,
  });
  return new ManagedProcess(options.name, child, options.log, options.formatOutput ?? ((l) => l));
}

// --- The registry of live processes, in memory and on disk ---------------------------------------

/** A run file per owner process lists its live children, for the reaper. */
const RUNS_DIR = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'dapr-pubsub-course', 'runs');

class Registry {
  private live = new Set<ManagedProcess>();
  /** Scratch folders of live runs: removed on a signal, or by the reaper if the owner died. */
  readonly paths = new Set<string>();
  private readonly file = path.join(RUNS_DIR, `${process.pid}.json`);

  add(p: ManagedProcess): void {
    this.live.add(p);
    this.persist();
  }

  remove(p: ManagedProcess): void {
    this.live.delete(p);
    this.persist();
  }

  all(): ManagedProcess[] {
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
      writeFileSync(
        this.file,
        JSON.stringify({ owner: process.pid, ownerStart: processStartTime(process.pid), entries, paths: [...this.paths] }),
      );
    } catch {
      // The run file is a safety net for crashes; failing to write it must not fail the run.
    }
  }
}

const registry = new Registry();

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

function removeAllOwnedPaths(): void {
  for (const dir of registry.paths) rmSync(dir, { recursive: true, force: true });
  registry.paths.clear();
}

export function liveProcesses(): ManagedProcess[] {
  return registry.all();
}

/** Stops every process this process started (graceful, then forced). */
export async function stopAll(graceMs = 2000): Promise<void> {
  await Promise.all(registry.all().map((p) => p.stop(graceMs)));
}

/**
 * Kills processes left behind by runs whose owner died without cleaning up (kill -9, a crashed
 * worker). A pid is only killed when its start time still matches, so a reused pid is safe.
 */
export function reapOrphans(): number {
  let killed = 0;
  let files: string[];
  try {
    files = readdirSync(RUNS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return 0;
  }
  for (const file of files) {
    const full = path.join(RUNS_DIR, file);
    try {
      const run = JSON.parse(readFileSync(full, 'utf8')) as {
        owner: number;
        ownerStart?: string;
        entries: { pid: number; start?: string }[];
        paths?: string[];
      };
      if (run.owner === process.pid) continue;
      const ownerAlive = processStartTime(run.owner) !== undefined && processStartTime(run.owner) === run.ownerStart;
      if (ownerAlive) continue;
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
      for (const dir of run.paths ?? []) rmSync(dir, { recursive: true, force: true });
      rmSync(full, { force: true });
    } catch {
      rmSync(full, { force: true });
    }
  }
  return killed;
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks; undefined if no such process. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return process.platform === 'linux' ? undefined : isAlive(pid) ? 'unknown' : undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// --- Signals -------------------------------------------------------------------------------------

let signalsInstalled = false;

/**
 * On SIGINT/SIGTERM: kill every live child at once (a learner pressing Ctrl-C wants the terminal
 * back, not a graceful drain), then exit with the conventional code. Installed once, lazily.
 */
export function installSignalCleanup(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  let handling = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // `on`, not `once`: execa's signal-exit re-raises the signal when it sees no other listener,
    // which would end this process before the children are gone.
    process.on(signal, () => {
      if (handling) return;
      handling = true;
      const children = registry.all();
      for (const p of children) p.killNow();
      void Promise.all(children.map((p) => p.exited)).finally(() => {
        removeAllOwnedPaths();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    });
  }
}
