// At-least-once delivery on Redis, as the lessons teach it ("Retries and dead letters", "A complete
// flow: the shop", "Summary"): when a message is lost, when it comes again, and that Dapr never
// removes duplicates for you.
import { describe, expect, test } from 'vitest';
import type { ProbeAnswer } from '../../src/harness/probe.js';
import { groupDone, groups, inboundRetries, logged, redisOf, redisPubsub, useEnvironments } from './lib.js';

const start = useEnvironments();
const RETRY: ProbeAnswer = { status: 200, body: { status: 'RETRY' } };
const orders = [{ pubsubname: 'pubsub', topic: 'orders' }];

describe('at-least-once delivery on Redis', { timeout: 60_000 }, () => {
  test('a message whose retries outlast processingTimeout is delivered again by Redis while its first delivery still retries: several chains of attempts at once', async () => {
    const env = await start({
      // Retries take 7 x 500 ms = 3.5 s, longer than processingTimeout (2 s).
      extraResources: [redisPubsub({ processingTimeout: '2s', redeliverInterval: '500' }), inboundRetries('500ms', 7)],
      apps: [{ appId: 'publisher' }, { appId: 'payments', probe: orders }],
    });
    env.probe('payments').respond = () => RETRY;
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' }, { metadata: { 'cloudevent.id': 'o-1' } });
    // One delivery with its retries is 8 attempts; a 9th can only come from Redis reclaiming it.
    expect(await env.probe('payments').waitUntil((d) => d.length > 12, 15_000)).toBe(true);
    const deliveries = env.probe('payments').deliveries;
    expect(new Set(deliveries.map((d) => d.event.id))).toEqual(new Set(['o-1']));
    // One chain of retries is 500 ms apart; two deliveries closer than that are two chains at once.
    const gaps = deliveries.slice(1).map((d, i) => d.at - deliveries[i]!.at);
    expect(Math.min(...gaps)).toBeLessThan(400);
  });

  test('redeliverInterval takes a bare number of milliseconds only: "500ms" is ignored, silently, and the reclaim loop keeps its default 15 s', { timeout: 90_000 }, async () => {
    const env = await start({
      // As in the test above, but the interval written as a duration string.
      extraResources: [redisPubsub({ processingTimeout: '2s', redeliverInterval: '500ms' }), inboundRetries('500ms', 7)],
      apps: [{ appId: 'publisher' }, { appId: 'payments', probe: orders }],
    });
    const payments = env.probe('payments');
    payments.respond = () => RETRY;
    expect(await groupDone(redisOf(env), 'orders', 'payments')).toBe(true);
    const subscribedAt = Date.now();
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' });
    // With a 500 ms loop the message would be back within about 3 s (the test above sees more than
    // 12 deliveries); here, the 8 attempts of one chain and nothing more for 10 s.
    expect(await payments.waitUntil((d) => d.length > 8, 10_000)).toBe(false);
    expect(payments.deliveries).toHaveLength(8);
    // Then the loop's first tick, 15 s after the subscription started, claims it again.
    expect(await payments.waitUntil((d) => d.length > 8, 20_000)).toBe(true);
    expect(payments.deliveries[8]!.at - subscribedAt).toBeGreaterThan(12_000);
    expect(env.log.grep(/redeliverInterval/i)).toEqual([]);
  });

  test('a message whose retries fit in processingTimeout is delivered 1 + maxRetries times, then acknowledged', async () => {
    const env = await start({
      extraResources: [redisPubsub({ processingTimeout: '10s', redeliverInterval: '500' }), inboundRetries('100ms', 3)],
      apps: [{ appId: 'publisher' }, { appId: 'payments', probe: orders }],
    });
    const redis = redisOf(env);
    env.probe('payments').respond = () => RETRY;
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' });
    // Acknowledged means Redis will never hand it out again: the count is final.
    expect(await groupDone(redis, 'orders', 'payments')).toBe(true);
    expect(env.probe('payments').deliveries).toHaveLength(4);
  });

  test('with the app down and its sidecar up, a message is retried, acknowledged and lost', async () => {
    const env = await start({
      extraResources: [redisPubsub(), inboundRetries('100ms', 3)],
      apps: [{ appId: 'publisher' }, { appId: 'payments', probe: orders }],
    });
    const redis = redisOf(env);
    const payments = env.probe('payments');
    // Down once it has subscribed (its consumer group exists), as a running service goes down.
    expect(await groupDone(redis, 'orders', 'payments')).toBe(true);
    await payments.close();
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'while-down' });
    // The sidecar read it, could not reach the app 4 times, and acknowledged it.
    expect(await groupDone(redis, 'orders', 'payments')).toBe(true);
    await payments.listen(env.app('payments').appPort);
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'after-restart' });
    expect(await payments.waitUntil((d) => d.length > 0, 10_000)).toBe(true);
    expect(await groupDone(redis, 'orders', 'payments')).toBe(true);
    expect(payments.deliveries.map((d) => d.data)).toEqual([{ orderId: 'after-restart' }]);
  });

  test('with the app and its sidecar both stopped, a message waits in Redis and reaches the sidecar that comes back', async () => {
    const env = await start({
      extraResources: [redisPubsub(), inboundRetries('100ms', 3)],
      apps: [{ appId: 'publisher' }, { appId: 'payments', probe: orders }],
    });
    const redis = redisOf(env);
    await env.app('payments').sidecar.process.stop();
    await env.app('payments').probe!.close();
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'while-down' });
    const [[lastId]] = (await redis.xrevrange('orders', '+', '-', 'COUNT', 1)) as [string, string[]][];
    expect((await groups(redis, 'orders')).find((g) => g.name === 'payments')?.lastDeliveredId).not.toBe(lastId);
    // The same app-id again, as a restarted sidecar and app: the same consumer group.
    await env.addApp({ appId: 'payments', name: 'payments-again', probe: orders });
    expect(await env.probe('payments-again').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    expect(env.probe('payments-again').deliveries[0]!.data).toEqual({ orderId: 'while-down' });
  });

  const healthChecks = ['--enable-app-health-check', '--app-health-probe-interval', '1', '--app-health-threshold', '1', '--app-health-probe-timeout', '500'];

  test('with app health checks, a message published while the app is down is delivered once it is back, at the latest after processingTimeout', async () => {
    const env = await start({
      extraResources: [redisPubsub({ processingTimeout: '3s', redeliverInterval: '500' }), inboundRetries('100ms', 3)],
      apps: [{ appId: 'publisher' }, { appId: 'payments', probe: orders, sidecarArgs: healthChecks }],
    });
    const payments = env.probe('payments');
    // Down once it has subscribed (its consumer group exists), as a running service goes down: an app
    // that goes down while daprd is still asking it for its subscriptions may never be subscribed
    // once it is healthy again (seen on daprd 1.18.2 under load: "failed to subscribe to topics:
    // app is not in a healthy state", then "App entered healthy status", and no subscription).
    expect(await groupDone(redisOf(env), 'orders', 'payments')).toBe(true);
    await payments.close();
    expect(await logged(env, /App entered un-healthy status/)).toBe(true);
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'while-down' });
    await payments.listen(env.app('payments').appPort);
    // The sidecar may already have read it (then it is pending, not acknowledged, and comes back
    // after processingTimeout) or not yet (then it is read as soon as the app is healthy).
    expect(await payments.waitUntil((d) => d.length > 0, 15_000)).toBe(true);
    expect(payments.deliveries[0]!.data).toEqual({ orderId: 'while-down' });
  });

  test('with app health checks, a message in flight when the app goes down stays pending and comes back after processingTimeout', async () => {
    const env = await start({
      extraResources: [redisPubsub({ processingTimeout: '3s', redeliverInterval: '500' }), inboundRetries('200ms', 50)],
      apps: [{ appId: 'publisher' }, { appId: 'payments', probe: orders, sidecarArgs: healthChecks }],
    });
    const redis = redisOf(env);
    const payments = env.probe('payments');
    payments.respond = () => RETRY;
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'in-flight' });
    expect(await payments.waitUntil((d) => d.length > 0, 10_000)).toBe(true);
    await payments.close();
    expect(await logged(env, /App entered un-healthy status/)).toBe(true);
    // Not acknowledged: still pending in the consumer group.
    expect((await groups(redis, 'orders')).find((g) => g.name === 'payments')?.pending).toBe(1);
    const before = payments.deliveries.length;
    payments.respond = () => ({ status: 200, body: { status: 'SUCCESS' } });
    await payments.listen(env.app('payments').appPort);
    expect(await payments.waitUntil((d) => d.length > before, 15_000)).toBe(true);
    expect(payments.deliveries.at(-1)!.data).toEqual({ orderId: 'in-flight' });
    expect(await groupDone(redis, 'orders', 'payments')).toBe(true);
  });

  test('Dapr does not remove duplicates: the same event published twice, same id, is delivered twice', async () => {
    const env = await start({
      extraResources: [redisPubsub()],
      apps: [{ appId: 'publisher' }, { appId: 'payments', probe: orders }],
    });
    for (let i = 0; i < 2; i++) {
      await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' }, { metadata: { 'cloudevent.id': 'order-o-1' } });
    }
    expect(await env.probe('payments').waitUntil((d) => d.length === 2, 10_000)).toBe(true);
    expect(env.probe('payments').deliveries.map((d) => d.event.id)).toEqual(['order-o-1', 'order-o-1']);
  });
});

