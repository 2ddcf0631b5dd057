// Resource files as the lessons describe them ("Brokers and components", "Routing events by
// content", "Swapping the broker"): what daprd reloads while running, what a forbidden subscription
// looks like, which YAML needs quotes, and what a component that cannot start does to daprd.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { freePort } from '../../src/harness/ports.js';
import type { ProbeAnswer } from '../../src/harness/probe.js';
import { groupDone, groups, inboundRetries, logged, redisOf, redisPubsub, sleep, until, useEnvironments } from './lib.js';

const start = useEnvironments();
const RETRY: ProbeAnswer = { status: 200, body: { status: 'RETRY' } };

describe('hot reload', { timeout: 60_000 }, () => {
  test('daprd 1.18 picks up a Subscription file added, then changed, while it runs; on Redis the first message after the change is taken by the old reader and comes a processingTimeout late', async () => {
    const env = await start({ extraResources: [redisPubsub({ processingTimeout: '2s', redeliverInterval: '500' })], apps: [{ appId: 'publisher' }, { appId: 'payments', probe: [] }] });
    const file = path.join(env.resourcesDir, 'late-subscription.yaml');
    const subscription = (route: string) => `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: late
spec:
  pubsubname: pubsub
  topic: orders
  routes:
    default: ${route}
scopes:
  - payments
`;
    writeFileSync(file, subscription('/orders'));
    expect(await until(async () => (await env.subscriptions('payments')).some((s) => s.topic === 'orders'))).toBe(true);
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' });
    expect(await env.probe('payments').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    writeFileSync(file, subscription('/orders-v2'));
    // Reloaded: the subscription was closed and added again.
    const added = () => env.log.grep(/Adding Subscription for processing: late/, ['daprd payments']).length;
    expect(await until(() => added() === 2)).toBe(true);
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-2' });
    const published = Date.now();
    expect(await env.probe('payments').waitUntil((d) => d.length === 2, 10_000)).toBe(true);
    // The closed subscription's blocking read took it and could not deliver it: it stayed pending
    // until the reclaim loop found it (processingTimeout 2 s).
    expect(env.probe('payments').deliveries[1]!.at - published).toBeGreaterThan(1500);
    expect(env.probe('payments').deliveries.map((d) => d.path)).toEqual(['/orders', '/orders-v2']);
  });

  test('daprd 1.18 loads a Component file added while it runs', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }] });
    writeFileSync(path.join(env.resourcesDir, 'second.yaml'), redisPubsub({ redisHost: env.redis!.address }, 'second-pubsub'));
    expect(await until(async () => (await env.components('publisher')).some((c) => c.name === 'second-pubsub'))).toBe(true);
  });

  test('a Resiliency file added while daprd runs takes effect after daprd reloads itself in place, which also asks the app for its subscriptions again', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }, { appId: 'payments', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }] });
    const redis = redisOf(env);
    const payments = env.probe('payments');
    payments.respond = () => RETRY;
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'before' });
    expect(await groupDone(redis, 'orders', 'payments')).toBe(true);
    expect(payments.deliveries).toHaveLength(1);
    writeFileSync(path.join(env.resourcesDir, 'retries.yaml'), inboundRetries('50ms', 2));
    expect(await logged(env, /triggering SIGHUP reload/, 10_000, 'daprd payments')).toBe(true);
    expect(await logged(env, /Loading Resiliency configuration: lesson-retries/, 15_000, 'daprd payments')).toBe(true);
    expect(await until(async () => (await env.subscriptions('payments')).length === 1, 15_000)).toBe(true);
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'after' });
    expect(await payments.waitUntil((d) => d.filter((x) => (x.data as { orderId: string }).orderId === 'after').length === 3, 10_000)).toBe(true);
    // Reloading in place is starting over: daprd asked the app for its subscriptions a second time.
    expect(env.log.grep(/app is subscribed to the following topics/, ['daprd payments'])).toHaveLength(2);
  });
});

