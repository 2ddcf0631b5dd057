// Dapr's transactional outbox on state.redis (lesson "A complete flow: the shop"): which writes
// publish, what the subscriber receives, and what a failed transaction does. Everything here was
// first seen in experiments on daprd 1.18.2 and is kept true by these tests.
import { describe, expect, test } from 'vitest';
import type { Environment } from '../../src/harness/environment.js';
import { groupDone, redisOf, redisPubsub, redisState, sdkClient, useEnvironments } from './lib.js';

const start = useEnvironments();
const outboxStore = redisState({ outboxPublishPubsub: 'pubsub', outboxPublishTopic: 'orders' });
const apps = [{ appId: 'shop' }, { appId: 'shipping', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }];

async function transaction(env: Environment, operations: unknown[]): Promise<Response> {
  return fetch(`${env.app('shop').daprUrl}/v1.0/state/statestore/transaction`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operations }),
  });
}

/** Waits until the shop's sidecar has finished with its internal outbox topic, `<namespace><app-id><topic>outbox`. */
async function outboxDone(env: Environment): Promise<boolean> {
  return groupDone(redisOf(env), 'defaultshopordersoutbox', 'shop', 20_000);
}

describe('the transactional outbox on state.redis', { timeout: 60_000 }, () => {
  test('each upsert of a state transaction is published by the sidecar to outboxPublishTopic; deletes and plain saves publish nothing', async () => {
    const env = await start({ extraResources: [redisPubsub(), outboxStore], apps });
    const upsert = (key: string) => ({ operation: 'upsert', request: { key, value: key } });
    expect((await transaction(env, [upsert('o-1'), upsert('o-2'), { operation: 'delete', request: { key: 'o-0' } }])).status).toBe(204);
    const { error } = await sdkClient(env, 'shop').state.save('statestore', [{ key: 'o-3', value: 'o-3' }]);
    expect(error).toBeUndefined();
    expect(await env.probe('shipping').waitUntil((d) => d.length === 2, 15_000)).toBe(true);
    expect(await outboxDone(env)).toBe(true);
    expect(await groupDone(redisOf(env), 'orders', 'shipping')).toBe(true);
    expect(env.probe('shipping').deliveries.map((d) => d.data).sort()).toEqual(['o-1', 'o-2']);
  });

  test('the event comes about a second after the transaction, with an id of its own (outbox-<uuid>), the type com.dapr.event.sent, and the saved value formatted as text unless the upsert says its content type is JSON', async () => {
    const env = await start({ extraResources: [redisPubsub(), outboxStore], apps });
    const order = { orderId: 'o-1', total: 12 };
    const written = Date.now();
    expect((await transaction(env, [{ operation: 'upsert', request: { key: 'o-1', value: order } }])).status).toBe(204);
    expect(await env.probe('shipping').waitUntil((d) => d.length === 1, 15_000)).toBe(true);
    const { event, at } = env.probe('shipping').deliveries[0]!;
    // The sidecar waits about a second before it looks for the written transaction.
    expect(at - written).toBeGreaterThan(900);
    expect(event).toMatchObject({ type: 'com.dapr.event.sent', source: 'shop', datacontenttype: 'text/plain', data: 'map[orderId:o-1 total:12]' });
    expect(String(event.id)).toMatch(/^outbox-[0-9a-f-]{36}$/);
    expect(await env.getState('shop', 'statestore', 'o-1')).toEqual(order);
  });

  test('on state.redis, an upsert whose metadata says contentType application/json fails (it needs RedisJSON); a projection with that content type publishes JSON and is not saved', async () => {
    const env = await start({ extraResources: [redisPubsub(), outboxStore], apps });
    const order = { orderId: 'o-1', total: 12, card: '4242' };
    const json = { contentType: 'application/json' };
    const refused = await transaction(env, [{ operation: 'upsert', request: { key: 'o-0', value: order, metadata: json } }]);
    expect(refused.status).toBe(500);
    expect(await refused.text()).toMatch(/Unknown Redis command/);
    const projected = await transaction(env, [
      { operation: 'upsert', request: { key: 'o-1', value: order } },
      { operation: 'upsert', request: { key: 'o-1', value: { orderId: 'o-1', total: 12 }, metadata: { 'outbox.projection': 'true', ...json } } },
    ]);
    expect(projected.status).toBe(204);
    expect(await env.probe('shipping').waitUntil((d) => d.some((x) => (x.data as { orderId?: string }).orderId === 'o-1'), 15_000)).toBe(true);
    const event = env.probe('shipping').deliveries.find((d) => (d.data as { orderId?: string }).orderId === 'o-1')!.event;
    expect(event).toMatchObject({ datacontenttype: 'application/json', data: { orderId: 'o-1', total: 12 } });
    expect(await env.getState('shop', 'statestore', 'o-1')).toEqual(order);
  });

  test('on state.redis, a failed transaction still publishes its events: Redis applies the other writes (no rollback), the outbox marker among them', async () => {
    const env = await start({ extraResources: [redisPubsub(), outboxStore], apps });
    expect((await transaction(env, [{ operation: 'upsert', request: { key: 'o-1', value: 'placed' } }])).status).toBe(204);
    const stale = await transaction(env, [{ operation: 'upsert', request: { key: 'o-1', value: 'cancelled', etag: '999' } }]);
    expect(stale.status).toBe(500);
    expect(await env.getState('shop', 'statestore', 'o-1')).toBe('placed');
    expect(await env.probe('shipping').waitUntil((d) => d.length === 2, 15_000)).toBe(true);
    expect(env.probe('shipping').deliveries.map((d) => d.data).sort()).toEqual(['cancelled', 'placed']);
  });

  test('metadata on the upsert is copied into the envelope as it is: `type` sets the event type; the documented outbox.cloudevent.type does not', async () => {
    const env = await start({ extraResources: [redisPubsub(), outboxStore], apps });
    expect((await transaction(env, [
      { operation: 'upsert', request: { key: 'o-1', value: 'a', metadata: { type: 'order.created' } } },
      { operation: 'upsert', request: { key: 'o-2', value: 'b', metadata: { 'outbox.cloudevent.type': 'order.created' } } },
    ])).status).toBe(204);
    expect(await env.probe('shipping').waitUntil((d) => d.length === 2, 15_000)).toBe(true);
    const byData = new Map(env.probe('shipping').deliveries.map((d) => [d.data, d.event]));
    expect(byData.get('a')!.type).toBe('order.created');
    expect(byData.get('b')!.type).toBe('com.dapr.event.sent');
    expect(byData.get('b')!['outbox.cloudevent.type']).toBe('order.created');
  });

  test('the SDK\'s state.transaction throws when the transaction fails, where state.save returns { error }; its etag must be passed as a plain string', async () => {
    const env = await start({ extraResources: [redisPubsub(), redisState()], apps: [{ appId: 'shop' }] });
    const client = sdkClient(env, 'shop');
    await client.state.save('statestore', [{ key: 'o-1', value: 'placed' }]);
    // The SDK types a transaction's etag as { value }, which daprd cannot read.
    await expect(client.state.transaction('statestore', [{ operation: 'upsert', request: { key: 'o-1', value: 'x', etag: { value: '999' } } }])).rejects.toThrow(/ERR_MALFORMED_REQUEST/);
    const stale = { key: 'o-1', value: 'x', etag: '999' as unknown as { value: string } };
    await expect(client.state.transaction('statestore', [{ operation: 'upsert', request: stale }])).rejects.toThrow(/ERR_STATE_TRANSACTION/);
    const { error } = await client.state.save('statestore', [{ key: 'o-1', value: 'x', etag: '999' }]);
    expect(error).toBeDefined();
    expect(await env.getState('shop', 'statestore', 'o-1')).toBe('placed');
  });
});
