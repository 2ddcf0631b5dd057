// RabbitMQ behaviour the lesson "Swapping the broker" states. RabbitMQ is the machine's own server
// on localhost:5672, shared: every test uses topics of its own.
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import amqp from 'amqplib';
import { queueStates, rabbitMQAnswers } from '../../checks/lib/rabbitmq.js';
import { eventually, getJson, must, postJson } from '../../checks/lib/expect.js';
import { readRunFile, RunLog } from '../../src/harness/environment.js';
import type { ProbeSubscription } from '../../src/harness/probe.js';
import { component, inboundRetries, redisPubsub, sleep, until, useEnvironments } from './lib.js';

const start = useEnvironments();
/** RabbitMQ's own CLI, to make a vhost for a test whose names are fixed (the machine's RabbitMQ server ships it). */
const rabbitmqctl = (...args: string[]) => execFileSync('rabbitmqctl', args, { stdio: 'pipe', timeout: 30_000 });
const hasRabbitmqctl = (() => {
  try {
    execFileSync('rabbitmqctl', ['--help'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch (error) {
    // `--help` exits 64 when the CLI is there
    return (error as { status?: number }).status === 64;
  }
})();
if (!hasRabbitmqctl) console.warn('\n  rabbitmqctl is not on PATH: the shop-on-RabbitMQ lesson test does not run.\n');
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

  test('a message that still fails after the Resiliency retries is nacked without requeue and RabbitMQ drops it; with enableDeadLetter it waits in the queue dlq-<queue> instead', async () => {
    for (const enableDeadLetter of [false, true]) {
      const topic = topicOfThisRun();
      const queue = `payments-${topic}`;
      try {
        const env = await start({
          redis: false,
          extraResources: [rabbit({ enableDeadLetter: String(enableDeadLetter) }), inboundRetries('100ms', 2)],
          apps: [{ appId: 'publisher' }, { appId: 'payments', probe: [{ pubsubname: 'pubsub', topic }] }],
        });
        const payments = env.probe('payments');
        payments.respond = () => ({ status: 200, body: { status: 'RETRY' } });
        await env.publish('publisher', 'pubsub', topic, { orderId: 'o-1' });
        expect(await payments.waitUntil((d) => d.length === 3, 10_000)).toBe(true);
        // Requeued, it would come back at once; it does not.
        await sleep(1500);
        expect(payments.deliveries).toHaveLength(3);
        const states = await queueStates([queue, `dlq-${queue}`]);
        expect(states.get(queue)?.messages).toBe(0);
        expect(states.get(`dlq-${queue}`)?.messages).toBe(enableDeadLetter ? 1 : undefined);
        await env.stop();
      } finally {
        // The broker is shared: take away what this run declared (the dead-letter queue has no consumer
        // and would stay).
        const connection = await amqp.connect('amqp://guest:guest@localhost:5672');
        const channel = await connection.createChannel();
        for (const name of [queue, `dlq-${queue}`]) await channel.deleteQueue(name);
        for (const name of [topic, `dlx-${queue}`]) await channel.deleteExchange(name);
        await connection.close();
      }
    }
  });

  // The shop's topics have fixed names, and the broker is shared (a learner may run the shop on it
  // by hand at the same time): the shop runs in a vhost of its own, made with rabbitmqctl.
  test.runIf(hasRabbitmqctl)('the shop of "A complete flow: the shop" runs on RabbitMQ with only its pubsub component replaced by the lesson\'s, its TypeScript unchanged', { timeout: 120_000 }, async () => {
    const shop = path.resolve(import.meta.dirname, '../../modules/04-pubsub/examples/ecommerce');
    const lesson = readFileSync(path.resolve(import.meta.dirname, '../../modules/04-pubsub/lessons/08-swapping-the-broker.md'), 'utf8');
    const lessonComponent = /```yaml\n([\s\S]*?type: pubsub\.rabbitmq[\s\S]*?)```/.exec(lesson)![1]!;
    const vhost = `course-shop-${randomUUID()}`;
    const rabbitComponent = lessonComponent.replace('amqp://guest:guest@localhost:5672', `amqp://guest:guest@localhost:5672/${vhost}`);
    expect(rabbitComponent, 'the lesson\'s connectionString').not.toBe(lessonComponent);
    const keep = ['statestore.yaml', 'resiliency.yaml'].map((f) => readFileSync(path.join(shop, 'resources', f), 'utf8'));
    rabbitmqctl('add_vhost', vhost);
    try {
      rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
      const runFile = readRunFile(shop);
      const env = await start({
        extraResources: [...keep, rabbitComponent],
        apps: runFile.apps.map((app) => ({ appId: app.appId, command: app.command, cwd: app.dir, env: app.env })),
        readyTimeoutMs: 60_000,
      });
      expect((await env.components('order-service')).find((c) => c.name === 'pubsub')?.type).toBe('pubsub.rabbitmq');
      const answer = await postJson(`${env.app('order-service').appUrl}/orders`, { items: [{ sku: 'mug', quantity: 2 }], total: 24 });
      must(answer.status === 201, `POST /orders answered ${answer.status}: ${answer.text}`);
      const { orderId } = JSON.parse(answer.text) as { orderId: string };
      await eventually(
        () => getJson<{ status: string }>(`${env.app('order-service').appUrl}/orders/${orderId}`),
        (order) => order.status === 'completed',
        (order) => `Order ${orderId} is ${order?.status ?? 'unreadable'}, not completed.`,
        20_000,
      );
      await env.stop();
    } finally {
      rabbitmqctl('delete_vhost', vhost); // its queues and exchanges with it
    }
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
