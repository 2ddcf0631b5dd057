// Before the tests: build the runner (the CLI tests spawn it, so they never test a stale dist/)
// and give the run a temp root of its own (TMPDIR), so that tests share no scratch folder with
// each other's runs or with a learner's checks. After: fail the run if it left anything behind.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { entries, orphanedBuilds, processesOfRun } from './helpers/leftovers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testDir = path.join(root, 'test');
const builds = path.join(root, 'node_modules', '.cache', 'course-build');
/** Caches tools keep in the temp folder by design (tsx's compile cache, testcontainers' lock). */
const TOOL_CACHES = /^(tsx-\d+|testcontainers-node\.lock)$/;

export default function setup(): () => Promise<void> {
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  const build = spawnSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  // As `npm run build` does: the cold path's heavy modules bundled (src/cold-bundles.ts).
  spawnSync(process.execPath, [path.join(root, 'dist', 'cold-bundles.js')], { cwd: root, stdio: 'ignore' });
  // Type errors are the typecheck step's to report; tsc still emits. A missing dist is fatal.
  if (!existsSync(path.join(root, 'dist', 'cli.js'))) {
    throw new Error(`Building the runner failed:\n${build.stdout}${build.stderr}`);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'course-tests-'));
  process.env.TMPDIR = tmp;
  // Fixture copies carry the run's name (test/helpers/fixture.ts): another run's are not ours.
  const run = path.basename(tmp);
  process.env.COURSE_TEST_RUN = run;
  // Compiled services name the pid that built them, not the test run: a run of the tests in this
  // same folder at the same time could have its own counted here.
  const buildsBefore = new Set(entries(builds));

  return async function teardown() {
    // A process that ends by itself soon (a background pre-render) is given the time to.
    let running = processesOfRun(tmp, process.pid);
    for (const until = Date.now() + 5000; running.length > 0 && Date.now() < until; running = processesOfRun(tmp, process.pid)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const p of running) process.kill(p.pid, 'SIGKILL');
    const left = [
      ...running.map((p) => `process ${p.pid}: ${p.command}`),
      ...entries(tmp).filter((name) => !TOOL_CACHES.test(name)).map((name) => `${tmp}/${name}`),
      ...entries(testDir).filter((name) => name.startsWith(`tmp-${run}-`)).map((name) => `test/${name}`),
      ...orphanedBuilds(builds).filter((name) => !buildsBefore.has(name)).map((name) => `node_modules/.cache/course-build/${name}`),
    ];
    rmSync(tmp, { recursive: true, force: true });
    if (left.length > 0) {
      // vitest logs an error thrown here but still exits 0: fail the run explicitly.
      process.stderr.write(`\nThe tests left these behind:\n  ${left.join('\n  ')}\n`);
      process.exitCode = 1;
    }
  };
}
