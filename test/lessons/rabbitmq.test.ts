// RabbitMQ behaviour the lesson "Swapping the broker" states. RabbitMQ is the machine's own server
// on localhost:5672, shared: every test uses topics of its own.
import { randomUUID } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { rabbitMQAnswers } from '../../checks/lib/rabbitmq.js';
import { RunLog } from '../../src/harness/environment.js';
import type { ProbeSubscription } from '../../src/harness/probe.js';
import { component, redisPubsub, sleep, until, useEnvironments } from './lib.js';

const start = useEnvironments();
const rabbit = (metadata: Record<string, string> = {}) =>
  component('pubsub', 'pubsub.rabbitmq', { connectionString: 'amqp://guest:guest@localhost:5672', ...metadata });
const topicOfThisRun = () => `lesson-${randomUUID().slice(0, 8)}`;

describe.runIf(await rabbitMQAnswers())('RabbitMQ', { timeout: 90_000 }, () => {
  test('every sidecar on a topic must agree on deletedWhenUnused: one that differs gets PRECONDITION_FAILED, its subscription never starts and /v1.0/healthz stays 500', async () => {
    const topic = topicOfThisRun();
    const subscribe: ProbeSubscription[] = [{ pubsubname: 'pubsub', topic }];
    await start({ redis: false, extraResources: [rabbit({ deletedWhenUnused: 'false' })], apps: [{ appId: 'inventory', probe: subscribe }] });
    const log = new RunLog();
    await expect(
      start({ redis: false, log, readyTimeoutMs: 15_000, extraResources: [rabbit({ deletedWhenUnused: 'true' })], apps: [{ appId: 'notifications', probe: subscribe }] }),
    ).rejects.toThrow(/not ready/);
    expect(log.grep(/PRECONDITION_FAILED/).length).toBeGreaterThan(0);
  });

  test('a dead letter sent before anything subscribed to the dead-letter topic is lost: nothing is bound to that exchange yet', async () => {
    const topic = topicOfThisRun();
    const env = await start({
      redis: false,
      extraResources: [rabbit({ deletedWhenUnused: 'false' })],
      apps: [{ appId: 'publisher' }, { appId: 'payments', probe: [{ pubsubname: 'pubsub', topic, deadLetterTopic: `${topic}-dead` }] }],
    });
    const payments = env.probe('payments');
    payments.respond = () => ({ status: 200, body: { status: 'DROP' } });
    await env.publish('publisher', 'pubsub', topic, { orderId: 'first' });
    expect(await payments.waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    // The dead letter is published by payments' sidecar right after the DROP; give it that moment.
    await sleep(1000);
    await env.addApp({ appId: 'dead-letters', probe: [{ pubsubname: 'pubsub', topic: `${topic}-dead` }] });
    await env.publish('publisher', 'pubsub', topic, { orderId: 'second' });
    const reader = env.probe('dead-letters');
    expect(await reader.waitUntil((d) => d.length > 0, 10_000)).toBe(true);
    await sleep(1000);
    expect(reader.deliveries.map((d) => d.data)).toEqual([{ orderId: 'second' }]);
  });

  /** Declares the queue `audit-<topic>` and leaves it unread, so messages can wait and expire there. */
  async function unreadQueue(topic: string, resource: string): Promise<void> {
    const first = await start({ redis: false, extraResources: [resource], apps: [{ appId: 'audit', probe: [{ pubsubname: 'pubsub', topic }] }] });
    await first.stop();
  }

  test('on RabbitMQ, ttlInSeconds per message, or in the component for every message, is applied by RabbitMQ: it drops what nobody read in time', async () => {
    for (const [component, metadata] of [[{}, { ttlInSeconds: '1' }], [{ ttlInSeconds: '1' }, {}]] as const) {
      const topic = topicOfThisRun();
      const resource = rabbit({ deletedWhenUnused: 'false', ...component });
      await unreadQueue(topic, resource);
      const env = await start({ redis: false, extraResources: [resource], apps: [{ appId: 'publisher' }] });
      await env.publish('publisher', 'pubsub', topic, { orderId: 'expired' }, { metadata });
      await sleep(2500);
      await env.addApp({ appId: 'audit', probe: [{ pubsubname: 'pubsub', topic }] });
      await env.publish('publisher', 'pubsub', topic, { orderId: 'fresh' });
      expect(await until(() => env.probe('audit').deliveries.length > 0)).toBe(true);
      // Had the first one survived, it would have come before the second, from the same queue.
      expect(env.probe('audit').deliveries.map((d) => d.data)).toEqual([{ orderId: 'fresh' }]);
      await env.stop();
    }
  });

  test('daprd picks up a pubsub component changed from Redis to RabbitMQ while it runs, and the apps keep working', async () => {
    const topic = topicOfThisRun();
    const env = await start({
      extraResources: [redisPubsub()],
      apps: [{ appId: 'publisher' }, { appId: 'audit', probe: [{ pubsubname: 'pubsub', topic }] }],
    });
    const [file] = readdirSync(env.resourcesDir).filter((f) => f.includes('component-pubsub'));
    writeFileSync(path.join(env.resourcesDir, file!), rabbit({ deletedWhenUnused: 'false' }));
    const isRabbit = async (appId: string) => (await env.components(appId)).some((c) => c.name === 'pubsub' && c.type === 'pubsub.rabbitmq');
    expect(await until(async () => (await isRabbit('publisher')) && (await isRabbit('audit')), 20_000)).toBe(true);
    expect(await until(async () => (await env.subscriptions('audit')).length === 1, 20_000)).toBe(true);
    // The queue is declared by the restarted subscription; publish until the first message gets through.
    expect(
      await until(async () => {
        await env.publish('publisher', 'pubsub', topic, { orderId: 'after-swap' });
        return env.probe('audit').deliveries.length > 0;
      }, 20_000),
    ).toBe(true);
  });
});
