// What the lesson "Subscribing to events" states about the envelope, when daprd learns an app's
// subscriptions, the kinds of subscription there are, and bulk delivery.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { DaprClient, DaprServer, LogLevel } from '@dapr/dapr';
import { describe, expect, onTestFinished, test } from 'vitest';
import { groupDone, inboundRetries, logged, redisOf, redisPubsub, until, useEnvironments } from './lib.js';

const start = useEnvironments();
const apps = path.join(import.meta.dirname, 'apps');

describe('what a subscriber receives', { timeout: 60_000 }, () => {
  test('without tracing configured, traceid and traceparent are empty and tracestate is there too', async () => {
    const env = await start({
      extraResources: [redisPubsub()],
      apps: [{ appId: 'order-service' }, { appId: 'notifications', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }],
    });
    await env.publish('order-service', 'pubsub', 'orders', { orderId: 'o-1001', total: 42 });
    expect(await env.probe('notifications').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    const { event } = env.probe('notifications').deliveries[0]!;
    expect(Object.keys(event).sort()).toEqual(
      ['data', 'datacontenttype', 'id', 'pubsubname', 'source', 'specversion', 'time', 'topic', 'traceid', 'traceparent', 'tracestate', 'type'],
    );
    expect(event).toMatchObject({ traceid: '', traceparent: '', tracestate: '', type: 'com.dapr.event.sent', source: 'order-service' });
  });
});

describe('when daprd learns a DaprServer app\'s subscriptions', { timeout: 60_000 }, () => {
  function topicsFile(topics: string): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lesson-topics-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'topics');
    writeFileSync(file, topics);
    return file;
  }

  test('DaprServer answers GET /dapr/subscribe with what is registered when it is asked, but daprd asks only once: a subscription made 500 ms after start() is never used', async () => {
    const env = await start({
      extraResources: [redisPubsub()],
      apps: [{
        appId: 'orders',
        command: ['npx', 'tsx', 'late-subscriber.ts'],
        cwd: apps,
        env: { TOPICS_FILE: topicsFile('orders'), LATE_TOPIC: 'payments', LATE_DELAY_MS: '500' },
      }],
    });
    expect(await logged(env, /subscribed to payments after start/)).toBe(true);
    // The SDK would now answer with both...
    const answer = (await (await fetch(`${env.app('orders').appUrl}/dapr/subscribe`)).json()) as { topic: string }[];
    expect(answer.map((s) => s.topic).sort()).toEqual(['orders', 'payments']);
    // ...but daprd asked once, before, and runs only what it was told then.
    expect((await env.subscriptions('orders')).map((s) => s.topic)).toEqual(['orders']);
    expect(env.log.grep(/app is subscribed to the following topics/)).toHaveLength(1);
  });

  test('a restarted app\'s new subscriptions are not seen while its sidecar keeps running', async () => {
    const file = topicsFile('orders');
    const env = await start({
      extraResources: [redisPubsub()],
      apps: [{ appId: 'orders', command: ['npx', 'tsx', 'late-subscriber.ts'], cwd: apps, env: { TOPICS_FILE: file } }],
    });
    writeFileSync(file, 'orders,payments');
    await env.restartApp('orders');
    // started: the restarted app has reached its sidecar, which answered it.
    expect(await until(() => env.log.grep(/^started$/, ['orders']).length === 2)).toBe(true);
    const answer = (await (await fetch(`${env.app('orders').appUrl}/dapr/subscribe`)).json()) as { topic: string }[];
    expect(answer.map((s) => s.topic).sort()).toEqual(['orders', 'payments']);
    expect((await env.subscriptions('orders')).map((s) => s.topic)).toEqual(['orders']);
    expect(env.log.grep(/app is subscribed to the following topics/)).toHaveLength(1);
  });
});

describe('a declarative subscription without scopes', { timeout: 60_000 }, () => {
  test('every app that loads the folder subscribes; one that does not serve the route answers 404, and its copy is dropped, not retried', async () => {
    const subscription = `apiVersion: dapr.io/v1alpha1
kind: Subscription
metadata:
  name: orders-for-notifications
spec:
  pubsubname: pubsub
  topic: orders
  route: /orders
`;
    const env = await start({
      extraResources: [redisPubsub(), subscription, inboundRetries('50ms', 3)],
      apps: [{ appId: 'order-service' }, { appId: 'notification-service', probe: [] }, { appId: 'billing', probe: [] }],
    });
    env.probe('billing').respond = () => ({ status: 404 });
    await env.publish('order-service', 'pubsub', 'orders', { orderId: 'o-1' });
    const redis = redisOf(env);
    expect(await groupDone(redis, 'orders', 'notification-service')).toBe(true);
    expect(await groupDone(redis, 'orders', 'billing')).toBe(true);
    expect(env.probe('notification-service').deliveries.map((d) => d.data)).toEqual([{ orderId: 'o-1' }]);
    // One attempt despite the retry policy: 404 means DROP.
    expect(env.probe('billing').deliveries.map((d) => d.path)).toEqual(['/orders']);
  });
});

