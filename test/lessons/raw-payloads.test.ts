// Raw payloads, for talking to producers and consumers that are not Dapr apps (lesson "Publishing
// events"): what goes into the broker, what a subscriber's sidecar makes of a message that is not a
// CloudEvent, and the SDK's JSON-stringified subscription metadata.
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { groupDone, logged, redisOf, redisPubsub, useEnvironments } from './lib.js';

const start = useEnvironments();
const apps = path.join(import.meta.dirname, 'apps');
const decode = (base64: unknown) => Buffer.from(String(base64), 'base64').toString('utf8');

describe('raw payloads', { timeout: 60_000 }, () => {
  test('with rawPayload=true, the publisher\'s bytes go into the broker as they are, with no CloudEvent around them', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }] });
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' }, { metadata: { rawPayload: 'true' } });
    const [[, fields]] = (await redisOf(env).xrange('orders', '-', '+')) as [string, string[]][];
    expect(fields![fields!.indexOf('data') + 1]).toBe('{"orderId":"o-1"}');
  });

  test('a message written by a non-Dapr producer reaches a rawPayload subscriber in a CloudEvent its sidecar makes around it, the bytes base64 in data_base64', async () => {
    const env = await start({
      extraResources: [redisPubsub()],
      apps: [{ appId: 'billing', probe: [{ pubsubname: 'pubsub', topic: 'orders', metadata: { rawPayload: 'true' } }] }],
    });
    await redisOf(env).xadd('orders', '*', 'data', '{"sku":"mug"}');
    expect(await env.probe('billing').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    const { event } = env.probe('billing').deliveries[0]!;
    expect(decode(event.data_base64)).toBe('{"sku":"mug"}');
    expect(event).toMatchObject({ datacontenttype: 'application/octet-stream', type: 'com.dapr.event.sent', topic: 'orders' });
    expect(event).not.toHaveProperty('data');
  });

  test('without rawPayload, a raw JSON message is taken for the envelope itself, and a raw message that is not JSON is never delivered', async () => {
    const env = await start({
      extraResources: [redisPubsub()],
      apps: [{ appId: 'billing', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }],
    });
    const redis = redisOf(env);
    await redis.xadd('orders', '*', 'data', 'not json');
    await redis.xadd('orders', '*', 'data', '{"sku":"mug"}');
    expect(await env.probe('billing').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    expect(await groupDone(redis, 'orders', 'billing')).toBe(true);
    expect(env.probe('billing').deliveries.map((d) => d.event)).toEqual([{ sku: 'mug' }]);
  });

  test('DaprServer JSON-stringifies subscription metadata: { rawPayload: true } works, { rawPayload: "true" } arrives as "\\"true\\"" and daprd refuses every message', async () => {
    const env = await start({
      extraResources: [redisPubsub()],
      apps: [{ appId: 'publisher' }, { appId: 'billing', command: ['npx', 'tsx', 'raw-subscriber.ts'], cwd: apps }],
    });
    for (const topic of ['raw-string', 'raw-boolean']) {
      await env.publish('publisher', 'pubsub', topic, { orderId: topic }, { metadata: { rawPayload: 'true' } });
    }
    const redis = redisOf(env);
    expect(await groupDone(redis, 'raw-boolean', 'billing')).toBe(true);
    expect(await groupDone(redis, 'raw-string', 'billing')).toBe(true);
    const received = (await (await fetch(`${env.app('billing').appUrl}/received`)).json()) as { topic: string; data: unknown }[];
    expect(received).toEqual([{ topic: 'raw-boolean', data: { orderId: 'raw-boolean' } }]);
    expect(await logged(env, /rawPayload value must be a valid boolean: actual is '"true"'/)).toBe(true);
  });
});
