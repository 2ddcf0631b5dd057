// What a test run leaves behind, for test/global-setup.ts: processes still running that the run
// started (they carry its private TMPDIR), and folders or files it made and did not remove.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

interface Proc {
  pid: number;
  ppid: number;
  command: string;
}

function readProc(pid: number): (Proc & { environ: string[]; zombie: boolean }) | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(ppid),
      zombie: state === 'Z',
      environ: readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0'),
      command: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim(),
    };
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/**
 * Live processes started under the run (TMPDIR=`tmp` in their environment), other than the
 * vitest process itself, its workers (closed after the global teardown) and the esbuild service
 * a worker keeps while it lives.
 */
export function processesOfRun(tmp: string, vitestPid: number): Proc[] {
  const all = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map((e) => readProc(Number(e)))
    .filter((p) => p && !p.zombie && p.environ.some((v) => v === `TMPDIR=${tmp}` || v.startsWith(`TMPDIR=${tmp}/`))) as Proc[];
  const workers = new Set(all.filter((p) => p.ppid === vitestPid).map((p) => p.pid));
  return all.filter(
    (p) => p.pid !== vitestPid && !workers.has(p.pid) && !(workers.has(p.ppid) && /esbuild --service/.test(p.command)),
  );
}

export function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Compiled services whose run (the pid in the file's name, see src/harness/app.ts) is over. */
export function orphanedBuilds(dir: string): string[] {
  return entries(dir).filter((name) => {
    // `<service>-<hash>-<pid>-<n>.mjs`, and a standby's `<...>-<n>-packages.mjs` beside it.
    const pid = /-(\d+)-\d+(-packages)?\.mjs$/.exec(name)?.[1];
    return !pid || !existsSync(`/proc/${pid}`);
  });
}

/** Processes whose working folder is `dir` or inside it. */
export function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        return cwd === dir || cwd.startsWith(`${dir}/`);
      } catch {
        return false;
      }
    });
}

/**
 * Waits (up to `ms`) until no process works in `dir`: a folder is removed only once whatever ran
 * in it (a background pre-render) is done, or that process would write into it again.
 */
export async function settled(dir: string, ms = 15_000): Promise<void> {
  for (const until = Date.now() + ms; processesIn(dir).length > 0 && Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 50));
  }
}
