// `npm run bench`: medians over several runs, each compared in the same run against its baseline.
//   harness:  Redis ready; one bare daprd ready (baseline); 1 and 4 sidecars with apps ready
//   cli:      `course list`, `course next`, and `--help` (baseline: `node -e 0`)
//   check:    `course check` on one-sidecar exercises and the capstones, with the split (total: until
//             the verdict, where `course check` exits; the teardown after it apart), on each
//             runtime asked for, interleaved so that the machine's load falls on all alike
//   watch:    a learner's re-check: `course watch` on the solution, a service file saved, until
//             "Passed!" (warm), against `course check` from its start to its verdict (cold), alternating
//   recording: the timeline's cost: one request through a recording hop against the same request
//             direct, and `course check` with and without recording (COURSE_TIMELINE), side by side
// Options: --runs N (default 5), --only harness|cli|check|watch|recording, --exercises id,id,
//          --runtimes local,mixed,docker
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadCourse, type Exercise } from '../course/manifest.js';
import { PACKAGE_ROOT } from '../course/workbook.js';
import { runCheck } from '../grading/run-check.js';
import { startEnvironment, type AppSpec } from '../harness/environment.js';
import { RunLog } from '../harness/processes.js';
import { freePort } from '../harness/ports.js';
import { startRedis } from '../harness/redis.js';
import { Hop } from '../timeline/hop.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    exercises: { type: 'string', default: 'publish-order,chat,notifications,saga' },
    runtimes: { type: 'string', default: 'local' },
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
    // The first lesson in a fresh workbook (no .course/ at all), each time: the course and the
    // lesson come from what the build stored in dist/; then with nothing stored anywhere (parse
    // the YAML, import and run the markdown renderer).
    const nextInFreshWorkbook = async () => {
      rmSync(path.join(state, '.course'), { recursive: true, force: true });
      return timeCommand(process.execPath, [bin, 'next'], env);
    };
    row('course next (fresh workbook, rendered at build)', await measure(runs, nextInFreshWorkbook), baseline);
    // A lesson never rendered (one an author is editing: the course, keyed on module.yaml, is
    // still cached); then nothing rendered or cached at all.
    for (const [label, names] of [
      ['course next (lesson not rendered, course cached)', ['render-cache']],
      ['course next (nothing rendered or cached)', ['render-cache', 'course-cache.json']],
    ] as const) {
      const built = names.map((name) => path.join(PACKAGE_ROOT, 'dist', name));
      try {
        built.forEach((file) => existsSync(file) && renameSync(file, `${file}.bench-aside`));
        row(label, await measure(runs, nextInFreshWorkbook), baseline);
      } finally {
        built.forEach((file) => existsSync(`${file}.bench-aside`) && renameSync(`${file}.bench-aside`, file));
      }
    }
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

async function benchChecks(ids: string[], runtimes: string[]): Promise<void> {
  const course = loadCourse(PACKAGE_ROOT);
  const runs = Math.min(RUNS, 3);
  console.log(`\ncourse check on the solution, cold environment each time (median of ${runs})`);
  console.log(`  ${''.padEnd(24)} ${'total'.padStart(8)} ${'environment'.padStart(12)} ${'services'.padStart(9)} ${'assertions'.padStart(11)} ${'runner'.padStart(9)} ${'teardown'.padStart(12)}`);
  console.log(`  ${''.padEnd(24)} ${'(verdict)'.padStart(8)} ${''.padStart(12)} ${''.padStart(9)} ${''.padStart(11)} ${'(worker)'.padStart(9)} ${'(after it)'.padStart(12)}`);
  for (const id of ids) {
    const exercise = course.items.find((i): i is Exercise => i.kind === 'exercise' && i.id === id);
    if (!exercise) {
      console.log(`  ${id.padEnd(24)} (not in the course)`);
      continue;
    }
    const samples = new Map<string, CheckSample[]>(runtimes.map((r) => [r, []]));
    for (let i = 0; i < runs; i++) {
      for (const runtime of runtimes) {
        process.env.COURSE_RUNTIME = runtime;
        samples.get(runtime)!.push(await checkSolution(exercise));
      }
    }
    for (const [runtime, list] of samples) printCheckRow(runtimes.length > 1 ? `${id} (${runtime})` : id, list);
  }
  delete process.env.COURSE_RUNTIME;
}

interface CheckSample {
  /** Until the verdict (`course check` exits there). */
  total: number;
  env: number;
  services: number;
  assertions: number;
  /** After the verdict, in the background. */
  teardown: number;
  passed: boolean;
}

