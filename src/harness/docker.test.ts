// The container path on a real engine, real daprd and real Redis: both network layouts run for
// real (the host network a Linux engine gets, and the bridged layout Docker Desktop gets, forced
// here with COURSE_CONTAINER_NETWORK=bridge), labels and run files, exited containers removed, and
// containers of a dead owner found by their label alone.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { courseContainers, reapOrphanContainers, RUN_LABEL } from './containers.js';
import { DAPRD_IMAGE, REDIS_IMAGE } from './docker.js';
import { EnvironmentError, LearnerCodeError, startEnvironment, type AppSpec } from './environment.js';
import { chooseLayout } from './network-layout.js';
import { liveProcesses, RUN_ID, runFileOf } from './processes.js';
import { rabbitMQAnswers } from '../../checks/lib/rabbitmq.js';
import { containerExists, engine, inspectContainer, needsEngine } from './testdata/engine.js';

const testdata = path.join(import.meta.dirname, 'testdata');
const rabbitMQ = await rabbitMQAnswers();
const saved = { runtime: process.env.COURSE_RUNTIME, network: process.env.COURSE_CONTAINER_NETWORK };

afterEach(() => {
  restore('COURSE_RUNTIME', saved.runtime);
  restore('COURSE_CONTAINER_NETWORK', saved.network);
  // Whatever happened, the harness must have stopped and removed everything it started.
  expect(liveProcesses().map((p) => p.name)).toEqual([]);
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Container ids of the running environment's sidecars and Redis. */
function containerIds(): string[] {
  return liveProcesses().flatMap((p) => (p.containerId ? [p.containerId] : []));
}

const subscribers: AppSpec[] = [
  { appId: 'publisher' },
  // Listens on 127.0.0.1 only, as most of the course's services do.
  { appId: 'loopback', command: ['npx', 'tsx', 'loopback-subscriber.ts'], cwd: testdata },
  // The SDK's DaprServer listens on every interface.
  { appId: 'sdk', command: ['npx', 'tsx', 'sdk-subscriber.ts'], cwd: testdata, env: { HANDLER_MODE: 'retry' } },
  { appId: 'probe', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] },
];

describe.skipIf(!engine)(needsEngine('daprd in a container'), { timeout: 120_000 }, () => {
  test('on this Linux engine the course chooses the host network, from what the engine reports', () => {
    delete process.env.COURSE_CONTAINER_NETWORK;
    const choice = chooseLayout(engine!.facts);
    expect(engine!.facts.operatingSystem).not.toMatch(/Docker Desktop/);
    expect(choice).toEqual({ layout: 'host', why: expect.stringContaining("this machine's kernel") });
  });

  for (const layout of ['host', 'bridge'] as const) {
    test(`${layout} layout: a service on 127.0.0.1 only, an SDK service and a probe all get the event`, async () => {
      process.env.COURSE_RUNTIME = 'docker';
      process.env.COURSE_CONTAINER_NETWORK = layout;
      const env = await startEnvironment({ resourcesDir: path.join(testdata, 'redis-pubsub'), apps: subscribers });
      const ids = containerIds();
      try {
        expect(env.runtime.layout?.layout).toBe(layout === 'host' ? 'host' : 'bridged');
        const sidecar = await inspectContainer(env.app('loopback').sidecar.process.containerId!);
        const flag = (name: string) => sidecar.command[sidecar.command.indexOf(name) + 1];
        expect(sidecar.networkMode).toBe(layout);
        expect(flag('--app-channel-address')).toBe(layout === 'host' ? '127.0.0.1' : 'host.docker.internal');
        await env.publish('publisher', 'pubsub', 'orders', { id: 'o-1' });
        expect(await env.probe('probe').waitUntil((d) => d.length === 1, 15_000)).toBe(true);
        await expect
          .poll(async () => (await fetch(`${env.app('loopback').appUrl}/received`)).json(), { timeout: 15_000, interval: 100 })
          .toEqual(['o-1']);
        await expect
          .poll(async () => ((await (await fetch(`${env.app('sdk').appUrl}/attempts`)).json()) as Record<string, number>)['o-1'] ?? 0, {
            timeout: 15_000,
            interval: 100,
          })
          .toBeGreaterThan(0);
      } finally {
        await env.stop();
      }
      expect(ids).toHaveLength(5);
      expect((await Promise.all(ids.map(containerExists))).filter(Boolean)).toEqual([]);
    });
  }

  const rabbitTest = "bridge layout: a broker on the host's localhost (RabbitMQ, localhost:5672) is reached";
  test.skipIf(!rabbitMQ)(rabbitMQ ? rabbitTest : `${rabbitTest} (skipped: no RabbitMQ answers on localhost:5672)`, async () => {
    process.env.COURSE_RUNTIME = 'docker';
    process.env.COURSE_CONTAINER_NETWORK = 'bridge';
    const topic = `docker-test-${process.pid}-${Date.now()}`;
    const env = await startEnvironment({
      redis: false,
      extraResources: [
        [
          'apiVersion: dapr.io/v1alpha1',
          'kind: Component',
          'metadata:',
          '  name: rabbit',
          'spec:',
          '  type: pubsub.rabbitmq',
          '  version: v1',
          '  metadata:',
          '    - name: connectionString',
          '      value: amqp://guest:guest@localhost:5672',
          '    - name: durable',
          '      value: "false"',
          '    - name: deletedWhenUnused',
          '      value: "true"',
        ].join('\n'),
      ],
      apps: [{ appId: 'publisher' }, { appId: 'probe', probe: [{ pubsubname: 'rabbit', topic }] }],
    });
    try {
      await env.publish('publisher', 'rabbit', topic, { id: 'r-1' });
      expect(await env.probe('probe').waitUntil((d) => d.length === 1, 15_000)).toBe(true);
    } finally {
      await env.stop();
    }
  });

  test('every container carries its run label and is in the run file; Redis is reachable on 127.0.0.1', async () => {
    process.env.COURSE_RUNTIME = 'docker';
    const env = await startEnvironment({ resourcesDir: path.join(testdata, 'redis-pubsub'), apps: [{ appId: 'publisher' }] });
    try {
      const ids = containerIds();
      expect(ids).toHaveLength(2);
      for (const id of ids) expect((await inspectContainer(id)).labels[RUN_LABEL]).toBe(RUN_ID);
      const runFile = JSON.parse(readFileSync(runFileOf(process.pid), 'utf8')) as { containers: { id: string }[] };
      expect(runFile.containers.map((c) => c.id).sort()).toEqual([...ids].sort());
      const { Redis } = await import('ioredis');
      const redis = new Redis(env.redis!.port, env.redis!.host, { lazyConnect: true });
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
      redis.disconnect();
    } finally {
      await env.stop();
    }
  });

  test('a daprd container that exits (an unknown component type) is reported with its own error, and removed', async () => {
    process.env.COURSE_RUNTIME = 'docker';
    const error = await startEnvironment({ resourcesDir: path.join(testdata, 'bad-type'), apps: [{ appId: 'a' }] }).then(
      () => undefined,
      (e: unknown) => e as LearnerCodeError,
    );
    expect(error).toBeInstanceOf(LearnerCodeError);
    expect(error!.message).toMatch(/The sidecar of a exited with code 1 while loading components/);
    expect(error!.message).toContain('pubsub.redys');
    expect(error!.logExcerpt.some((l) => l.startsWith('[daprd a]'))).toBe(true);
    // Only other runs' containers may be left.
    expect((await courseContainers(engine!)).filter((c) => c.runId === RUN_ID)).toEqual([]);
  });

  test("containers of an owner that is gone are found by their label, without a run file, and removed; others' are kept", async () => {
    const [host] = RUN_ID.split(':');
    const dead = `${host}:${2 ** 22 + 1}:1`; // above Linux's pid_max default: no such process
    const otherMachine = `not-${os.hostname()}:1:1`;
    const create = (runId: string) =>
      engine!.client.container.create({ Image: REDIS_IMAGE, Cmd: ['redis-server'], Labels: { [RUN_LABEL]: runId } });
    const [orphan, foreign] = await Promise.all([create(dead), create(otherMachine)]);
    try {
      expect(await reapOrphanContainers(engine!)).toBeGreaterThanOrEqual(1);
      expect(await containerExists(orphan.id)).toBe(false);
      expect(await containerExists(foreign.id)).toBe(true);
    } finally {
      await Promise.all([orphan, foreign].map((c) => c.remove({ force: true }).catch(() => {})));
    }
  });

  test('the images are the pinned ones', () => {
    expect(DAPRD_IMAGE).toBe('daprio/daprd:1.18.2');
    expect(REDIS_IMAGE).toBe('redis:7-alpine');
  });
});

test('forced onto containers where no engine answers, a run fails as an environment problem that says what to do, and leaves nothing', async () => {
  process.env.COURSE_RUNTIME = 'docker';
  process.env.COURSE_NO_DOCKER = '1';
  try {
    const error = await startEnvironment({ apps: [{ appId: 'a' }] }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error!.message).toMatch(/daprd and Redis would run in a container here \(COURSE_RUNTIME=docker\), but no container engine answers: COURSE_NO_DOCKER is set/);
    expect(error!.message).toContain('npx course doctor');
  } finally {
    delete process.env.COURSE_NO_DOCKER;
  }
});
