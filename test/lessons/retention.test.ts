// How long Redis keeps a topic's messages, and what that means for a subscriber that starts late
// (lesson "Retries and dead letters", "Redis settings that are not retry settings").
import { describe, expect, test } from 'vitest';
import { groupDone, redisOf, redisPubsub, sleep, useEnvironments } from './lib.js';

const start = useEnvironments();
const orders = [{ pubsubname: 'pubsub', topic: 'orders' }];

describe('stream retention on Redis', { timeout: 90_000 }, () => {
  test('without a limit, a subscriber that starts late replays every message ever published to the topic', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }] });
    for (let n = 0; n < 50; n++) await env.publish('publisher', 'pubsub', 'orders', { n });
    await env.addApp({ appId: 'reporting', probe: orders });
    expect(await env.probe('reporting').waitUntil((d) => d.length === 50, 15_000)).toBe(true);
  });

  test('maxLenApprox trims the oldest messages, approximately (whole blocks of entries, so a few more than the limit may stay): a late subscriber replays only what is left', async () => {
    const env = await start({ extraResources: [redisPubsub({ maxLenApprox: '10' })], apps: [{ appId: 'publisher' }] });
    const redis = redisOf(env);
    for (let n = 0; n < 300; n++) await env.publish('publisher', 'pubsub', 'orders', { n });
    const left = await redis.xlen('orders');
    expect(left).toBeGreaterThanOrEqual(10);
    expect(left).toBeLessThan(300);
    await env.addApp({ appId: 'reporting', probe: orders });
    expect(await groupDone(redis, 'orders', 'reporting', 20_000)).toBe(true);
    const seen = env.probe('reporting').deliveries.map((d) => (d.data as { n: number }).n);
    expect(seen).toHaveLength(left);
    expect(Math.min(...seen)).toBe(300 - left);
  });

  test('streamTTL drops messages older than the TTL, when a later publish trims the stream', async () => {
    const env = await start({ extraResources: [redisPubsub({ streamTTL: '2s' })], apps: [{ appId: 'publisher' }] });
    const redis = redisOf(env);
    for (let n = 0; n < 150; n++) await env.publish('publisher', 'pubsub', 'orders', { n });
    await sleep(2500);
    expect(await redis.xlen('orders')).toBe(150);
    await env.publish('publisher', 'pubsub', 'orders', { n: 150 });
    const left = await redis.xlen('orders');
    expect(left).toBeLessThan(151);
    expect(left).toBeGreaterThanOrEqual(1);
  });
});