/** One `course check` of the exercise's solution, in a scratch copy. */
async function checkSolution(exercise: Exercise): Promise<CheckSample> {
  mkdirSync(path.join(PACKAGE_ROOT, '.course', 'scratch'), { recursive: true });
  const dir = mkdtempSync(path.join(PACKAGE_ROOT, '.course', 'scratch', `bench-${exercise.id}-`));
  cpSync(exercise.starterDir, dir, { recursive: true });
  for (const f of exercise.files) cpSync(path.join(exercise.solutionDir, f), path.join(dir, f));
  // As `course check` runs it: the result at the verdict, the teardown after it (awaited here, so
  // that it never overlaps the next sample, and timed apart).
  let teardown: Promise<void> = Promise.resolve();
  const result = await runCheck({ root: PACKAGE_ROOT, exercise, dir, backgroundTeardown: (done) => (teardown = done) });
  const verdictAt = performance.now();
  await teardown;
  const teardownMs = performance.now() - verdictAt;
  rmSync(dir, { recursive: true, force: true });
  const t = result.timings;
  return { total: t.totalMs, env: t.environmentMs, services: t.servicesMs, assertions: t.assertionsMs, teardown: teardownMs, passed: result.outcome === 'passed' };
}

function printCheckRow(label: string, samples: CheckSample[]): void {
  const m = (k: 'total' | 'env' | 'services' | 'assertions' | 'teardown') => median(samples.map((s) => s[k])).toFixed(0);
  const runner = median(samples.map((s) => s.total - s.env - s.services - s.assertions)).toFixed(0);
  const note = samples.every((s) => s.passed) ? '' : '  (not every run passed)';
  console.log(`  ${label.padEnd(24)} ${m('total').padStart(6)} ms ${m('env').padStart(9)} ms ${m('services').padStart(6)} ms ${m('assertions').padStart(8)} ms ${runner.padStart(6)} ms ${m('teardown').padStart(9)} ms${note}`);
}

