// The fault matrix, on the harness (real daprd, real Redis): each fault ends in an error that names
// its cause, within a bound, with nothing of the run left: no process below this test's process, no
// run folder in the test's own temp folder. The CLI's faults (signals, a deleted work file) are in
// test/cli-faults.test.ts.
import { writeFileSync } from 'node:fs';
import { mkdirSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { scratchDir } from '../../test/helpers/temp.js';
import { EnvironmentError, LearnerCodeError, startEnvironment, type AppSpec, type Environment, type EnvironmentSpec } from './environment.js';
import { freePort } from './ports.js';
import { processTree } from './process-tree.js';
import { liveProcesses } from './processes.js';

const testdata = path.join(import.meta.dirname, 'testdata');
const redisPubsub = path.join(testdata, 'redis-pubsub');
const service = (file: string, extra: Partial<AppSpec> = {}): AppSpec => ({ appId: 'orders', command: ['npx', 'tsx', file], cwd: testdata, ...extra });

const component = (type: string, entries: Record<string, string>) =>
  [
    'apiVersion: dapr.io/v1alpha1',
    'kind: Component',
    'metadata:',
    '  name: pubsub',
    'spec:',
    `  type: ${type}`,
    '  version: v1',
    '  metadata:',
    ...Object.entries(entries).flatMap(([name, value]) => [`    - name: ${name}`, `      value: "${value}"`]),
    '',
  ].join('\n');

let tmp = '';
const savedTmp = process.env.TMPDIR;
let env: Environment | undefined;
beforeEach(() => {
  // The run's folders (course-run-*, course-redis-*) go here, where the test can see them all.
  tmp = scratchDir('faults');
  process.env.TMPDIR = tmp;
});
afterEach(async () => {
  await env?.stop();
  env = undefined;
  process.env.TMPDIR = savedTmp;
  // Nothing of the run survives: no process below this one (esbuild's service aside), no folder.
  const left = processTree(process.pid).filter((p) => p.pid !== process.pid && p.name !== 'esbuild');
  expect(left).toEqual([]);
  expect(liveProcesses().map((p) => p.name)).toEqual([]);
  expect(readdirSync(tmp).filter((name) => name.startsWith('course-'))).toEqual([]);
});

/**
 * A listen limit, with the readiness limit (30 s by default) far beyond it: a failure within the
 * bound is then the listen limit's, which the message confirms ("within N s").
 */
const listenLimit = (ms: number) => ({ appListenTimeoutMs: ms, readyTimeoutMs: 60_000 });
/** Starting Redis, daprd and the service before the limit runs, and stopping them after. */
const START_AND_STOP_MS = 15_000;

/** A folder of resources with one file, `resources/pubsub.yaml`. */
function resources(text: string): string {
  const dir = path.join(tmp, 'resources');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'pubsub.yaml'), text);
  return dir;
}

/** The case's time bound; FAULT_TIMINGS=1 prints each measured time beside it. */
function within(ms: number, boundMs: number): void {
  if (process.env.FAULT_TIMINGS) console.log(`[bound] ${expect.getState().currentTestName}: ${ms} ms of ${boundMs} ms`);
  expect(ms).toBeLessThan(boundMs);
}

/** Starts an environment that must fail; returns the error and how long it took. */
async function failure(spec: EnvironmentSpec): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  try {
    env = await startEnvironment(spec);
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  }
  throw new Error('the environment started, but it should have failed');
}

/** Waits until the running environment reports a failure; returns it and how long that took. */
async function failureOf(running: Environment, boundMs: number): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  await expect.poll(() => running.failure(), { timeout: boundMs, interval: 20 }).toBeDefined();
  return { error: running.failure()!, ms: Date.now() - started };
}

