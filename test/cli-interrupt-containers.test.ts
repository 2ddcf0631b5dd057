// Ctrl-C in the middle of a real check on the container paths leaves no container behind, even
// when only the CLI gets the signal (`kill -INT <pid>`, not a terminal's process group). The local
// path's signal matrix is test/cli-faults.test.ts.
import { describe, expect, it } from 'vitest';
import { courseContainers } from '../src/harness/containers.js';
import { processTree, stillRuns, type TreeProcess } from '../src/harness/process-tree.js';
import { containerExists, engine, needsEngine } from '../src/harness/testdata/engine.js';
import { startCourse } from './helpers/cli.js';
import { copyCourse } from './helpers/fixture.js';

describe('Ctrl-C during a real check in containers', () => {
  // The check's containers belong to its vitest worker, a descendant of the CLI: found by their label.
  for (const { runtime, containers, daprd } of [
    { runtime: 'mixed', containers: 1, daprd: 2 },
    { runtime: 'docker', containers: 3, daprd: 0 },
  ]) {
    const name = `with COURSE_RUNTIME=${runtime}, removes every container of the check (${containers}) and every process, and exits 130`;
    it.skipIf(!engine)(needsEngine(name), { timeout: 90_000 }, async () => {
      const root = copyCourse();
      const run = startCourse(root, ['check', 'publish-order'], { COURSE_RUNTIME: runtime });
      let tree: TreeProcess[] = [];
      let ours: string[] = [];
      await expect
        .poll(
          async () => {
            tree = processTree(run.child.pid!);
            const pids = new Set(tree.map((p) => String(p.pid)));
            ours = (await courseContainers(engine!)).filter((c) => pids.has(c.runId.split(':')[1]!)).map((c) => c.id);
            return [ours.length, tree.filter((p) => p.name === 'daprd').length];
          },
          { timeout: 60_000, interval: 100 },
        )
        .toEqual([containers, daprd]);
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(130);
      await expect.poll(() => tree.filter(stillRuns), { timeout: 5000 }).toEqual([]);
      await expect.poll(async () => (await Promise.all(ours.map(containerExists))).filter(Boolean).length, { timeout: 20_000 }).toBe(0);
    });
  }
});
