// Proves the harness against the real daprd and a real Redis: delivery, fan-out, competing
// consumers, routing rules, retries into a dead-letter topic, and the SDK's throw-means-ACK trap.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startEnvironment, type Environment } from './environment.js';
import { SUCCESS } from './probe.js';
import { quickRetries } from './testdata/quick-retries.js';

const testdata = path.join(import.meta.dirname, 'testdata');
const redisPubsub = path.join(testdata, 'redis-pubsub');

let env: Environment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('the harness on a real daprd and Redis', { timeout: 60_000 }, () => {
  test('an event published through one sidecar reaches a subscriber behind another, as Dapr sends it', async () => {
    env = await startEnvironment({
      resourcesDir: redisPubsub,
      apps: [{ appId: 'publisher' }, { appId: 'subscriber', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }],
    });
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1', total: 3 }, {
      metadata: { 'cloudevent.type': 'order.created', 'cloudevent.id': 'o-1' },
    });
    expect(await env.probe('subscriber').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    const [delivery] = env.probe('subscriber').deliveries;
    expect(delivery!.headers['content-type']).toContain('application/cloudevents+json');
    expect(delivery!.event).toMatchObject({
      id: 'o-1',
      type: 'order.created',
      source: 'publisher',
      specversion: '1.0',
      datacontenttype: 'application/json',
      topic: 'orders',
      pubsubname: 'pubsub',
      data: { orderId: 'o-1', total: 3 },
    });
    expect(delivery!.event).toHaveProperty('time');
    expect(delivery!.event).toHaveProperty('traceparent');
  });

  test('two app-ids each receive every message; two replicas of one app-id share them', async () => {
    const subscription = [{ pubsubname: 'pubsub', topic: 'news' }];
    env = await startEnvironment({
      resourcesDir: redisPubsub,
      apps: [
        { appId: 'publisher' },
        { appId: 'mailer', probe: subscription },
        { appId: 'archive', probe: subscription },
        { appId: 'worker', name: 'worker-1', probe: subscription },
        { appId: 'worker', name: 'worker-2', probe: subscription },
      ],
    });
    const count = 20;
    for (let i = 0; i < count; i++) await env.publish('publisher', 'pubsub', 'news', { n: i });
    const workers = () => env!.probe('worker-1').deliveries.length + env!.probe('worker-2').deliveries.length;
    await Promise.all([
      env.probe('mailer').waitUntil((d) => d.length === count, 10_000),
      env.probe('archive').waitUntil((d) => d.length === count, 10_000),
      // Either replica may receive the last message: wake on a delivery to either.
      Promise.race(['worker-1', 'worker-2'].map((w) => env!.probe(w).waitUntil(() => workers() === count, 10_000))),
    ]);
    const numbers = (name: string) => env!.probe(name).deliveries.map((d) => (d.data as { n: number }).n).sort((a, b) => a - b);
    const all = Array.from({ length: count }, (_, i) => i);
    expect(numbers('mailer')).toEqual(all);
    expect(numbers('archive')).toEqual(all);
    // Competing consumers: together the replicas saw each message exactly once, and both got work.
    expect([...numbers('worker-1'), ...numbers('worker-2')].sort((a, b) => a - b)).toEqual(all);
    expect(numbers('worker-1').length).toBeGreaterThan(0);
    expect(numbers('worker-2').length).toBeGreaterThan(0);
  });

  test('a v2alpha1 subscription routes each event to its rule, and unmatched events to the default', async () => {
    env = await startEnvironment({
      resourcesDir: redisPubsub,
      extraResources: [
        `
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: order-routes
spec:
  pubsubname: pubsub
  topic: orders
  routes:
    rules:
      - match: event.type == "order.created"
        path: /created
      - match: has(event.data.priority) && event.data.priority == "high"
        path: /urgent
    default: /other
scopes:
  - router
`,
      ],
      apps: [{ appId: 'publisher' }, { appId: 'router', probe: [] }],
    });
    const publish = (type: string, data: object) => env!.publish('publisher', 'pubsub', 'orders', data, { metadata: { 'cloudevent.type': type } });
    await publish('order.created', { n: 1, priority: 'high' });
    await publish('order.updated', { n: 2, priority: 'high' });
    await publish('order.updated', { n: 3 });
    const router = env.probe('router');
    expect(await router.waitUntil((d) => d.length === 3, 10_000)).toBe(true);
    const pathOf = (n: number) => router.deliveries.find((d) => (d.data as { n: number }).n === n)?.path;
    expect(pathOf(1)).toBe('/created'); // first match wins, though the second rule matches too
    expect(pathOf(2)).toBe('/urgent');
    expect(pathOf(3)).toBe('/other');
  });

  test('RETRY is redelivered exactly 1 + maxRetries times, then the event is in the dead-letter topic', async () => {
    env = await startEnvironment({
      resourcesDir: redisPubsub,
      extraResources: [quickRetries(2)],
      apps: [
        { appId: 'publisher' },
        {
          appId: 'payments',
          probe: [
            { pubsubname: 'pubsub', topic: 'payments', deadLetterTopic: 'payments-dead' },
            { pubsubname: 'pubsub', topic: 'payments-dead' },
          ],
        },
      ],
    });
    const probe = env.probe('payments');
    probe.respond = (d) => (d.topic === 'payments' ? { status: 200, body: { status: 'RETRY' } } : SUCCESS);
    await env.publish('publisher', 'pubsub', 'payments', { id: 'p-1' });
    expect(await probe.waitUntil(() => probe.on('payments-dead').length === 1, 10_000)).toBe(true);
    expect(probe.on('payments')).toHaveLength(3);
    const dead = probe.on('payments-dead')[0]!;
    expect(dead.data).toEqual({ id: 'p-1' });
    // The dead-lettered event is the original CloudEvent: same id, and its envelope still says the
    // topic it failed on.
    expect(dead.event.topic).toBe('payments');
    expect(dead.event.id).toBe(probe.on('payments')[0]!.event.id);
  });

  test('a JS SDK handler that throws gets its message ACKed: one attempt, no retry, no dead letter', { timeout: 60_000 }, async () => {
    env = await startEnvironment({
      resourcesDir: redisPubsub,
      extraResources: [quickRetries(2)],
      apps: [
        { appId: 'publisher' },
        {
          appId: 'sdk-subscriber',
          command: ['npx', 'tsx', 'sdk-subscriber.ts'],
          cwd: testdata,
          env: { HANDLER_MODE: 'throw' },
        },
        { appId: 'control', command: ['npx', 'tsx', 'sdk-subscriber.ts'], cwd: testdata, env: { HANDLER_MODE: 'retry' } },
      ],
    });
    await env.publish('publisher', 'pubsub', 'orders', { id: 'o-9' });
    const attempts = async (app: string) =>
      ((await (await fetch(`${env!.app(app).appUrl}/attempts`)).json()) as Record<string, number>)['o-9'] ?? 0;
    // The control app returns RETRY for the same event: once it has seen all 3 attempts, the
    // retry window is over for the throwing app too (same policy, same timing). The limit is for a
    // machine under load: the loop ends as soon as the control app has seen them.
    const deadline = Date.now() + 40_000;
    while ((await attempts('control')) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await attempts('control')).toBe(3);
    expect(await attempts('sdk-subscriber')).toBe(1);
    expect(env.log.grep(/cannot process o-9/, ['sdk-subscriber']).length).toBeGreaterThan(0);
  });

  test('a service is compiled for the run and its compiled file is gone when the run stops', async () => {
    env = await startEnvironment({
      resourcesDir: redisPubsub,
      apps: [{ appId: 'sdk-subscriber', command: ['npx', 'tsx', 'sdk-subscriber.ts'], cwd: testdata }],
    });
    const compiled = [...env.compiled];
    expect(compiled).toHaveLength(1);
    expect(existsSync(compiled[0]!)).toBe(true);
    await env.stop();
    expect(existsSync(compiled[0]!)).toBe(false);
  });
});
