// Grades exercises/04-pubsub/publish-order: the checkout service publishes each order it is given,
// as a JSON object, with its CloudEvent type and id set, and answers an error when the publish fails
// (and publishes that order when it is posted again, once publishes work again).
// The failure is forced: the run's Redis refuses XADD (redis-faults.ts), so the real daprd answers
// the SDK with a real error.
import { describe, test } from 'vitest';
import type { Delivery } from '../lib/exercise.js';
import { useExercise } from '../lib/exercise.js';
import { orderIdIn } from '../lib/order-id.js';
import { failWithCause, must, postJson, requires } from '../lib/expect.js';
import { useRedisFaults } from '../lib/redis-faults.js';
import { useRedisStreams } from '../lib/redis-streams.js';

const env = useExercise({
  probes: [{ appId: 'order-watcher', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }],
});
const streams = useRedisStreams(env);
const faults = useRedisFaults(env);

const PUBLISHED = 'an order posted to /orders is published to the orders topic';
const orders = [
  { orderId: 'order-1001', customer: 'ada', total: 42.5 },
  { orderId: 'order-1002', customer: 'bob', total: 7 },
];
const refused = { orderId: 'order-1003', customer: 'cy', total: 3 };

const idOf = orderIdIn;
/**
 * The orderId an event carries: in its data, or, when it has no data, in the envelope itself (an
 * order published as `application/cloudevents+json` is taken for a whole CloudEvent).
 */
const orderIdOf = (e: { data: unknown; event: Record<string, unknown> }) => idOf(e.data) ?? (e.data === undefined ? idOf(e.event) : undefined);
/** Every delivery is an order that daprd took for the CloudEvent envelope itself, with no data. */
const ordersAsEnvelopes = (deliveries: Delivery[]) =>
  deliveries.length > 0 && deliveries.every((d) => d.data === undefined && idOf(d.event) !== undefined);
const arrivals = () => env().probe('order-watcher').on('orders');
const postedIds = orders.map((o) => o.orderId);
// daprd re-encodes JSON data (its keys come out sorted): compare field by field.
const sameFields = (data: unknown, sent: Record<string, unknown>) =>
  typeof data === 'object' && data !== null && !Array.isArray(data) &&
  Object.keys(data).length === Object.keys(sent).length &&
  Object.entries(sent).every(([k, v]) => (data as Record<string, unknown>)[k] === v);

let published = false;

/** Both of daprd's defaults kept: no `cloudevent.*` metadata reached it with the publish. */
function mustHaveOverriddenSomething(deliveries: Delivery[]): void {
  if (ordersAsEnvelopes(deliveries)) failWithCause('orders as envelopes', messages.orderAsEnvelope(deliveries[0]!.event));
  const untouched = deliveries.every((d) => d.event.type === 'com.dapr.event.sent' && !postedIds.includes(String(d.event.id)));
  if (untouched) failWithCause('no CloudEvent metadata reached the sidecar', messages.noMetadata);
}

