// Dead letters, as the lesson "Retries and dead letters" describes them: which handler answers are
// retried and which go straight to the dead-letter topic, and what a replay with `pubsub.publish`
// really sends, and what it takes to keep the event's type and id.
import { describe, expect, test } from 'vitest';
import type { ProbeAnswer } from '../../src/harness/probe.js';
import { groupDone, inboundRetries, redisOf, redisPubsub, sdkClient, useEnvironments } from './lib.js';

const start = useEnvironments();

describe('which answers are failures', { timeout: 60_000 }, () => {
  test('with maxRetries 2 and a dead-letter topic: RETRY, an unknown status and HTTP 500 get 3 attempts, DROP and 404 one, then the dead-letter topic; an empty 200 is success; with no retry policy a RETRY gets one attempt', async () => {
    // Each topic's subscriber answers one way; every failure ends in the topic `dead` (or, on the
    // component with no retry policy, `plain-dead`).
    const answers: Record<string, ProbeAnswer> = {
      'a-retry': { status: 200, body: { status: 'RETRY' } },
      'a-unknown': { status: 200, body: { status: 'failed' } },
      'a-500': { status: 500 },
      'a-drop': { status: 200, body: { status: 'DROP' } },
      'a-404': { status: 404 },
      'a-empty': { status: 200 },
      'a-no-policy': { status: 200, body: { status: 'RETRY' } },
    };
    const pubsubOf = (topic: string) => (topic === 'a-no-policy' ? 'plain' : 'pubsub');
    const env = await start({
      extraResources: [redisPubsub(), redisPubsub({}, 'plain'), inboundRetries('100ms', 2)],
      apps: [
        { appId: 'publisher' },
        {
          appId: 'payments',
          probe: [
            ...Object.keys(answers).map((topic) => ({
              pubsubname: pubsubOf(topic),
              topic,
              deadLetterTopic: pubsubOf(topic) === 'plain' ? 'plain-dead' : 'dead',
            })),
            { pubsubname: 'pubsub', topic: 'dead', route: '/dead' },
            { pubsubname: 'plain', topic: 'plain-dead', route: '/dead' },
          ],
        },
      ],
    });
    const redis = redisOf(env);
    const payments = env.probe('payments');
    payments.respond = (d) => (d.path === '/dead' ? { status: 200 } : answers[d.topic]!);
    for (const topic of Object.keys(answers)) await env.publish('publisher', pubsubOf(topic), topic, { orderId: topic });
    expect(await payments.waitUntil((d) => d.filter((x) => x.path === '/dead').length === 6, 15_000)).toBe(true);
    // Every stream read and nothing pending: no attempt is still to come.
    for (const topic of [...Object.keys(answers), 'dead', 'plain-dead']) expect(await groupDone(redis, topic, 'payments')).toBe(true);
    const attempts = Object.fromEntries(Object.keys(answers).map((topic) => [topic, payments.on(topic).length]));
    expect(attempts).toEqual({ 'a-retry': 3, 'a-unknown': 3, 'a-500': 3, 'a-drop': 1, 'a-404': 1, 'a-empty': 1, 'a-no-policy': 1 });
    // A dead letter keeps the topic it failed on in its envelope.
    const deadFrom = payments.on('/dead').map((d) => d.event.topic).sort();
    expect(deadFrom).toEqual(['a-404', 'a-500', 'a-drop', 'a-no-policy', 'a-retry', 'a-unknown']);
  });
});

describe('replaying a dead letter', { timeout: 60_000 }, () => {
  test('republishing a dead letter\'s data makes a new event (type com.dapr.event.sent, new id) that type routing sends to the default route, unless cloudevent.type and cloudevent.id are passed again; the type reaches the headers only as publish metadata', async () => {
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
    // What an SDK handler gets beside the data is the request's headers: on Redis they hold the
    // publisher's metadata, so `cloudevent.type` only where the publisher passed it that way.
    expect(dead.headers['cloudevent.type']).toBe('order.created');
    failing = false;

    const client = sdkClient(env, 'replayer');
    await client.pubsub.publish('pubsub', 'orders', dead.data as object);
    expect(await payments.waitUntil((d) => d.some((x) => x.path === '/other'), 10_000)).toBe(true);
    const plainReplay = payments.deliveries.find((d) => d.path === '/other')!;
    expect(plainReplay.event.type).toBe('com.dapr.event.sent');
    expect(plainReplay.event.id).not.toBe('o-1');
    expect(plainReplay.headers['cloudevent.type']).toBeUndefined();

    await client.pubsub.publish('pubsub', 'orders', dead.data as object, {
      metadata: { 'cloudevent.type': String(dead.event.type), 'cloudevent.id': String(dead.event.id) },
    });
    expect(await payments.waitUntil((d) => d.filter((x) => x.path === '/created').length === 2, 10_000)).toBe(true);
    expect(payments.deliveries.filter((d) => d.path === '/created').at(-1)!.event).toMatchObject({ id: 'o-1', type: 'order.created' });
  });
});
