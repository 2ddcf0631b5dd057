// What the lessons "Events instead of calls" and "Brokers and components" state about component
// files, proven against the real daprd: a file with an apiVersion daprd does not know is skipped
// without a word, component scopes hide the whole component, topic scoping metadata
// (publishingScopes, subscriptionScopes, protectedTopics, allowedTopics) limits topics as the lesson
// says, and one consumerID shared by different app-ids turns fan-out into competition.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { findDaprd } from '../../src/harness/daprd-binary.js';
import { RunLog } from '../../src/harness/environment.js';
import { freePorts } from '../../src/harness/ports.js';
import { startSidecar } from '../../src/harness/sidecar.js';
import { groupDone, groups, logged, redisOf, redisPubsub, until, useEnvironments } from './lib.js';

const start = useEnvironments();
const orders = { pubsubname: 'pubsub', topic: 'orders' };
const payments = { pubsubname: 'pubsub', topic: 'payments' };

describe('the silent skip', { timeout: 60_000 }, () => {
  test('a Component written with apiVersion dapr.io/v1 is ignored without a warning: daprd runs with no pubsub, and a publish fails with ERR_PUBSUB_NOT_FOUND ("pubsub pubsub is not found")', async () => {
    // The harness refuses such a file before daprd sees it, so this daprd is started by hand.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lesson-skip-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'pubsub.yaml'), redisPubsub().replace('dapr.io/v1alpha1', 'dapr.io/v1'));
    const [http, grpc, internalGrpc, metrics] = await freePorts(4);
    const log = new RunLog();
    const sidecar = startSidecar({
      daprd: findDaprd()!.path,
      appId: 'order-service',
      ports: { http: http!, grpc: grpc!, internalGrpc: internalGrpc!, metrics: metrics! },
      resourcesDir: dir,
      log,
    });
    onTestFinished(() => sidecar.process.stop());
    const status = async (pathname: string) => (await fetch(`${sidecar.url}${pathname}`)).status;
    expect(await until(async () => (await status('/v1.0/healthz/outbound')) === 204, 20_000)).toBe(true);
    const metadata = (await (await fetch(`${sidecar.url}/v1.0/metadata`)).json()) as { components?: unknown[] };
    expect(metadata.components ?? []).toEqual([]);
    const res = await fetch(`${sidecar.url}/v1.0/publish/pubsub/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'o-1' }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ errorCode: 'ERR_PUBSUB_NOT_FOUND', message: 'pubsub pubsub is not found' });
    expect(await until(() => log.grep(/dapr initialized. Status: Running/).length === 1, 10_000)).toBe(true);
    // Nothing said about the file: no warning or error names it, its component or its apiVersion.
    const noisy = log.all().filter((l) => /^(warn|warning|error|fatal):/.test(l.text));
    expect(noisy.filter((l) => /pubsub|dapr\.io\/v1\b|component/i.test(l.text))).toEqual([]);
  });

  test('a component daprd loads shows in its log as "Component loaded: pubsub (pubsub.redis/v1)"', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'order-service' }] });
    expect(env.log.grep(/Component loaded: pubsub \(pubsub\.redis\/v1\)/, ['daprd order-service'])).toHaveLength(1);
  });
});

describe('who may use a component, and which topics', { timeout: 60_000 }, () => {
  test('component scopes: an app-id not in the list gets no pubsub component at all, so it can neither publish nor subscribe', async () => {
    const scoped = `${redisPubsub()}scopes:\n  - order-service\n  - notification-service\n`;
    const env = await start({
      extraResources: [scoped],
      apps: [
        { appId: 'order-service' },
        { appId: 'notification-service', probe: [orders] },
        { appId: 'inventory-service', probe: [orders] },
      ],
    });
    expect((await env.components('notification-service')).map((c) => c.name)).toEqual(['pubsub']);
    expect(await env.components('inventory-service')).toEqual([]);
    await expect(env.publish('inventory-service', 'pubsub', 'orders', { orderId: 'o-0' })).rejects.toThrow(/ERR_PUBSUB_NOT_FOUND/);
    await env.publish('order-service', 'pubsub', 'orders', { orderId: 'o-1' });
    const redis = redisOf(env);
    expect(await groupDone(redis, 'orders', 'notification-service')).toBe(true);
    expect(env.probe('notification-service').deliveries.map((d) => d.data)).toEqual([{ orderId: 'o-1' }]);
    // inventory-service never read the topic: no consumer group of its own, nothing delivered.
    expect((await groups(redis, 'orders')).map((g) => g.name)).toEqual(['notification-service']);
    expect(env.probe('inventory-service').deliveries).toEqual([]);
  });

  test('the lesson\'s topic scopes: a listed app uses only its topics, an unlisted app any topic but a protected one, and only apps with payments in their own entry publish or subscribe to it', async () => {
    const scopes = redisPubsub({
      publishingScopes: 'order-service=orders;payment-service=payments',
      subscriptionScopes: 'notification-service=orders,payments',
      protectedTopics: 'payments',
    });
    const env = await start({
      extraResources: [scopes],
      apps: [
        { appId: 'order-service' },
        { appId: 'payment-service' },
        { appId: 'inventory-service' },
        { appId: 'notification-service', probe: [orders, payments] },
        { appId: 'audit', probe: [payments] },
      ],
    });
    const forbidden = /403.*ERR_PUBSUB_FORBIDDEN/;
    // order-service is listed: orders only.
    await env.publish('order-service', 'pubsub', 'orders', { orderId: 'o-1' });
    await expect(env.publish('order-service', 'pubsub', 'payments', { orderId: 'o-1' })).rejects.toThrow(forbidden);
    // inventory-service is not listed: not restricted, except for the protected topic.
    await env.publish('inventory-service', 'pubsub', 'orders', { orderId: 'o-2' });
    await env.publish('inventory-service', 'pubsub', 'stock', { sku: 'mug' });
    await expect(env.publish('inventory-service', 'pubsub', 'payments', { orderId: 'o-2' })).rejects.toThrow(forbidden);
    // Only payment-service has payments in its publishing entry.
    await env.publish('payment-service', 'pubsub', 'payments', { orderId: 'o-1', ok: true });
    // Only notification-service has payments in its subscription entry; audit's subscription is refused.
    const notifications = env.probe('notification-service');
    expect(await notifications.waitUntil((d) => d.length === 3, 10_000)).toBe(true);
    expect(notifications.deliveries.filter((d) => d.topic === 'payments').map((d) => d.data)).toEqual([{ orderId: 'o-1', ok: true }]);
    expect(await logged(env, /^error: .*is not allowed/i, 10_000, 'daprd audit')).toBe(true);
    expect((await groups(redisOf(env), 'payments')).map((g) => g.name)).toEqual(['notification-service']);
    expect(env.probe('audit').deliveries).toEqual([]);
  });

  test('allowedTopics: no other topic can be used by anyone, not even by an app whose scope entry lists it', async () => {
    const allowed = redisPubsub({ allowedTopics: 'orders', publishingScopes: 'order-service=orders,stock' });
    const env = await start({ extraResources: [allowed], apps: [{ appId: 'order-service' }, { appId: 'inventory-service' }] });
    const forbidden = /403.*ERR_PUBSUB_FORBIDDEN/;
    await env.publish('order-service', 'pubsub', 'orders', { orderId: 'o-1' });
    await env.publish('inventory-service', 'pubsub', 'orders', { orderId: 'o-2' });
    await expect(env.publish('order-service', 'pubsub', 'stock', { sku: 'mug' })).rejects.toThrow(forbidden);
    await expect(env.publish('inventory-service', 'pubsub', 'stock', { sku: 'mug' })).rejects.toThrow(forbidden);
  });
});

describe('consumer identity', { timeout: 60_000 }, () => {
  test('one consumerID set for every app in a shared component makes different app-ids compete: each message reaches only one of them, and nothing logs an error', async () => {
    const env = await start({
      extraResources: [redisPubsub({ consumerID: 'shop' })],
      apps: [{ appId: 'order-service' }, { appId: 'inventory', probe: [orders] }, { appId: 'notification', probe: [orders] }],
    });
    const count = 20;
    for (let n = 0; n < count; n++) await env.publish('order-service', 'pubsub', 'orders', { n });
    const redis = redisOf(env);
    expect(await groupDone(redis, 'orders', 'shop')).toBe(true);
    expect((await groups(redis, 'orders')).map((g) => g.name)).toEqual(['shop']);
    const seen = (app: string) => env.probe(app).deliveries.map((d) => (d.data as { n: number }).n);
    // Together they saw each message once: neither app saw all of them.
    expect([...seen('inventory'), ...seen('notification')].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, n) => n));
    expect(seen('inventory').length).toBeLessThan(count);
    expect(seen('notification').length).toBeLessThan(count);
    expect(env.log.all().filter((l) => l.source.startsWith('daprd') && /^(error|fatal):/.test(l.text))).toEqual([]);
  });
});