describe('topic scopes', { timeout: 60_000 }, () => {
  test('a subscription the topic scopes forbid is logged as an error ("Will retry"), still listed in /v1.0/metadata, and gets nothing; a forbidden publish fails with ERR_PUBSUB_FORBIDDEN', async () => {
    const env = await start({
      extraResources: [redisPubsub({ subscriptionScopes: 'payments=invoices', publishingScopes: 'publisher=orders' })],
      apps: [
        { appId: 'publisher' },
        { appId: 'payments', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] },
        { appId: 'audit', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] },
      ],
    });
    expect(await logged(env, /^error: .*is not allowed.*Will retry/i, 10_000, 'daprd payments')).toBe(true);
    expect((await env.subscriptions('payments')).map((s) => s.topic)).toEqual(['orders']);
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' });
    const redis = redisOf(env);
    expect(await groupDone(redis, 'orders', 'audit')).toBe(true);
    // payments never started reading: no consumer group of its own.
    expect((await groups(redis, 'orders')).map((g) => g.name)).toEqual(['audit']);
    expect(env.probe('payments').deliveries).toEqual([]);
    await expect(env.publish('publisher', 'pubsub', 'invoices', { invoiceId: 'i-1' })).rejects.toThrow(/403.*ERR_PUBSUB_FORBIDDEN/);
  });
});

describe('YAML quoting', { timeout: 60_000 }, () => {
  test('daprd loads unquoted numbers and booleans in component metadata', async () => {
    const unquoted = `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.redis
  version: v1
  metadata:
    - name: redisHost
      value: localhost:6379
    - name: concurrency
      value: 1
    - name: enableTLS
      value: false
`;
    const env = await start({ extraResources: [unquoted], apps: [{ appId: 'publisher' }, { appId: 'payments', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }] });
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' });
    expect(await env.probe('payments').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
  });

  test('a routing rule written as a plain (unquoted) YAML scalar keeps its inner double quotes and matches', async () => {
    const rule = `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: order-routing
spec:
  pubsubname: pubsub
  topic: orders
  routes:
    rules:
      - match: event.type == "order.created"
        path: /created
    default: /other
`;
    expect((parse(rule) as { spec: { routes: { rules: { match: string }[] } } }).spec.routes.rules[0]!.match).toBe('event.type == "order.created"');
    const env = await start({ extraResources: [redisPubsub(), rule], apps: [{ appId: 'publisher' }, { appId: 'payments', probe: [] }] });
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' }, { metadata: { 'cloudevent.type': 'order.created' } });
    expect(await env.probe('payments').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    expect(env.probe('payments').deliveries[0]!.path).toBe('/created');
  });

  test('quotes matter where YAML would read the text differently: " #" starts a comment, ": " a mapping', () => {
    expect(parse('value: amqp://guest:guest@localhost:5672 #primary')).toEqual({ value: 'amqp://guest:guest@localhost:5672' });
    expect(() => parse('match: event.data.note == "a: b"')).toThrow();
    expect(parse(`match: 'event.data.note == "a: b"'`)).toEqual({ match: 'event.data.note == "a: b"' });
  });
});

describe('a component that cannot start', { timeout: 60_000 }, () => {
  test('stops daprd (its failure is fatal), unless the component says ignoreErrors: true; a publish to it then fails with ERR_PUBSUB_NOT_FOUND', async () => {
    const unreachable = { redisHost: `127.0.0.1:${await freePort()}` };
    await expect(start({ redis: false, extraResources: [redisPubsub(unreachable)], apps: [{ appId: 'publisher' }] })).rejects.toThrow(/^The sidecar of publisher exited with code \d+: it could not reach the broker of component `pubsub`/);
    const env = await start({ redis: false, extraResources: [redisPubsub(unreachable, 'pubsub', '  ignoreErrors: true')], apps: [{ appId: 'publisher' }] });
    expect(await env.components('publisher')).toEqual([]);
    expect(env.app('publisher').sidecar.process.hasExited).toBe(false);
    await expect(env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' })).rejects.toThrow(/ERR_PUBSUB_NOT_FOUND/);
  });
});
