// What a running process is doing, read from /proc: its descendants, the TCP ports they listen on,
// and whether its main thread is busy. Used to say why a service never listened on APP_PORT.
// Linux only; elsewhere each function answers "nothing seen".
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

interface Stat {
  pid: number;
  ppid: number;
  /** R running or runnable, S sleeping, D waiting on disk, Z zombie, ... */
  state: string;
  name: string;
  /** Start time in clock ticks since boot: with the pid, names one process even if the pid is reused. */
  start: string;
}

export type TreeProcess = Pick<Stat, 'pid' | 'ppid' | 'name' | 'start'>;

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return { pid, ppid: Number(fields[1]), state: fields[0]!, name: text.slice(text.indexOf('(') + 1, close), start: fields[19]! };
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (one we may not signal counts: it is someone else's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process's start time, which with the pid names one process even if the pid is reused.
 * Without /proc (not Linux): 'unknown' while the pid is alive.
 */
export function processStartTime(pid: number): string | undefined {
  if (process.platform !== 'linux') return pidAlive(pid) ? 'unknown' : undefined;
  return stat(pid)?.start;
}

/** Whether that very process (same pid, same start) still runs. */
export function stillRuns(p: TreeProcess): boolean {
  const now = stat(p.pid);
  return now !== undefined && now.start === p.start && now.state !== 'Z';
}

/**
 * Ends the processes: SIGTERM to the top ones (a worker of the harness then kills its own
 * children at once), and SIGKILL to whatever is still there after `graceMs`. Resolves when all
 * are gone.
 */
export async function endProcesses(procs: TreeProcess[], graceMs = 3000): Promise<void> {
  const pids = new Set(procs.map((p) => p.pid));
  const signal = (p: TreeProcess, name: NodeJS.Signals) => {
    try {
      if (stillRuns(p)) process.kill(p.pid, name);
    } catch {
      // gone meanwhile
    }
  };
  for (const p of procs) if (!pids.has(p.ppid)) signal(p, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (procs.some(stillRuns) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  for (const p of procs) signal(p, 'SIGKILL');
  for (const killed = Date.now() + 2000; procs.some(stillRuns) && Date.now() < killed; ) await new Promise((r) => setTimeout(r, 20));
}

/** `pid` and every process below it. */
export function processTree(pid: number): TreeProcess[] {
  const root = stat(pid);
  if (!root) return [];
  const children = new Map<number, Stat[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    // no /proc
  }
  for (const entry of entries) {
    const s = stat(Number(entry));
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  }
  const out: Stat[] = [];
  const walk = (s: Stat) => {
    out.push(s);
    for (const child of children.get(s.pid) ?? []) walk(child);
  };
  walk(root);
  return out.map(({ pid: p, ppid, name, start }) => ({ pid: p, ppid, name, start }));
}

/** TCP ports the processes listen on (IPv4 and IPv6), ascending. */
export function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
          const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
          if (inode) inodes.add(inode);
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      // gone, or not ours to read
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[] = [];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const [, local, , state] = fields;
      if (state !== '0A' || !local || !inodes.has(fields[9] ?? '')) continue; // 0A: LISTEN
      ports.add(parseInt(local.split(':')[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** The main thread's state, CPU time (clock ticks) and count of read and write system calls. */
function mainThread(pid: number): { state: string; cpu: number; syscalls: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const io = readFileSync(`/proc/${pid}/task/${pid}/io`, 'utf8');
    const count = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? NaN);
    return { state: fields[0]!, cpu: Number(fields[11]) + Number(fields[12]), syscalls: count('syscr') + count('syscw') };
  } catch {
    return undefined;
  }
}

/**
 * The process among `pids` whose main thread spins: over `ms`, it is runnable nearly all the time
 * and gets CPU, yet makes no read or write system call. That is a loop that never ends. A service
 * that is only slow to start (a loaded machine) is runnable too, but keeps reading the modules it
 * loads; an idle one sleeps in its event loop.
 */
export async function busyProcess(pids: number[], ms = 1000): Promise<number | undefined> {
  const samples = 20;
  const first = new Map(pids.map((pid) => [pid, mainThread(pid)]));
  const running = new Map<number, number>();
  for (let i = 0; i < samples; i++) {
    for (const pid of pids) if (mainThread(pid)?.state === 'R') running.set(pid, (running.get(pid) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, ms / samples));
  }
  return pids.find((pid) => {
    const [before, after] = [first.get(pid), mainThread(pid)];
    if (!before || !after || Number.isNaN(before.syscalls)) return false;
    return (running.get(pid) ?? 0) >= samples * 0.8 && after.cpu - before.cpu >= 3 && after.syscalls === before.syscalls;
  });
}
