// Correlating what the hops and the broker saw into one story per message.
import { describe, expect, test } from 'vitest';
import { correlate } from './correlate.js';
import { interpretAnswer } from './model.js';
import { delivery, entry, envelope, observations, publishCall, RETRY, stateSave, SUCCESS } from './testdata/observed.js';

const order = { orderId: 'o-1', amount: -5 };
const first = envelope('ev-1', 'orders', order);

describe('reading an app answer as daprd 1.18 does', () => {
  test.each([
    [200, '{"status":"SUCCESS"}', 'success', 'SUCCESS'],
    [200, '', 'success', '200 (empty: success)'],
    [204, 'ok', 'success', '204 (not JSON: success)'],
    [200, '{"status":""}', 'success', '200 (no status: success)'],
    [200, '{"status":"RETRY"}', 'retry', 'RETRY'],
    [200, '{"status":"success"}', 'retry', '"success" (unknown: retried)'],
    [200, '{"status":"DROP"}', 'drop', 'DROP'],
    [404, '', 'drop', 'HTTP 404 (dropped)'],
    [500, 'boom', 'retry', 'HTTP 500'],
    [400, '', 'retry', 'HTTP 400'],
    [undefined, '', 'error', 'no answer'],
  ] as const)('HTTP %s %j is %s', (status, body, outcome, label) => {
    expect(interpretAnswer(status, body)).toEqual({ outcome, label });
  });
});