describe('publish-order', () => {
  test(PUBLISHED, async () => {
    for (const order of orders) {
      const answer = await postJson(`${env().app('checkout').appUrl}/orders`, order);
      must(answer.status < 300, messages.postFailed(order.orderId, answer.status, answer.text));
    }
    // What the events carry is for the next expectations: here, that one arrived per order.
    const all = await env().probe('order-watcher').waitUntil(() => arrivals().length >= orders.length, 10_000);
    must(all, messages.notArrived(arrivals().length));
    published = true;
  });

  test('the order arrives as a JSON object, not a string', () => {
    requires(published, PUBLISHED, messages.nothingToRead('content'));
    if (ordersAsEnvelopes(arrivals())) failWithCause('orders as envelopes', messages.orderAsEnvelope(arrivals()[0]!.event));
    for (const d of arrivals()) {
      must(typeof d.data === 'object' && d.data !== null, messages.notAnObject(String(d.event.datacontenttype), typeof d.data));
      const sent = orders.find((o) => o.orderId === idOf(d.data));
      must(sent && sameFields(d.data, sent), messages.notTheOrder(d.data));
    }
  });

  test('its CloudEvent type is order.created', () => {
    requires(published, PUBLISHED, messages.nothingToRead('type'));
    const deliveries = arrivals();
    mustHaveOverriddenSomething(deliveries);
    for (const d of deliveries) must(d.event.type === 'order.created', messages.wrongType(String(d.event.type)));
  });

  test('its CloudEvent id is the order id', () => {
    requires(published, PUBLISHED, messages.nothingToRead('id'));
    const deliveries = arrivals();
    mustHaveOverriddenSomething(deliveries);
    const ids = deliveries.map((d) => String(d.event.id));
    must(
      ids.length === postedIds.length && postedIds.every((id) => ids.includes(id)),
      messages.wrongIds(ids, postedIds),
    );
  });

  test('a publish that fails makes POST /orders answer an error', async () => {
    requires(published, PUBLISHED, messages.cannotFail);
    const answer = await faults().during('publishes', () => postJson(`${env().app('checkout').appUrl}/orders`, refused));
    const onTopic = (await streams().events('orders')).some((e) => orderIdOf(e) === refused.orderId);
    must(!onTopic, messages.notRefused);
    must(answer.status >= 400, messages.failureHidden(answer.status));
    // The caller was told the order did not go out: posting it again, once Redis takes publishes
    // again, must publish it (a service that remembered it as sent before the publish answers 2xx
    // and drops it).
    const again = await postJson(`${env().app('checkout').appUrl}/orders`, refused);
    must(again.status < 300, messages.retryFailed(again.status, again.text));
    const arrived = await env().probe('order-watcher').waitUntil(() => arrivals().some((d) => orderIdOf(d) === refused.orderId), 10_000);
    must(arrived, messages.retryLost(again.status));
  });
});

const messages = {
  postFailed: (orderId: string, status: number, text: string) =>
    `POST /orders with order ${orderId} answered ${status}: ${text}. checkout answers 500 when publishOrder throws: read the error above.`,
  notArrived: (count: number) =>
    `After two orders were posted to /orders, ${count === 0 ? 'nothing' : `only ${count} event`} arrived on the \`orders\` topic of \`pubsub\`.`,
  nothingToRead: (what: string) => `No order arrived on \`orders\`, so its ${what} cannot be checked.`,
  notAnObject: (contentType: string, type: string) =>
    `An order arrived as ${contentType} (the subscriber's data is a ${type}), not as a JSON object.`,
  notTheOrder: (data: unknown) =>
    `An event on \`orders\` carried ${JSON.stringify(data)}, not an order as it was posted.`,
  orderAsEnvelope: (envelope: Record<string, unknown>) =>
    `The orders arrived as CloudEvent envelopes themselves, with no \`data\`: ${JSON.stringify(envelope)}. ` +
    'They were published with the content type application/cloudevents+json, so daprd took each order for a whole CloudEvent ' +
    '(and filled in the envelope fields it lacked), not for the data of one; `cloudevent.*` metadata does not apply to such a publish.',
  noMetadata:
    'Neither the CloudEvent type nor the id was overridden: daprd received no `cloudevent.*` metadata with the publish.',
  wrongType: (type: string) =>
    type === 'com.dapr.event.sent'
      ? "An order's CloudEvent type is daprd's default, `com.dapr.event.sent`: the publish set no type."
      : `An order's CloudEvent type is \`${type}\`, not \`order.created\`.`,
  wrongIds: (ids: string[], orderIds: string[]) =>
    `The events' CloudEvent ids are ${ids.map((i) => `\`${i}\``).join(', ')}, not the orderIds ${orderIds.map((i) => `\`${i}\``).join(', ')}.`,
  cannotFail: 'No order was published, so what happens when a publish fails cannot be checked.',
  notRefused: 'The check made Redis refuse publishes, yet the order reached the topic: the check could not inject its failure.',
  failureHidden: (status: number) =>
    `While Redis refused every publish (the check's fault; daprd answered the SDK 500), POST /orders answered ${status}: ` +
    'the order was lost and the caller was told it went through.',
  retryFailed: (status: number, text: string) =>
    `After Redis took publishes again, the check posted order ${refused.orderId} (the one refused before) once more: ` +
    `POST /orders answered ${status}${text ? `: ${text}` : ''}.`,
  retryLost: (status: number) =>
    `After Redis took publishes again, the check posted order ${refused.orderId} (the one refused before) once more: ` +
    `POST /orders answered ${status}, yet within 10 s nothing with that orderId arrived on \`orders\`: ` +
    'the caller was told the order went out, and it never did.',
};
