// Routing rules, as the lesson "Routing events by content" teaches them: what becomes of an event
// that matches no rule when there is no default route, and of one whose rule cannot be evaluated.
import { describe, expect, test } from 'vitest';
import { groupDone, inboundRetries, redisOf, redisPubsub, useEnvironments } from './lib.js';

const start = useEnvironments();
const created = { match: 'event.type == "order.created"', path: '/created' };

describe('routing rules', { timeout: 60_000 }, () => {
  test('with no default route, an event that matches no rule is acknowledged and never delivered; with a dead-letter topic it goes there', async () => {
    const env = await start({
      extraResources: [redisPubsub()],
      apps: [
        { appId: 'publisher' },
        {
          appId: 'router',
          probe: [
            { pubsubname: 'pubsub', topic: 'orders', routes: { rules: [created] } },
            { pubsubname: 'pubsub', topic: 'refunds', routes: { rules: [created] }, deadLetterTopic: 'refunds-dead' },
            { pubsubname: 'pubsub', topic: 'refunds-dead', route: '/dead' },
          ],
        },
      ],
    });
    const redis = redisOf(env);
    const router = env.probe('router');
    const cancelled = { metadata: { 'cloudevent.type': 'order.cancelled' } };
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' }, cancelled);
    await env.publish('publisher', 'pubsub', 'refunds', { orderId: 'r-1' }, cancelled);
    expect(await router.waitUntil((d) => d.some((x) => x.path === '/dead'), 10_000)).toBe(true);
    // Acknowledged: the group has read the stream and nothing is pending, so it never comes back.
    expect(await groupDone(redis, 'orders', 'router')).toBe(true);
    expect(await groupDone(redis, 'refunds', 'router')).toBe(true);
    expect(router.deliveries.map((d) => [d.path, d.data])).toEqual([['/dead', { orderId: 'r-1' }]]);
  });

  test('a rule that reads a missing field without has() is an error: no later rule and no default gets the event; it is acknowledged, or dead-lettered, with no retries', async () => {
    const rush = { match: 'event.data.rush == true', path: '/rush' };
    const catchAll = { match: 'true', path: '/any' };
    const env = await start({
      extraResources: [redisPubsub(), inboundRetries('100ms', 3)],
      apps: [
        { appId: 'publisher' },
        {
          appId: 'router',
          probe: [
            { pubsubname: 'pubsub', topic: 'orders', routes: { rules: [rush, catchAll], default: '/other' } },
            { pubsubname: 'pubsub', topic: 'refunds', routes: { rules: [rush, catchAll], default: '/other' }, deadLetterTopic: 'refunds-dead' },
            { pubsubname: 'pubsub', topic: 'refunds-dead', route: '/dead' },
            {
              pubsubname: 'pubsub',
              topic: 'guarded',
              routes: { rules: [{ match: 'has(event.data.rush) && event.data.rush == true', path: '/guarded-rush' }], default: '/guarded-other' },
            },
          ],
        },
      ],
    });
    const redis = redisOf(env);
    const router = env.probe('router');
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' });
    await env.publish('publisher', 'pubsub', 'refunds', { orderId: 'r-1' });
    await env.publish('publisher', 'pubsub', 'guarded', { orderId: 'g-1' });
    await env.publish('publisher', 'pubsub', 'guarded', { orderId: 'g-2', rush: true });
    expect(await router.waitUntil((d) => d.some((x) => x.path === '/dead') && d.filter((x) => x.topic === 'guarded').length === 2, 10_000)).toBe(true);
    expect(await groupDone(redis, 'orders', 'router')).toBe(true);
    expect(await groupDone(redis, 'refunds', 'router')).toBe(true);
    // One evaluation per event: the Resiliency policy does not retry a rule that fails.
    expect(env.log.grep(/error finding matching route/).length).toBe(2);
    expect(router.deliveries.map((d) => [d.path, d.data]).sort()).toEqual([
      ['/dead', { orderId: 'r-1' }],
      ['/guarded-other', { orderId: 'g-1' }],
      ['/guarded-rush', { orderId: 'g-2', rush: true }],
    ]);
  });
});
