// `npm run bench`: medians over several runs, each compared in the same run against its baseline.
//   harness:  Redis ready; one bare daprd ready (baseline); 1 and 4 sidecars with apps ready
//   cli:      `course list`, `course next`, and `--help` (baseline: `node -e 0`)
//   check:    `course check` on one-sidecar exercises and the capstones, with the split
// Options: --runs N (default 5), --only harness|cli|check, --exercises id,id
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadCourse, type Exercise } from '../course/manifest.js';
import { PACKAGE_ROOT } from '../course/workbook.js';
import { runCheck } from '../grading/run-check.js';
import { startEnvironment, type AppSpec } from '../harness/environment.js';
import { RunLog } from '../harness/processes.js';
import { startRedis } from '../harness/redis.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    exercises: { type: 'string', default: 'publish-order,chat,notifications,saga' },
  },
});
const RUNS = Number(values.runs);
const testdata = path.join(PACKAGE_ROOT, 'src', 'harness', 'testdata');
const resourcesDir = path.join(testdata, 'redis-pubsub');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function measure(runs: number, once: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  await once(); // warm the OS page cache and tsx's transform cache; not counted
  for (let i = 0; i < runs; i++) samples.push(await once());
  return median(samples);
}

function row(label: string, ms: number, baseline?: number): void {
  const ratio = baseline ? `  ${(ms / baseline).toFixed(2)}x baseline` : '';
  console.log(`  ${label.padEnd(46)} ${ms.toFixed(0).padStart(6)} ms${ratio}`);
}

async function envReady(apps: AppSpec[]): Promise<number> {
  const started = performance.now();
  const env = await startEnvironment({ resourcesDir, apps });
  const ms = performance.now() - started;
  await env.stop();
  return ms;
}

const sdkApp = (n: number): AppSpec => ({
  appId: `bench-${n}`,
  command: ['npx', 'tsx', 'sdk-subscriber.ts'],
  cwd: testdata,
  env: { HANDLER_MODE: 'retry' },
});

async function benchHarness(): Promise<void> {
  console.log(`\nHarness (median of ${RUNS})`);
  const redis = await measure(RUNS, async () => {
    const started = performance.now();
    const server = await startRedis(new RunLog());
    const ms = performance.now() - started;
    await server.stop();
    return ms;
  });
  row('Redis ready', redis);
  const bare = await measure(RUNS, () => envReady([{ appId: 'bare' }]));
  row('one bare daprd ready (+ Redis)  [baseline]', bare);
  row('4 bare daprd ready (+ Redis)', await measure(RUNS, () => envReady([1, 2, 3, 4].map((n) => ({ appId: `bare-${n}` })))), bare);
  const nodeApp = await measure(RUNS, async () => {
    const started = performance.now();
    execFileSync(process.execPath, ['--input-type=module', '-e', "await import('@dapr/dapr')"], { cwd: testdata, stdio: 'ignore' });
    return performance.now() - started;
  });
  row('a node process importing @dapr/dapr (no daprd)', nodeApp, bare);
  row('1 sidecar + SDK app ready', await measure(RUNS, () => envReady([sdkApp(1)])), bare);
  row('4 sidecars + 4 SDK apps ready', await measure(RUNS, () => envReady([1, 2, 3, 4].map(sdkApp))), bare);
}

function timeCommand(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  execFileSync(file, args, { stdio: 'ignore', env, cwd: PACKAGE_ROOT });
  return performance.now() - started;
}

async function benchCli(): Promise<void> {
  const runs = Math.max(RUNS, 10);
  console.log(`\nCLI start (median of ${runs})`);
  const bin = path.join(PACKAGE_ROOT, 'bin', 'course.js');
  const state = mkdtempSync(path.join(PACKAGE_ROOT, '.course-bench-'));
  // A scratch workbook root so the learner's own progress is never touched.
  for (const dir of ['modules', 'exercises', 'solutions', 'checks', 'package.json']) {
    cpSync(path.join(PACKAGE_ROOT, dir), path.join(state, dir), { recursive: true });
  }
  const env = { ...process.env, COURSE_ROOT: state, NO_COLOR: '1' };
  try {
    const baseline = await measure(runs, async () => timeCommand(process.execPath, ['-e', '0'], env));
    row('node -e 0  [baseline]', baseline);
    row('course --help', await measure(runs, async () => timeCommand(process.execPath, [bin, '--help'], env)), baseline);
    row('course list', await measure(runs, async () => timeCommand(process.execPath, [bin, 'list'], env)), baseline);
    // `next` on a lesson marks it read; measure it on a fresh progress each time.
    row(
      'course next (renders the first lesson)',
      await measure(runs, async () => {
        rmSync(path.join(state, '.course'), { recursive: true, force: true });
        return timeCommand(process.execPath, [bin, 'next'], env);
      }),
      baseline,
    );
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

async function benchChecks(ids: string[]): Promise<void> {
  const course = loadCourse(PACKAGE_ROOT);
  const runs = Math.min(RUNS, 3);
  console.log(`\ncourse check on the solution, cold environment each time (median of ${runs})`);
  console.log(`  ${''.padEnd(24)} ${'total'.padStart(8)} ${'environment'.padStart(12)} ${'services'.padStart(9)} ${'assertions'.padStart(11)} ${'runner'.padStart(9)}`);
  console.log(`  ${''.padEnd(24)} ${''.padStart(8)} ${''.padStart(12)} ${''.padStart(9)} ${''.padStart(11)} ${'(vitest, teardown)'.padStart(9)}`);
  for (const id of ids) {
    const exercise = course.items.find((i): i is Exercise => i.kind === 'exercise' && i.id === id);
    if (!exercise) {
      console.log(`  ${id.padEnd(24)} (not in the course)`);
      continue;
    }
    const samples: { total: number; env: number; services: number; assertions: number; passed: boolean }[] = [];
    for (let i = 0; i < runs; i++) {
      mkdirSync(path.join(PACKAGE_ROOT, '.course', 'scratch'), { recursive: true });
      const dir = mkdtempSync(path.join(PACKAGE_ROOT, '.course', 'scratch', `bench-${id}-`));
      cpSync(exercise.starterDir, dir, { recursive: true });
      for (const f of exercise.files) cpSync(path.join(exercise.solutionDir, f), path.join(dir, f));
      const result = await runCheck({ root: PACKAGE_ROOT, exercise, dir });
      rmSync(dir, { recursive: true, force: true });
      const t = result.timings;
      samples.push({ total: t.totalMs, env: t.environmentMs, services: t.servicesMs, assertions: t.assertionsMs, passed: result.outcome === 'passed' });
    }
    const m = (k: 'total' | 'env' | 'services' | 'assertions') => median(samples.map((s) => s[k])).toFixed(0);
    const runner = median(samples.map((s) => s.total - s.env - s.services - s.assertions)).toFixed(0);
    const note = samples.every((s) => s.passed) ? '' : '  (not every run passed)';
    console.log(`  ${id.padEnd(24)} ${m('total').padStart(6)} ms ${m('env').padStart(9)} ms ${m('services').padStart(6)} ms ${m('assertions').padStart(8)} ms ${runner.padStart(6)} ms${note}`);
  }
}

const only = values.only;
if (!only || only === 'harness') await benchHarness();
if (!only || only === 'cli') await benchCli();
if (!only || only === 'check') await benchChecks(values.exercises!.split(','));
