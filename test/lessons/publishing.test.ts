// What the lesson "Publishing events" states about failures, metadata, message TTL and the
// CloudEvent envelope, proven against the real daprd and the SDK.
import { CommunicationProtocolEnum, DaprClient, LogLevel } from '@dapr/dapr';
import { describe, expect, test } from 'vitest';
import { freePort } from '../../src/harness/ports.js';
import { groupDone, logged, redisOf, redisPubsub, sleep, sdkClient, useEnvironments } from './lib.js';

const start = useEnvironments();
const orders = [{ pubsubname: 'pubsub', topic: 'orders' }];

describe('noticing a failed publish', { timeout: 60_000 }, () => {
  test('over HTTP a failed publish resolves with { error }; over gRPC the same publish throws', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }] });
    const http = await sdkClient(env, 'publisher', 'http').pubsub.publish('no-such-pubsub', 'orders', { orderId: 'o-1' });
    expect(http.error).toBeInstanceOf(Error);
    await expect(sdkClient(env, 'publisher', 'grpc').pubsub.publish('no-such-pubsub', 'orders', { orderId: 'o-1' })).rejects.toBeDefined();
  });

  test('with no sidecar, every SDK call waits about 30 s for one, not only the first', { timeout: 120_000 }, async () => {
    const client = new DaprClient({
      daprHost: '127.0.0.1',
      daprPort: String(await freePort()),
      communicationProtocol: CommunicationProtocolEnum.HTTP,
      logger: { level: LogLevel.Error },
    });
    for (let call = 0; call < 2; call++) {
      const began = Date.now();
      const { error } = await client.pubsub.publish('pubsub', 'orders', { orderId: 'o-1' });
      expect(error).toBeDefined();
      expect(Date.now() - began).toBeGreaterThan(25_000);
    }
  });

  test('over HTTP, publishBulk reports nothing when the broker refuses the entries: daprd answers with entryId, the SDK reads entryID', async () => {
    const env = await start({ extraResources: [redisPubsub({ redisMaxRetries: '0', dialTimeout: '1s' })], apps: [{ appId: 'publisher' }] });
    await env.redis!.stop();
    const entries = [{ entryId: 'a', event: { sku: 'mug' }, contentType: 'application/json' }];
    const raw = await fetch(`${env.app('publisher').daprUrl}/v1.0-alpha1/publish/bulk/pubsub/stock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(entries),
    });
    expect(raw.status).toBe(500);
    expect(((await raw.json()) as { failedEntries: { entryId: string }[] }).failedEntries.map((e) => e.entryId)).toEqual(['a']);
    const { failedMessages } = await sdkClient(env, 'publisher').pubsub.publishBulk('pubsub', 'stock', [{ entryID: 'a', event: { sku: 'mug' } }]);
    expect(failedMessages).toEqual([]);
  });

  test('a bulk publish the sidecar refuses as a whole comes back with every entry in failedMessages', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }] });
    const { failedMessages } = await sdkClient(env, 'publisher').pubsub.publishBulk('no-such-pubsub', 'stock', [
      { entryID: 'a', event: { sku: 'mug' } },
      { entryID: 'b', event: { sku: 'tee' } },
    ]);
    expect(failedMessages.map((f) => f.message.entryID).sort()).toEqual(['a', 'b']);
  });
});

describe('publish metadata and the envelope', { timeout: 60_000 }, () => {
  test('metadata keys with no meaning to Dapr reach a Redis subscriber as lowercased HTTP headers', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }, { appId: 'payments', probe: orders }] });
    const { error } = await sdkClient(env, 'publisher').pubsub.publish('pubsub', 'orders', { orderId: 'o-1' }, { metadata: { correlationId: 'c-42' } });
    expect(error).toBeUndefined();
    expect(await env.probe('payments').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    const { headers, event } = env.probe('payments').deliveries[0]!;
    expect(headers.correlationid).toBe('c-42');
    expect(event.id).not.toBe('c-42');
  });

  test('an object the SDK recognises as a CloudEvent (id, source, type, specversion) is sent as one and becomes the envelope itself', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }, { appId: 'payments', probe: orders }] });
    const cloudEvent = { specversion: '1.0', id: 'inv-7', source: 'billing', type: 'invoice.paid', datacontenttype: 'application/json', data: { invoiceId: 'i-7' }, region: 'eu' };
    const { error } = await sdkClient(env, 'publisher').pubsub.publish('pubsub', 'orders', cloudEvent);
    expect(error).toBeUndefined();
    expect(await env.probe('payments').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    expect(env.probe('payments').deliveries[0]!.event).toMatchObject({ id: 'inv-7', source: 'billing', type: 'invoice.paid', data: { invoiceId: 'i-7' }, region: 'eu' });
  });

  test('ttlInSeconds: an event still unread when its TTL runs out is dropped by the subscriber\'s sidecar', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }] });
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'short-lived' }, { metadata: { ttlInSeconds: '1' } });
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'long-lived' });
    // The TTL is time: let it run out before anyone reads the stream.
    await sleep(2500);
    await env.addApp({ appId: 'audit', probe: orders });
    const redis = redisOf(env);
    expect(await groupDone(redis, 'orders', 'audit')).toBe(true);
    expect(env.probe('audit').deliveries.map((d) => d.data)).toEqual([{ orderId: 'long-lived' }]);
    expect(await logged(env, /dropping expired pub\/sub event/, 1000, 'daprd audit')).toBe(true);
  });

  test('an expired event goes to the dead-letter topic still carrying its expiration: a subscriber of that topic drops it too, unless it reads raw payloads', async () => {
    const env = await start({ extraResources: [redisPubsub()], apps: [{ appId: 'publisher' }] });
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'short-lived' }, { metadata: { ttlInSeconds: '1' } });
    await sleep(2500);
    const dead = { pubsubname: 'pubsub', topic: 'orders-dead' };
    await env.addApp({ appId: 'payments', probe: [{ ...orders[0]!, deadLetterTopic: 'orders-dead' }, dead] });
    await env.addApp({ appId: 'dead-letter-reader', probe: [{ ...dead, metadata: { rawPayload: 'true' } }] });
    const redis = redisOf(env);
    const reader = env.probe('dead-letter-reader');
    expect(await reader.waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    const original = JSON.parse(Buffer.from(String(reader.deliveries[0]!.event.data_base64), 'base64').toString('utf8')) as Record<string, unknown>;
    expect(original).toMatchObject({ data: { orderId: 'short-lived' }, topic: 'orders' });
    expect(original).toHaveProperty('expiration');
    expect(await groupDone(redis, 'orders-dead', 'payments')).toBe(true);
    expect(await groupDone(redis, 'orders', 'payments')).toBe(true);
    expect(env.probe('payments').deliveries).toEqual([]);
  });

  test('ttlInSeconds in a pubsub.redis component sets no TTL: only the per-message key does', async () => {
    const env = await start({ extraResources: [redisPubsub({ ttlInSeconds: '1' })], apps: [{ appId: 'publisher' }] });
    await env.publish('publisher', 'pubsub', 'orders', { orderId: 'o-1' });
    await sleep(2500);
    await env.addApp({ appId: 'payments', probe: orders });
    expect(await env.probe('payments').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
  });
});
