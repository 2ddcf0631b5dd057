// Ctrl-C in the middle of a real graded check (real daprd, real Redis, the learner's service)
// leaves nothing behind, even when only the CLI gets the signal (a terminal would signal the
// whole process group; `kill -INT <pid>` does not).
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCourse } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixture.js';

const root = mkdtempSync(path.join(REPO_ROOT, 'test', 'tmp-interrupt-'));
for (const dir of ['modules', 'exercises', 'solutions', 'checks', 'package.json']) {
  cpSync(path.join(REPO_ROOT, dir), path.join(root, dir), { recursive: true });
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every process below `pid`, from /proc. */
function descendants(pid: number): { pid: number; name: string }[] {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      names.set(Number(entry), name);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: { pid: number; name: string }[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push({ pid: c, name: names.get(c)! });
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('Ctrl-C during a real check', () => {
  it('stops redis-server, every daprd and the service, and exits 130', { timeout: 60_000 }, async () => {
    const run = startCourse(root, ['check', 'publish-order']);
    let tree: { pid: number; name: string }[] = [];
    await expect
      .poll(
        () => {
          tree = descendants(run.child.pid!);
          return tree.filter((p) => p.name === 'daprd').length;
        },
        { timeout: 30_000, interval: 50 },
      )
      .toBe(2);
    expect(tree.map((p) => p.name)).toContain('redis-server');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    await expect.poll(() => tree.filter((p) => alive(p.pid)), { timeout: 5000 }).toEqual([]);
  });
});