/** A request's round trip to a local HTTP server, direct and through a recording hop. */
async function benchHop(): Promise<void> {
  const requests = 2000;
  console.log(`\nRecording hop: one POST of a 300-byte event and its answer (median of ${requests})`);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"SUCCESS"}'));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const hop = new Hop({ listenHost: '127.0.0.1', port: await freePort(), upstream: { host: '127.0.0.1', port }, onExchange: () => {} });
  await hop.start(AbortSignal.timeout(5000));
  const body = JSON.stringify({ id: 'x'.repeat(36), data: { orderId: 'o-1', pad: 'y'.repeat(200) } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const roundTrip = (target: number) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = http.request({ host: '127.0.0.1', port: target, method: 'POST', path: '/orders', agent, headers: { 'content-type': 'application/cloudevents+json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      });
      req.on('error', reject);
      req.end(body);
    });
  const sample = async (target: number) => {
    const times: number[] = [];
    for (let i = 0; i < requests; i++) times.push(await roundTrip(target));
    return times;
  };
  await sample(port); // warm up both paths
  await sample(hop.port);
  const direct = await sample(port);
  const through = await sample(hop.port);
  const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!;
  console.log(`  ${'direct'.padEnd(24)} median ${median(direct).toFixed(3)} ms   p99 ${p(direct, 0.99).toFixed(3)} ms`);
  console.log(`  ${'through the hop'.padEnd(24)} median ${median(through).toFixed(3)} ms   p99 ${p(through, 0.99).toFixed(3)} ms`);
  console.log(`  ${'added by the hop'.padEnd(24)} median ${(median(through) - median(direct)).toFixed(3)} ms`);
  agent.destroy();
  await hop.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** `course check` on the solutions with and without recording, alternating, side by side. */
async function benchRecording(ids: string[]): Promise<void> {
  await benchHop();
  const course = loadCourse(PACKAGE_ROOT);
  const runs = Math.max(RUNS, 3);
  console.log(`\ncourse check on the solution with and without recording (COURSE_TIMELINE), alternating (median of ${runs})`);
  console.log(`  ${''.padEnd(24)} ${'total'.padStart(8)} ${'environment'.padStart(12)} ${'services'.padStart(9)} ${'assertions'.padStart(11)} ${'runner'.padStart(9)} ${'teardown'.padStart(12)}`);
  const saved = process.env.COURSE_TIMELINE;
  try {
    for (const id of ids) {
      const exercise = course.items.find((i): i is Exercise => i.kind === 'exercise' && i.id === id);
      if (!exercise) continue;
      const on: CheckSample[] = [];
      const off: CheckSample[] = [];
      for (let i = 0; i < runs; i++) {
        for (const mode of i % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          process.env.COURSE_TIMELINE = mode;
          (mode === 'on' ? on : off).push(await checkSolution(exercise));
        }
      }
      printCheckRow(`${id}, recording off`, off);
      printCheckRow(`${id}, recording on`, on);
      const delta = median(on.map((s) => s.total)) - median(off.map((s) => s.total));
      const assertions = median(on.map((s) => s.assertions)) - median(off.map((s) => s.assertions));
      console.log(`  ${''.padEnd(24)} recording adds ${delta.toFixed(0)} ms in total, ${assertions.toFixed(0)} ms to the assertions (medians)`);
    }
  } finally {
    if (saved === undefined) delete process.env.COURSE_TIMELINE;
    else process.env.COURSE_TIMELINE = saved;
  }
  delete process.env.COURSE_RUNTIME;
}

/** A scratch workbook inside the package (its node_modules resolve), the exercise's work folder holding its solution. */
function scratchWorkbook(exercise: Exercise): { root: string; dir: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(path.join(PACKAGE_ROOT, '.course-bench-'));
  for (const entry of ['modules', 'exercises', 'solutions', 'checks', 'package.json']) {
    cpSync(path.join(PACKAGE_ROOT, entry), path.join(root, entry), { recursive: true });
  }
  const dir = path.join(root, 'work', path.relative(path.join(PACKAGE_ROOT, 'exercises'), exercise.starterDir));
  cpSync(exercise.starterDir, dir, { recursive: true });
  for (const f of exercise.files) cpSync(path.join(exercise.solutionDir, f), path.join(dir, f));
  return { root, dir, env: { ...process.env, COURSE_ROOT: root, NO_COLOR: '1', COURSE_NO_TYPECHECK: '1' } };
}

/** Runs the CLI until a line of its output matches; resolves with the child (still running) and the time it took. */
function untilLine(child: ReturnType<typeof spawn>, pattern: RegExp, started: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      if (pattern.test(buffered)) {
        child.stdout!.off('data', onData);
        resolve(performance.now() - started);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before ${pattern}: ${buffered.slice(-400)}`)));
  });
}

/** Save to verdict in `course watch` (warm) against a whole `course check` to its verdict (cold), alternating. */
async function benchWatch(ids: string[]): Promise<void> {
  const course = loadCourse(PACKAGE_ROOT);
  const runs = Math.max(RUNS, 5);
  const bin = path.join(PACKAGE_ROOT, 'bin', 'course.js');
  console.log(`
Re-check of the solution after saving one service file (median of ${runs}; no type check)`);
  console.log(`  ${''.padEnd(24)} ${'course check'.padStart(14)} ${'course watch'.padStart(14)}`);
  console.log(`  ${''.padEnd(24)} ${'(start→verdict)'.padStart(14)} ${'(save→verdict)'.padStart(14)}`);
  for (const id of ids) {
    const exercise = course.items.find((i): i is Exercise => i.kind === 'exercise' && i.id === id);
    if (!exercise) continue;
    const { root, dir, env } = scratchWorkbook(exercise);
    const watch = spawn(process.execPath, [bin, 'watch', id], { env, cwd: root, stdio: ['pipe', 'pipe', 'ignore'] });
    const cold: number[] = [];
    const warm: number[] = [];
    try {
      await untilLine(watch, /Passed!/, performance.now());
      const file = path.join(dir, exercise.files.find((f) => f.endsWith('.ts'))!);
      for (let i = 0; i < runs; i++) {
        const check = spawn(process.execPath, [bin, 'check', id], { env, cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
        cold.push(await untilLine(check, /\d+ passed, 0 failed/, performance.now()));
        await new Promise((resolve) => check.once('exit', resolve));
        // The watcher saw nothing of the check's; give the last run's background teardown its time.
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const saved = performance.now();
        appendFileSync(file, `// saved ${i}\n`);
        warm.push(await untilLine(watch, /Passed!/, saved));
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    } finally {
      watch.stdin!.end('q\n');
      await new Promise((resolve) => watch.once('exit', resolve));
      rmSync(root, { recursive: true, force: true });
    }
    console.log(`  ${id.padEnd(24)} ${median(cold).toFixed(0).padStart(11)} ms ${median(warm).toFixed(0).padStart(11)} ms`);
  }
}

const only = values.only;
if (!only || only === 'harness') await benchHarness();
if (!only || only === 'cli') await benchCli();
if (!only || only === 'check') await benchChecks(values.exercises!.split(','), values.runtimes!.split(','));
if (!only || only === 'watch') await benchWatch(values.exercises!.split(','));
if (!only || only === 'recording') await benchRecording(values.exercises!.split(','));
