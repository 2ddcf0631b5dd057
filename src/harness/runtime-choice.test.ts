// Where each part runs, per part: the choice on this machine, COURSE_RUNTIME, the network layout a
// daprd container gets from what the engine reports, and, end to end through `course doctor`, the
// learner's three setups: local binaries, Docker with `dapr init`, Docker only.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { EngineFacts } from './container-engine.js';
import { findDaprd } from './daprd-binary.js';
import { EnvironmentError } from './errors.js';
import { findRedisServer } from './redis.js';
import { chooseLayout, type ThisMachine } from './network-layout.js';
import { loopbackPorts, parseResources, pointLoopbackAt } from './resources.js';
import { chooseRuntime } from './runtime-choice.js';
import { engine, needsEngine } from './testdata/engine.js';
import { scratchDir } from '../../test/helpers/temp.js';

const saved = { ...process.env };
afterEach(() => {
  for (const name of ['COURSE_RUNTIME', 'COURSE_NO_DOCKER', 'COURSE_CONTAINER_NETWORK', 'PATH', 'REDIS_SERVER_PATH']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

/** PATH with nothing on it: no redis-server, no Go. */
function emptyPath(): void {
  process.env.PATH = scratchDir('empty-path');
  delete process.env.REDIS_SERVER_PATH;
  delete process.env.COURSE_RUNTIME;
}

describe('the runtime, part by part', () => {
  const installed = findDaprd() !== undefined && findRedisServer() !== undefined;
  const bothHere = 'with daprd and redis-server installed, both run here, and it says why';
  test.skipIf(!installed)(installed ? bothHere : `${bothHere} (skipped: not both installed here)`, async () => {
    delete process.env.COURSE_RUNTIME;
    const plan = await chooseRuntime();
    expect(plan.daprd).toEqual({ where: 'local', why: expect.stringMatching(/^daprd 1\.18\.2 found through /) });
    expect(plan.redis).toEqual({ where: 'local', why: expect.stringMatching(/^redis-server found at \//) });
  });

  test('COURSE_RUNTIME forces local, mixed (local daprd, Redis container) or docker; anything else is named', async () => {
    const where = async (mode: string) => {
      process.env.COURSE_RUNTIME = mode;
      const plan = await chooseRuntime();
      return [plan.daprd.where, plan.redis.where, plan.daprd.why];
    };
    expect(await where('local')).toEqual(['local', 'local', 'COURSE_RUNTIME=local']);
    expect(await where('mixed')).toEqual(['local', 'container', 'COURSE_RUNTIME=mixed']);
    expect(await where('docker')).toEqual(['container', 'container', 'COURSE_RUNTIME=docker']);
    process.env.COURSE_RUNTIME = 'podman';
    await expect(chooseRuntime()).rejects.toThrow(EnvironmentError);
    await expect(chooseRuntime()).rejects.toThrow('COURSE_RUNTIME is `podman`: use `local`, `mixed`, `docker`');
  });

  test('no redis-server and no engine: Redis stays local, and the reason names both', async () => {
    emptyPath();
    process.env.COURSE_NO_DOCKER = '1';
    const plan = await chooseRuntime();
    expect(plan.daprd.where).toBe('local');
    expect(plan.redis).toEqual({ where: 'local', why: 'no redis-server on PATH, and no container engine answers (COURSE_NO_DOCKER is set)' });
  });

  test.skipIf(!engine)(needsEngine('no redis-server but an engine: Redis runs in a container, a daprd found stays local'), async () => {
    emptyPath();
    const plan = await chooseRuntime();
    expect(plan.daprd.where).toBe(findDaprd() ? 'local' : 'container');
    expect(plan.redis).toEqual({ where: 'container', why: 'no redis-server on PATH; a container engine answers' });
  });
});

describe('the network layout of a daprd container, from what the engine reports', () => {
  const linux: ThisMachine = { platform: 'linux', hostname: 'vm', release: '6.1.0-9-amd64' };
  const engineOn = (facts: Partial<EngineFacts>): EngineFacts => ({
    operatingSystem: 'Debian GNU/Linux 12 (bookworm)',
    name: 'vm',
    kernelVersion: '6.1.0-9-amd64',
    serverVersion: '20.10.24',
    rootless: false,
    ...facts,
  });

  test("the host network where the engine runs on this machine's kernel", () => {
    delete process.env.COURSE_CONTAINER_NETWORK;
    expect(chooseLayout(engineOn({}), linux).layout).toBe('host');
  });

  test('the bridge and host.docker.internal on Docker Desktop, macOS, Windows, a rootless engine, or a VM', () => {
    delete process.env.COURSE_CONTAINER_NETWORK;
    const desktop = engineOn({ operatingSystem: 'Docker Desktop', name: 'docker-desktop', kernelVersion: '6.10.14-linuxkit' });
    expect(chooseLayout(desktop, { platform: 'darwin', hostname: 'mac', release: '24.1.0' })).toEqual({ layout: 'bridged', why: expect.stringContaining('darwin') });
    expect(chooseLayout(desktop, { platform: 'win32', hostname: 'pc', release: '10.0.22631' }).layout).toBe('bridged');
    // Docker Desktop for Linux runs a VM too.
    expect(chooseLayout(desktop, linux)).toEqual({ layout: 'bridged', why: expect.stringContaining('Docker Desktop') });
    expect(chooseLayout(engineOn({ rootless: true }), linux)).toEqual({ layout: 'bridged', why: expect.stringContaining('rootless') });
    // Colima, Lima, a remote engine: a Linux that is not this one.
    expect(chooseLayout(engineOn({ name: 'colima', kernelVersion: '6.8.0-generic' }), linux)).toEqual({
      layout: 'bridged',
      why: expect.stringContaining('another kernel'),
    });
  });

  test('COURSE_CONTAINER_NETWORK forces one; anything else is named', () => {
    process.env.COURSE_CONTAINER_NETWORK = 'bridge';
    expect(chooseLayout(engineOn({}), linux).layout).toBe('bridged');
    process.env.COURSE_CONTAINER_NETWORK = 'host';
    expect(chooseLayout(engineOn({ operatingSystem: 'Docker Desktop' }), linux).layout).toBe('host');
    process.env.COURSE_CONTAINER_NETWORK = 'overlay';
    expect(() => chooseLayout(engineOn({}), linux)).toThrow('COURSE_CONTAINER_NETWORK is `overlay`: use `host` or `bridge`');
  });

  test("in the bridged layout, component addresses on this machine's loopback point at the host's name", () => {
    const docs = parseResources(
      [
        'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: a }\nspec:\n  type: pubsub.rabbitmq\n  version: v1\n  metadata:',
        '    - { name: connectionString, value: "amqp://guest:guest@localhost:5672" }',
        '    - { name: other, value: "http://localhost.example.com:80" }',
        '---',
        'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: { name: b }\nspec:\n  type: pubsub.redis\n  version: v1\n  metadata:',
        '    - { name: redisHost, value: "127.0.0.1:6379" }',
        '    - { name: concurrency, value: 1 }',
      ].join('\n'),
      'test.yaml',
    );
    expect(loopbackPorts(docs).sort()).toEqual([5672, 6379]);
    const pointed = pointLoopbackAt(docs, 'host.docker.internal', new Map([[6379, 40001]]));
    const values = pointed.flatMap(({ doc }) => (doc.spec as { metadata: { value: unknown }[] }).metadata.map((m) => m.value));
    expect(values).toEqual(['amqp://guest:guest@host.docker.internal:5672', 'http://localhost.example.com:80', 'host.docker.internal:40001', 1]);
  });
});

/** `course doctor --json` on a machine set up as `home` and `bin` say. */
async function doctorOn(home: string, bin: string): Promise<{ ok: boolean; findings: { name: string; status: string; detail: string }[] }> {
  const result = await execa(process.execPath, [path.join(import.meta.dirname, '..', '..', 'bin', 'course.js'), 'doctor', '--json'], {
    cwd: path.join(import.meta.dirname, '..', '..'),
    env: { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), PATH: bin, COURSE_RUNTIME: undefined, DAPRD_PATH: undefined, REDIS_SERVER_PATH: undefined },
    extendEnv: true,
    reject: false,
  });
  return JSON.parse(result.stdout) as { ok: boolean; findings: { name: string; status: string; detail: string }[] };
}

describe.skipIf(!engine)(needsEngine("the learner's setups, through course doctor"), { timeout: 120_000 }, () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'learner-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const bin = path.join(home, 'bin');
  mkdirSync(bin);
  // Node only: no daprd, no redis-server, no Go on PATH.
  symlinkSync(process.execPath, path.join(bin, 'node'));
  afterEach(() => rmSync(path.join(home, '.dapr'), { recursive: true, force: true }));

  const daprd = findDaprd();
  const withDaprInit = 'Docker and `dapr init`: the daprd from ~/.dapr/bin runs here, Redis in a container; a sidecar starts';
  test.skipIf(!daprd)(daprd ? withDaprInit : `${withDaprInit} (skipped: no daprd here to put in ~/.dapr/bin)`, async () => {
    mkdirSync(path.join(home, '.dapr', 'bin'), { recursive: true });
    symlinkSync(daprd!.path, path.join(home, '.dapr', 'bin', 'daprd'));
    const report = await doctorOn(home, bin);
    const detail = (name: string) => report.findings.find((f) => f.name === name)?.detail;
    expect(detail('daprd')).toMatch(/^runs here: 1\.18\.2 at .*\.dapr\/bin\/daprd \(found through dapr init\)$/);
    expect(detail('Redis')).toMatch(/^runs in a container, redis:7-alpine \(image present\): no redis-server on PATH; a container engine answers$/);
    expect(detail('sidecar')).toMatch(/^a daprd \(here\) with a Redis pubsub \(in a container\) started and was ready in \d+ ms$/);
    expect(report.ok).toBe(true);
  });

  test('Docker only: daprd and Redis both run in containers; a sidecar starts', async () => {
    const report = await doctorOn(home, bin);
    const detail = (name: string) => report.findings.find((f) => f.name === name)?.detail;
    expect(detail('daprd')).toMatch(/^runs in a container, daprio\/daprd:1\.18\.2 \(image present\): no daprd found and no Go to build one; a container engine answers$/);
    expect(detail('Redis')).toMatch(/^runs in a container, redis:7-alpine/);
    expect(detail('container engine')).toMatch(/; daprd containers join the host network: the engine runs on this machine's kernel$/);
    expect(detail('sidecar')).toMatch(/^a daprd \(in a container\) with a Redis pubsub \(in a container\) started and was ready in \d+ ms$/);
    expect(report.ok).toBe(true);
  });
});