describe('registering subscriptions on a DaprServer', () => {
  test('one registration per (component, topic): a second one for the same pair throws, another topic does not', async () => {
    const server = new DaprServer({ logger: { level: LogLevel.Error } });
    await server.pubsub.subscribe('pubsub', 'orders', async () => {});
    await server.pubsub.subscribeWithOptions('pubsub', 'payments', { callback: async () => {} });
    await expect(server.pubsub.subscribe('pubsub', 'orders', async () => {})).rejects.toThrow(/already subscribed/);
    await expect(server.pubsub.subscribeWithOptions('pubsub', 'payments', { callback: async () => {} })).rejects.toThrow(/already subscribed/);
  });
});

describe('kinds of subscription', { timeout: 60_000 }, () => {
  test('daprd 1.18 serves streaming subscriptions over gRPC (SubscribeTopicEventsAlpha1), with no app port at all', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }, { appId: 'streamer' }] });
    const events = await streamOneEvent(env.app('streamer').sidecar.ports.grpc, 'orders', () =>
      env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' }),
    );
    expect(events).toMatchObject({ topic: 'orders', pubsubName: 'pubsub', source: 'publisher' });
    expect(JSON.parse(Buffer.from(events.data).toString('utf8'))).toEqual({ orderId: 'o-1' });
  });

  test('@dapr/dapr 3.18.0 has no streaming subscription: its client only publishes, and DaprServer subscribes through the app\'s routes', () => {
    const methods = (o: object) => Object.getOwnPropertyNames(Object.getPrototypeOf(o)).filter((m) => m !== 'constructor');
    const client = new DaprClient();
    expect(methods(client.pubsub).filter((m) => !m.startsWith('handle')).sort()).toEqual(['publish', 'publishBulk']);
    const server = new DaprServer();
    expect(methods(server.pubsub).filter((m) => /stream/i.test(m))).toEqual([]);
    for (const protocol of [client, server.client]) expect(methods(protocol.pubsub).filter((m) => /subscri|stream/i.test(m))).toEqual([]);
  });

  test('with bulkSubscribe, the sidecar hands several messages to the app in one request, and the app answers a status for each', async () => {
    const bulk = `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: orders-in-bulk
spec:
  pubsubname: pubsub
  topic: orders
  routes:
    default: /orders
  bulkSubscribe:
    enabled: true
    maxMessagesCount: 10
    maxAwaitDurationMs: 1000
`;
    const env = await start({ extraResources: [redisPubsub(), bulk], apps: [{ appId: 'publisher' }, { appId: 'audit', probe: [] }] });
    const audit = env.probe('audit');
    audit.respond = (d) => ({
      status: 200,
      body: { statuses: (d.event.entries as { entryId: string }[]).map((e) => ({ entryId: e.entryId, status: 'SUCCESS' })) },
    });
    for (let i = 0; i < 5; i++) await env.publish('publisher', 'pubsub', 'orders', { orderId: `o-${i}` });
    const entries = () => audit.deliveries.flatMap((d) => d.event.entries as { event: { data: unknown } }[]);
    expect(await audit.waitUntil(() => entries().length === 5, 10_000)).toBe(true);
    expect(audit.deliveries.length).toBeLessThan(5);
    expect(entries().map((e) => e.event.data)).toEqual(expect.arrayContaining([{ orderId: 'o-0' }, { orderId: 'o-4' }]));
  });
});

interface StreamedEvent {
  id: string;
  source: string;
  topic: string;
  pubsubName: string;
  data: Uint8Array;
}

/**
 * Opens a streaming subscription on a sidecar's gRPC port with the SDK's own .proto files, calls
 * `publish` once daprd confirmed the subscription, and resolves with the first event (answered
 * SUCCESS).
 */
async function streamOneEvent(grpcPort: number, topic: string, publish: () => Promise<void>): Promise<StreamedEvent> {
  const require = createRequire(import.meta.url);
  const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const loader = require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
  const protoRoot = path.join(path.dirname(require.resolve('@dapr/dapr/package.json')), 'proto');
  const definition = loader.loadSync('dapr/proto/runtime/v1/dapr.proto', { includeDirs: [protoRoot], longs: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    dapr: { proto: { runtime: { v1: { Dapr: new (address: string, credentials: unknown) => { SubscribeTopicEventsAlpha1(): import('@grpc/grpc-js').ClientDuplexStream<unknown, Record<string, unknown>>; close(): void } } } } };
  };
  const client = new pkg.dapr.proto.runtime.v1.Dapr(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  const stream = client.SubscribeTopicEventsAlpha1();
  try {
    return await new Promise<StreamedEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no streamed event within 10 s')), 10_000);
      stream.on('error', reject);
      stream.on('data', (message: Record<string, unknown>) => {
        if (message.initialResponse) {
          publish().catch(reject);
          return;
        }
        const event = message.eventMessage as StreamedEvent | undefined;
        if (!event) return;
        stream.write({ eventProcessed: { id: event.id, status: { status: 'SUCCESS' } } });
        clearTimeout(timer);
        resolve(event);
      });
      stream.write({ initialRequest: { pubsubName: 'pubsub', topic } });
    });
  } finally {
    stream.end();
    client.close();
  }
}
