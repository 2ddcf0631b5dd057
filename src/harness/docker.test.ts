// The Docker path, as far as it can be tested on a machine without a container engine: runtime
// detection, the choice between local processes and containers, and the container definitions.
import { afterEach, describe, expect, test } from 'vitest';
import { chooseRuntime, containerRuntime, daprdContainer, DAPRD_IMAGE, redisContainer } from './docker.js';
import { EnvironmentError } from './errors.js';
import { startEnvironment } from './environment.js';
import { liveProcesses } from './processes.js';

const saved = process.env.COURSE_RUNTIME;
const engine = await containerRuntime();
afterEach(() => {
  if (saved === undefined) delete process.env.COURSE_RUNTIME;
  else process.env.COURSE_RUNTIME = saved;
});

describe('the Docker path', () => {
  test('runtime detection answers quickly, and says why when there is no runtime', async () => {
    const started = Date.now();
    const runtime = await containerRuntime();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(runtime.detail.length).toBeGreaterThan(0);
    if (!runtime.available) expect(runtime.detail).toMatch(/container runtime/i);
  });

  test('local daprd and redis-server are preferred; COURSE_RUNTIME forces a choice', async () => {
    delete process.env.COURSE_RUNTIME;
    expect(await chooseRuntime()).toBe('local');
    process.env.COURSE_RUNTIME = 'docker';
    expect(await chooseRuntime()).toBe('docker');
  });

  test('daprd runs from the pinned image, reaches the app through the host gateway, and waits for nothing the app does', () => {
    const ports = { http: 41001, grpc: 41002, internalGrpc: 41003, metrics: 41004 };
    const def = daprdContainer({ appId: 'orders', appPort: 5001, resourcesDir: '/tmp/run/resources', ports });
    expect(def.image).toBe(DAPRD_IMAGE);
    expect(DAPRD_IMAGE).toBe('daprio/daprd:1.18.2');
    const flag = (name: string) => def.command[def.command.indexOf(name) + 1];
    expect(flag('--app-id')).toBe('orders');
    expect(flag('--app-port')).toBe('5001');
    expect(flag('--app-channel-address')).toBe('host.docker.internal');
    expect(flag('--dapr-http-port')).toBe('41001');
    expect(flag('--resources-path')).toBe('/resources');
    expect(def.exposedPorts).toEqual([41001, 41002]);
    expect(def.resourcesBind).toEqual({ source: '/tmp/run/resources', target: '/resources' });
    // "dapr initialized" only comes once the app is discovered, and the app starts after the container.
    expect(def.readyLog).not.toMatch(/initialized/);
  });

  test('Redis runs without persistence', () => {
    const def = redisContainer();
    expect(def.command).toEqual(['redis-server', '--save', '', '--appendonly', 'no']);
    expect(def.readyLog).toBe('Ready to accept connections');
  });

  // Only meaningful where no engine runs (as on our machines); reported as skipped elsewhere.
  test.skipIf(engine.available)('forced onto Docker with no container runtime, a run fails as an environment problem and leaves nothing', async () => {
    process.env.COURSE_RUNTIME = 'docker';
    const error = await startEnvironment({ apps: [{ appId: 'a' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toContain('redis:7-alpine');
    expect((error as Error).message).toContain('npx course doctor');
    expect(liveProcesses()).toEqual([]);
  }, 30_000);
});