describe('faults of a service', { timeout: 60_000 }, () => {
  test('exits at start: its exit code and its output', async () => {
    const { error, ms } = await failure({
      resourcesDir: redisPubsub,
      apps: [{ appId: 'orders', command: ['node', '-e', "console.error('boom: no config'); process.exit(3)"] }],
    });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toContain('Your service `orders` exited with code 3 before it was ready');
    expect((error as LearnerCodeError).logExcerpt).toContain('[orders] boom: no config');
    within(ms, START_AND_STOP_MS);
  });

  test('hangs before listening (a loop that never ends): said so, within its listen limit', async () => {
    const { error, ms } = await failure({ resourcesDir: redisPubsub, apps: [service('busy-before-listen.ts')], ...listenLimit(3000) });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toMatch(/`orders` is running but did not listen on APP_PORT \(\d+\) within 3 s/);
    expect(error.message).toContain('Its main thread kept running for the last second without reading or writing anything');
    expect(error.message).not.toMatch(/sidecar/i);
    expect(ms).toBeGreaterThanOrEqual(3000);
    within(ms, 3000 + START_AND_STOP_MS);
  });

  test('busy starting (reading files all the time) is not called a loop that never ends', async () => {
    const { error } = await failure({ resourcesDir: redisPubsub, apps: [service('reads-without-listening.ts')], ...listenLimit(3000) });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toMatch(/did not listen on APP_PORT \(\d+\) within 3 s\. Does it start its server/);
  });

  test('listens on the wrong port: the port it does listen on', async () => {
    // Long enough for the service to have started listening somewhere, even on a loaded machine.
    const { error, ms } = await failure({ resourcesDir: redisPubsub, apps: [service('wrong-port.ts')], ...listenLimit(6000) });
    const port = /listening on (\d+)/.exec((error as LearnerCodeError).logExcerpt.join('\n'))?.[1];
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(port).toBeDefined();
    expect(error.message).toContain(`It listens on port ${port} instead: take the port from process.env.APP_PORT`);
    within(ms, 6000 + START_AND_STOP_MS);
  });

  test('a listen limit longer than the readiness limit still blames the service, not its sidecar', async () => {
    const { error, ms } = await failure({
      resourcesDir: redisPubsub,
      apps: [service('never-listens.ts')],
      readyTimeoutMs: 3000,
      appListenTimeoutMs: 20_000,
    });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toMatch(/^Your service `orders` is running but did not listen on APP_PORT \(\d+\) within 3 s\./);
    within(ms, 3000 + START_AND_STOP_MS);
  });

  test('crashes mid-check: the run names the crash, with its output', async () => {
    env = await startEnvironment({ resourcesDir: redisPubsub, apps: [service('crash-on-request.ts')] });
    expect(env.failure()).toBeUndefined();
    await fetch(`${env.app('orders').appUrl}/orders`, { method: 'POST', body: '{}' });
    const { error, ms } = await failureOf(env, 3000);
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toContain('Your service `orders` exited with code 1 during the check');
    expect((error as LearnerCodeError).logExcerpt.join('\n')).toContain('boom: cannot read property total of undefined');
    within(ms, 3000);
  });

  test('its entry file is missing: which file, in plain words', async () => {
    const { error, ms } = await failure({ resourcesDir: redisPubsub, apps: [service('gone.ts', { cwd: tmp })] });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toBe(`\`gone.ts\` is missing from ${tmp}: dapr.yaml starts it, but there is no such file.`);
    within(ms, 3000);
  });

  test('it imports a file that is missing: which line, which file', async () => {
    writeFileSync(path.join(tmp, 'orders.ts'), "import { handler } from './helpers.js';\n\nconsole.log(handler);\n");
    const { error, ms } = await failure({ resourcesDir: redisPubsub, apps: [service('orders.ts', { cwd: tmp })] });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toBe(`orders.ts line 1 imports \`./helpers.js\`, but there is no helpers.ts in ${tmp}.`);
    expect(error.message).not.toContain('Could not resolve');
    within(ms, 5000);
  });
});

