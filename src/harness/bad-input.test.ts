// Bad input ends quickly, in a message that names the cause, with nothing left running.
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { scratchDir } from '../../test/helpers/temp.js';
import { EnvironmentError, LearnerCodeError, startEnvironment, type EnvironmentSpec } from './environment.js';
import { liveProcesses } from './processes.js';

const testdata = path.join(import.meta.dirname, 'testdata');
const resources = (name: string) => path.join(testdata, name);

/** Starts an environment that must fail; returns the error and how long it took. */
async function failure(spec: EnvironmentSpec): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  try {
    const env = await startEnvironment(spec);
    await env.stop();
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  }
  throw new Error('the environment started, but it should have failed');
}

afterEach(() => {
  // Whatever failed, the harness must have stopped everything it started.
  expect(liveProcesses().map((p) => p.name)).toEqual([]);
});

const app = (file: string, extra: Partial<EnvironmentSpec['apps'][number]> = {}) => ({
  appId: 'orders',
  command: ['npx', 'tsx', file],
  cwd: testdata,
  ...extra,
});

describe('bad input', { timeout: 60_000 }, () => {
  test('a component with a wrong apiVersion is named, with the version daprd wants', async () => {
    const { error, ms } = await failure({ resourcesDir: resources('bad-apiversion'), apps: [{ appId: 'a' }] });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toContain('resources/pubsub.yaml');
    expect(error.message).toContain('`dapr.io/v1`');
    expect(error.message).toContain('dapr.io/v1alpha1');
    expect(ms).toBeLessThan(2000);
  });

  test('a field in the wrong place is named, with where it goes', async () => {
    const { error } = await failure({ resourcesDir: resources('bad-field'), apps: [{ appId: 'a' }] });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toMatch(/spec\.scopes.*top level/);
  });

  test('a component type daprd does not know stops the sidecar with its own error', async () => {
    const { error, ms } = await failure({ resourcesDir: resources('bad-type'), apps: [{ appId: 'a' }] });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toContain('while loading components');
    expect(error.message).toContain('pubsub.redys');
    expect((error as LearnerCodeError).logExcerpt.some((l) => l.startsWith('[daprd a]'))).toBe(true);
    expect(ms).toBeLessThan(15_000);
  });

  // With a container engine, Redis would run in a container instead (docker.test.ts): none is
  // pretended here (COURSE_NO_DOCKER), whether or not one runs.
  test('no redis-server and no container engine is an environment failure that says what to install', async () => {
    const saved = { path: process.env.PATH, runtime: process.env.COURSE_RUNTIME };
    process.env.PATH = scratchDir('empty-path');
    process.env.COURSE_NO_DOCKER = '1';
    delete process.env.COURSE_RUNTIME;
    try {
      const { error } = await failure({ resourcesDir: resources('redis-pubsub'), apps: [{ appId: 'a' }] });
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.message).toContain('redis-server was not found');
      expect(error.message).toContain('apt install redis-server');
      expect(error.message).toContain('start Docker');
    } finally {
      process.env.PATH = saved.path;
      if (saved.runtime !== undefined) process.env.COURSE_RUNTIME = saved.runtime;
      delete process.env.COURSE_NO_DOCKER;
    }
  });

  test('a service with a syntax error is reported with its file and line, before anything starts', async () => {
    const { error, ms } = await failure({ resourcesDir: resources('redis-pubsub'), apps: [app('syntax-error.ts')] });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toMatch(/syntax-error\.ts:\d+:\d+: .*Your service `syntax-error.ts` cannot start until this is fixed/);
    expect((error as LearnerCodeError).logExcerpt.join('\n')).toContain("console.log('never runs'");
    expect(ms).toBeLessThan(10_000);
  });

  test('a service that crashes at start is reported with its exit code and output', async () => {
    const { error } = await failure({
      resourcesDir: resources('redis-pubsub'),
      apps: [{ appId: 'orders', command: ['node', '-e', "console.error('boom: no config'); process.exit(3)"], cwd: testdata }],
    });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toContain('Your service `orders` exited with code 3 before it was ready');
    expect((error as LearnerCodeError).logExcerpt).toContain('[orders] boom: no config');
  });

  test('a service that never listens is reported once its listen limit passes', async () => {
    const { error, ms } = await failure({
      resourcesDir: resources('redis-pubsub'),
      apps: [app('never-listens.ts')],
      appListenTimeoutMs: 2000,
    });
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error.message).toMatch(/did not listen on APP_PORT \(\d+\) within 2 s/);
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThan(8000);
  });

  test('a port already taken is named before anything starts', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { error } = await failure({ resourcesDir: resources('redis-pubsub'), apps: [{ appId: 'a', daprHttpPort: port }] });
      expect(error).toBeInstanceOf(EnvironmentError);
      expect(error.message).toContain(`Port ${port}`);
      expect(error.message).toContain('already in use');
    } finally {
      blocker.close();
    }
  });
});