describe('correlating a run', () => {
  test('numbers the attempts, gives the publish its id from the broker, and finds the dead letter and its delivery', () => {
    const events = correlate(
      observations({
        calls: [{ app: 'checkout', exchange: publishCall(1000, 'orders', order) }],
        deliveries: [
          { app: 'payments', exchange: delivery(1010, '/orders', first, 200, RETRY) },
          { app: 'payments', exchange: delivery(1060, '/orders', first, 200, RETRY) },
          { app: 'payments', exchange: delivery(1110, '/orders', first, 500, 'boom') },
          { app: 'payments', exchange: delivery(1120, '/dead', first, 200, SUCCESS) },
        ],
        broker: {
          at: 2000,
          streams: [
            { topic: 'orders', entries: [{ entryId: entry(1002), envelope: first }], groups: [{ name: 'payments', lastDeliveredId: entry(1002), pending: [] }] },
            { topic: 'orders-dead', entries: [{ entryId: entry(1115), envelope: first }], groups: [{ name: 'payments', lastDeliveredId: entry(1115), pending: [entry(1115)] }] },
          ],
        },
      }),
    );
    expect(events.map((e) => [e.kind, e.app, e.topic, e.attempt ?? '', e.answer?.label ?? e.state ?? ''])).toEqual([
      ['publish', 'checkout', 'orders', '', ''],
      ['delivery', 'payments', 'orders', 1, 'RETRY'],
      ['delivery', 'payments', 'orders', 2, 'RETRY'],
      ['delivery', 'payments', 'orders', 3, 'HTTP 500'],
      ['dead-letter', 'payments', 'orders-dead', '', ''],
      ['delivery', 'payments', 'orders-dead', 1, 'SUCCESS'],
      ['broker', 'payments', 'orders', '', 'acked'],
      ['broker', 'payments', 'orders-dead', '', 'pending'],
    ]);
    expect(events.every((e) => e.eventId === 'ev-1')).toBe(true);
    expect(events.find((e) => e.kind === 'dead-letter')).toMatchObject({ fromTopic: 'orders', at: 1115 });
    // The dead letter's delivery comes from the sidecar that dead-lettered it, the others from the publisher.
    expect(events.filter((e) => e.kind === 'delivery').map((e) => e.from)).toEqual(['checkout', 'checkout', 'checkout', 'payments']);
  });

  test('tells apart two publishes of equal topics by their data, and starts the attempts anew for a republished id', () => {
    const a = envelope('a', 'orders', { orderId: 'a' });
    const b = envelope('b', 'orders', { orderId: 'b' });
    const events = correlate(
      observations({
        calls: [
          { app: 'checkout', exchange: publishCall(1000, 'orders', { orderId: 'b' }) },
          { app: 'checkout', exchange: publishCall(1001, 'orders', { orderId: 'a' }) },
        ],
        checkPublishes: [
          { at: 3000, endedAt: 3002, via: 'payments', pubsub: 'pubsub', topic: 'orders', contentType: 'application/cloudevents+json', body: JSON.stringify(a), metadata: {} },
        ],
        deliveries: [
          { app: 'payments', exchange: delivery(1010, '/orders', b, 200, SUCCESS) },
          { app: 'payments', exchange: delivery(1011, '/orders', a, 200, SUCCESS) },
          { app: 'payments', exchange: delivery(3010, '/orders', a, 200, SUCCESS) },
        ],
      }),
    );
    const publishes = events.filter((e) => e.kind === 'publish');
    expect(publishes.map((p) => [p.app, p.eventId])).toEqual([
      ['checkout', 'b'],
      ['checkout', 'a'],
      ['check', 'a'],
    ]);
    expect(publishes[2]).toMatchObject({ by: 'check', via: 'payments' });
    expect(events.filter((e) => e.kind === 'delivery').map((d) => [d.eventId, d.attempt, d.from])).toEqual([
      ['b', 1, 'checkout'],
      ['a', 1, 'checkout'],
      ['a', 1, 'check'],
    ]);
  });

  test('marks a SUCCESS the SDK answered for a handler that threw', () => {
    const events = correlate(
      observations({
        deliveries: [{ app: 'payments', exchange: delivery(1010, '/orders', first, 200, SUCCESS, 5) }],
        handlerErrors: [{ app: 'payments', at: 1013, route: 'orders', error: 'Error: cannot charge' }],
      }),
    );
    expect(events[0]!.answer).toMatchObject({ outcome: 'success', label: 'SUCCESS', threw: 'Error: cannot charge' });
  });

  test('a connection the app refused is an attempt without an answer', () => {
    const events = correlate(observations({ deliveries: [{ app: 'payments', exchange: delivery(1010, '/orders', first, undefined) }] }));
    expect(events[0]!.answer).toMatchObject({ outcome: 'error', label: 'no answer (ECONNREFUSED)' });
  });

  test('a publish or state call made while handling an event names that event as its cause', () => {
    const reserved = envelope('ev-2', 'stock.reserved', { orderId: 'o-1' }, 'payments');
    const events = correlate(
      observations({
        deliveries: [{ app: 'payments', exchange: delivery(1000, '/orders', first, 200, SUCCESS, 20) }],
        calls: [
          { app: 'payments', exchange: stateSave(1005, ['stock-o-1']) },
          { app: 'payments', exchange: publishCall(1010, 'stock.reserved', { orderId: 'o-1' }) },
        ],
        broker: { at: 2000, streams: [{ topic: 'stock.reserved', entries: [{ entryId: entry(1011), envelope: reserved }], groups: [] }] },
      }),
    );
    expect(events.find((e) => e.kind === 'state')).toMatchObject({ operation: 'save', keys: ['stock-o-1'], causedBy: 'ev-1' });
    expect(events.find((e) => e.kind === 'publish')).toMatchObject({ eventId: 'ev-2', causedBy: 'ev-1' });
  });

  test('of two events handled at once, the cause is the one whose data the call names', () => {
    const one = envelope('ev-a', 'orders', { orderId: 'a', sku: 'sku-red' });
    const two = envelope('ev-b', 'orders', { orderId: 'b', sku: 'sku-blue' });
    const events = correlate(
      observations({
        deliveries: [
          { app: 'payments', exchange: delivery(1000, '/orders', one, 200, SUCCESS, 30) },
          { app: 'payments', exchange: delivery(1005, '/orders', two, 200, SUCCESS, 30) },
        ],
        calls: [
          { app: 'payments', exchange: stateSave(1010, ['stock-sku-red']) },
          { app: 'payments', exchange: publishCall(1012, 'stock.reserved', { orderId: 'a' }) },
          { app: 'payments', exchange: publishCall(1014, 'stock.reserved', { note: 'no id' }) },
        ],
      }),
    );
    expect(events.filter((e) => e.kind === 'state' || e.kind === 'publish').map((e) => e.causedBy)).toEqual(['ev-a', 'ev-a', 'ev-b']);
  });

  test('an event on the broker that no hop saw published is shown as seen on the broker; one never read is unread', () => {
    const events = correlate(
      observations({
        broker: {
          at: 5000,
          streams: [{ topic: 'orders', entries: [{ entryId: entry(1000), envelope: first }], groups: [{ name: 'payments', lastDeliveredId: '0-0', pending: [] }] }],
        },
      }),
    );
    expect(events.map((e) => [e.kind, e.by ?? e.state, e.app])).toEqual([
      ['publish', 'broker', 'checkout'],
      ['broker', 'unread', 'payments'],
    ]);
  });

  test('without a broker to read, a delivery on another topic than its envelope names was dead-lettered', () => {
    const events = correlate(
      observations({
        deliveries: [
          { app: 'payments', exchange: delivery(1010, '/orders', first, 200, '{"status":"DROP"}') },
          { app: 'payments', exchange: delivery(1020, '/dead', first, 200, SUCCESS) },
        ],
      }),
    );
    expect(events.map((e) => [e.kind, e.topic, e.answer?.outcome ?? ''])).toEqual([
      ['delivery', 'orders', 'drop'],
      ['dead-letter', 'orders-dead', ''],
      ['delivery', 'orders-dead', 'success'],
    ]);
  });

  test('bulk deliveries are one attempt per entry, answered per entry', () => {
    const bulk = {
      startedAt: 1000,
      endedAt: 1003,
      method: 'POST',
      url: '/orders',
      requestHeaders: { 'content-type': 'application/json' },
      requestBody: JSON.stringify({ entries: [{ entryId: 'e1', event: first, contentType: 'application/cloudevents+json' }, { entryId: 'e2', event: envelope('ev-9', 'orders', {}) }] }),
      status: 200,
      responseBody: JSON.stringify({ statuses: [{ entryId: 'e1', status: 'SUCCESS' }] }),
    };
    const events = correlate(observations({ deliveries: [{ app: 'payments', exchange: bulk }] }));
    expect(events.map((e) => [e.eventId, e.answer?.label])).toEqual([
      ['ev-1', 'SUCCESS'],
      ['ev-9', 'no status (bulk: retried)'],
    ]);
  });
});