describe('faults of a component', { timeout: 60_000 }, () => {
  test('a wrong apiVersion: named, with the one daprd loads', async () => {
    const { error, ms } = await failure({
      resourcesDir: resources(component('pubsub.redis', { redisHost: 'localhost:6379' }).replace('dapr.io/v1alpha1', 'dapr.io/v1')),
      apps: [{ appId: 'a' }],
    });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toMatch(/^resources\/pubsub.yaml: apiVersion `dapr.io\/v1` is not one daprd loads.*`dapr.io\/v1alpha1`/);
    within(ms, 2000);
  });

  test('a tab: the exact line, shown', async () => {
    const text = component('pubsub.redis', { redisHost: 'localhost:6379' }).replace('    - name: redisHost', '\t- name: redisHost');
    const { error, ms } = await failure({ resourcesDir: resources(text), apps: [{ appId: 'a' }] });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toBe(
      'resources/pubsub.yaml line 9 is not valid YAML: a tab indents this line; YAML indents with spaces only.\n' +
        '9 | \t- name: redisHost\n' +
        '  | ^',
    );
    within(ms, 2000);
  });

  test('a huge file (5 MB, 64,725 entries): a bounded message about the file, not a time-out', async () => {
    const entries = Object.fromEntries(Array.from({ length: 64_724 }, (_, i) => [`setting${i}`, 'x'.repeat(40)]));
    const { error, ms } = await failure({
      resourcesDir: resources(component('pubsub.redis', { redisHost: 'localhost:6379', ...entries })),
      apps: [{ appId: 'a' }],
    });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toMatch(/^resources\/pubsub.yaml is 5\.\d MB, with 64,725 `- name:` entries\. .*too big to load/);
    within(ms, 5000);
  });

  test('an unreachable broker: the address, and the file to fix', async () => {
    const closed = await freePort();
    const { error, ms } = await failure({
      resourcesDir: resources(component('pubsub.rabbitmq', { connectionString: `amqp://guest:guest@127.0.0.1:${closed}` })),
      apps: [{ appId: 'a' }],
    });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toBe(
      `The sidecar of a exited with code 1: it could not reach the broker of component \`pubsub\` (pubsub.rabbitmq) at 127.0.0.1:${closed} ` +
        '(connection refused: nothing listens there). Check the address in resources/pubsub.yaml.',
    );
    within(ms, 10_000);
  });

  test('a wrong redisHost is graded, not replaced by the run’s Redis', async () => {
    const { error, ms } = await failure({
      resourcesDir: resources(component('pubsub.redis', { redisHost: 'redis:6379' })),
      apps: [{ appId: 'a' }],
    });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toMatch(/^resources\/pubsub.yaml: component `pubsub` has `redisHost: redis:6379`, but Redis runs at `localhost:6379`/);
    within(ms, 2000);
  });
});

describe('faults of the machine', { timeout: 60_000 }, () => {
  test('Redis killed mid-check: the run names it, as the environment', async () => {
    env = await startEnvironment({ resourcesDir: redisPubsub, apps: [{ appId: 'a' }] });
    process.kill(env.redis!.process.pid!, 'SIGKILL');
    const { error, ms } = await failureOf(env, 3000);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(/^The run's Redis \(127\.0\.0\.1:\d+\) was stopped by SIGKILL during the check/);
    within(ms, 3000);
  });

  test('daprd killed mid-check: the run names the sidecar, as the environment', async () => {
    env = await startEnvironment({ resourcesDir: redisPubsub, apps: [{ appId: 'a' }] });
    process.kill(env.app('a').sidecar.process.pid!, 'SIGKILL');
    const { error, ms } = await failureOf(env, 3000);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toMatch(/^The sidecar of a was stopped by SIGKILL during the check, with no error of its own/);
    within(ms, 3000);
  });

  test('a crash the check stages (killApp) is no failure', async () => {
    env = await startEnvironment({ resourcesDir: redisPubsub, apps: [service('crash-on-request.ts')] });
    await env.killApp('orders');
    await env.restartApp('orders');
    expect(env.failure()).toBeUndefined();
  });

  test('a port already taken: named before anything starts', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { error, ms } = await failure({ resourcesDir: redisPubsub, apps: [{ appId: 'a', daprHttpPort: port }] });
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.message).toBe(
        `Port ${port} (for a) is already in use by another program. Stop that program, or change the port in dapr.yaml.`,
      );
      within(ms, 2000);
    } finally {
      blocker.close();
    }
  });
});
