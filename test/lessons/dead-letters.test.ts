// Replaying dead letters, as the lesson "Retries and dead letters" describes it: what a replay with
// `pubsub.publish` really sends, and what it takes to keep the event's type and id.
import { describe, expect, test } from 'vitest';
import { redisPubsub, sdkClient, useEnvironments } from './lib.js';

const start = useEnvironments();

describe('replaying a dead letter', { timeout: 60_000 }, () => {
  test('republishing a dead letter\'s data makes a new event (type com.dapr.event.sent, new id) that type routing sends to the default route, unless cloudevent.type and cloudevent.id are passed again', async () => {
    const env = await start({
      extraResources: [redisPubsub()],
      apps: [
        { appId: 'replayer' },
        {
          appId: 'payments',
          probe: [
            {
              pubsubname: 'pubsub',
              topic: 'orders',
              routes: { rules: [{ match: 'event.type == "order.created"', path: '/created' }], default: '/other' },
              deadLetterTopic: 'orders-dead',
            },
            { pubsubname: 'pubsub', topic: 'orders-dead', route: '/dead' },
          ],
        },
      ],
    });
    const payments = env.probe('payments');
    let failing = true;
    payments.respond = (d) => (d.path === '/created' && failing ? { status: 200, body: { status: 'DROP' } } : { status: 200, body: { status: 'SUCCESS' } });
    await env.publish('replayer', 'pubsub', 'orders', { orderId: 'o-1' }, { metadata: { 'cloudevent.type': 'order.created', 'cloudevent.id': 'o-1' } });
    expect(await payments.waitUntil((d) => d.some((x) => x.path === '/dead'), 10_000)).toBe(true);
    const dead = payments.deliveries.find((d) => d.path === '/dead')!;
    expect(dead.event).toMatchObject({ id: 'o-1', type: 'order.created' });
    failing = false;

    const client = sdkClient(env, 'replayer');
    await client.pubsub.publish('pubsub', 'orders', dead.data as object);
    expect(await payments.waitUntil((d) => d.some((x) => x.path === '/other'), 10_000)).toBe(true);
    const plainReplay = payments.deliveries.find((d) => d.path === '/other')!;
    expect(plainReplay.event.type).toBe('com.dapr.event.sent');
    expect(plainReplay.event.id).not.toBe('o-1');

    await client.pubsub.publish('pubsub', 'orders', dead.data as object, {
      metadata: { 'cloudevent.type': String(dead.event.type), 'cloudevent.id': String(dead.event.id) },
    });
    expect(await payments.waitUntil((d) => d.filter((x) => x.path === '/created').length === 2, 10_000)).toBe(true);
    expect(payments.deliveries.filter((d) => d.path === '/created').at(-1)!.event).toMatchObject({ id: 'o-1', type: 'order.created' });
  });
});
