// Grades exercises/04-pubsub/order-outbox: order-service saves each order and announces it on
// `orders` through Dapr's transactional outbox, so that a crash between the save and the publish
// can neither lose the announcement nor announce an order that was not saved. The check crashes
// the service on purpose, at a chosen point, through the switch service.ts provides (POST /crash).
import { isDeepStrictEqual } from 'node:util';
import { describe, test } from 'vitest';
import { brokerSettled } from '../lib/broker-settled.js';
import { useExercise } from '../lib/exercise.js';
import { deliveredWithin, eventually, must, postJson, requires } from '../lib/expect.js';
import { outboxInternalTopic } from '../lib/outbox.js';
import { useRedisFaults } from '../lib/redis-faults.js';
import { useRedisStreams, type StreamEvent } from '../lib/redis-streams.js';
import { isJsonContentType } from '../lib/content-type.js';

const SERVICE = 'order-service';
const env = useExercise({
  // The check watches `orders` itself, behind a sidecar of its own.
  skipApps: ['order-watcher'],
  probes: [{ appId: 'shipping', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }],
});
const streams = useRedisStreams(env);
const faults = useRedisFaults(env);

const CARD = '4242 4242 4242 4242';
const orderOf = (orderId: string) => ({ orderId, customer: 'ada', total: 42, card: CARD });
const first = orderOf('oo-1');

/** Whether an event's data is about this order: as JSON, or as text that names it. */
const mentions = (data: unknown, orderId: string) =>
  typeof data === 'string' ? data.includes(orderId) : (data as { orderId?: unknown } | null)?.orderId === orderId;
const saved = (orderId: string) => env().getState(SERVICE, 'statestore', orderId);
const publishedOnBroker = async (orderId: string): Promise<StreamEvent[]> =>
  (await streams().events('orders')).filter((e) => mentions(e.data, orderId));
const deliveriesOf = (orderId: string) => env().probe('shipping').on('orders').filter((d) => mentions(d.data, orderId));
const delivered = (orderId: string) => deliveriesOf(orderId)[0];

/** Waits until the outbox and every subscriber have finished with what was written so far. */
async function settled(): Promise<void> {
  const done = await brokerSettled(streams(), ['orders', outboxInternalTopic(SERVICE, 'orders')], 10_000);
  must(done, 'The sidecars were still busy with `orders` 10 s after the order was placed.');
}

async function arm(after: 'save' | 'publish' | null): Promise<void> {
  if (after) env().expectExit(SERVICE);
  const answer = await postJson(`${env().app(SERVICE).appUrl}/crash`, { after });
  must(answer.status === 200, `POST /crash answered ${answer.status}: ${answer.text}. service.ts provides it: is it unchanged?`);
}

/**
 * Posts an order with the crash switch armed. Resolves true when the service died on it (and has
 * been started again), false when it answered.
 */
async function placeAndMaybeCrash(order: ReturnType<typeof orderOf>): Promise<boolean> {
  const app = env().app(SERVICE);
  const exited = app.process!.exited;
  let answered = false;
  try {
    await postJson(`${app.appUrl}/orders`, order);
    answered = true;
  } catch {
    // the connection dropped: the process is going down
  }
  const died = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), answered ? 500 : 5000))]);
  if (died) await env().restartApp(SERVICE);
  return died;
}

describe('order-outbox', () => {
  test('an order posted to /orders is saved in statestore under its orderId, card included', async () => {
    const answer = await postJson(`${env().app(SERVICE).appUrl}/orders`, first);
    must(answer.status === 201, `POST /orders answered ${answer.status}: ${answer.text}. order-service's log says what placeOrder threw.`);
    await eventually(
      () => saved(first.orderId),
      (value) => isDeepStrictEqual(value, first),
      (last) =>
        last === undefined
          ? `Nothing is saved in statestore under ${first.orderId} after POST /orders answered 201. Look at what placeOrder writes, and to which store.`
          : `statestore holds ${JSON.stringify(last)} under ${first.orderId}, not the order that was posted (${JSON.stringify(first)}).`,
    );
  });

  test('the order is published to the orders topic', async () => {
    await deliveredWithin(
      env().probe('shipping'),
      () => delivered(first.orderId) !== undefined,
      `Nothing about order ${first.orderId} arrived on the \`orders\` topic of \`pubsub\` within 8 s of POST /orders.`,
      8000,
    );
  });

  test('it is published once, not twice', async () => {
    requires(delivered(first.orderId), 'the order is published to the orders topic', 'The order was never published, so how often cannot be checked.');
    await settled();
    const events = await publishedOnBroker(first.orderId);
    must(
      events.length === 1,
      `Order ${first.orderId} was published ${events.length} times to \`orders\`: ${events.map((e) => JSON.stringify(e.data)).join(', ')}.`,
    );
  });

  // Every event about the order, not the first: with two of them, which comes first is chance.
  test('it arrives as a JSON object, not as text', () => {
    requires(delivered(first.orderId), 'the order is published to the orders topic', 'The order was never published, so its format cannot be checked.');
    const delivery = deliveriesOf(first.orderId).find((d) => typeof d.data !== 'object' || !isJsonContentType(d.event.datacontenttype));
    must(
      !delivery,
      `An event about the order arrived as ${String(delivery?.event.datacontenttype)}: ${JSON.stringify(delivery?.data)}. ` +
        'The outbox formats what it publishes as text unless it is told the content type is JSON.',
    );
  });

  test('the published order does not carry the card number', () => {
    requires(delivered(first.orderId), 'the order is published to the orders topic', 'The order was never published, so its content cannot be checked.');
    const carriesCard = (data: unknown) =>
      JSON.stringify(data).includes(CARD) || (typeof data === 'object' && data !== null && 'card' in data);
    const delivery = deliveriesOf(first.orderId).find((d) => carriesCard(d.data));
    must(
      !delivery,
      `Subscribers received the card: ${JSON.stringify(delivery?.data)}.`,
    );
  });

  test('an order whose service crashes right after saving it is still published', async () => {
    const order = orderOf('oo-crash-after-save');
    await arm('save');
    const died = await placeAndMaybeCrash(order);
    must(
      died,
      'order-service answered POST /orders although the crash switch was armed for right after its state write. ' +
        'Every state write and publish placeOrder makes must go through the `client` it is given (service.ts watches that client).',
    );
    must(
      isDeepStrictEqual(await saved(order.orderId), order),
      `order-service died right after a state write, but order ${order.orderId} is not in statestore as it was posted (${JSON.stringify(await saved(order.orderId))}).`,
    );
    await deliveredWithin(
      env().probe('shipping'),
      () => delivered(order.orderId) !== undefined,
      `Order ${order.orderId} was saved, then order-service died right after that write, and no event about it reached \`orders\` within 8 s (it was started again meanwhile).`,
      8000,
    );
  });

  test('no order is announced without being saved, even when the service crashes right after a publish', async () => {
    const order = orderOf('oo-crash-after-publish');
    await arm('publish');
    const died = await placeAndMaybeCrash(order);
    if (!died) await arm(null);
    await settled();
    const events = await publishedOnBroker(order.orderId);
    const value = await saved(order.orderId);
    must(
      events.length === 0 || value !== undefined,
      `Order ${order.orderId} was announced on \`orders\` (${JSON.stringify(events[0]?.data)}), but order-service died right after that publish and the order was never saved. ` +
        'Subscribers now act on an order that does not exist.',
    );
  });

  // Last: the outbox parks its message on the internal topic before the transaction, and the one of
  // a transaction that failed is never acknowledged there, so the broker never settles after it.
  test('an order the state store refuses is answered with an error and never announced', async () => {
    const order = orderOf('oo-refused');
    const answer = await faults().during('state writes', () => postJson(`${env().app(SERVICE).appUrl}/orders`, order));
    must(answer.status >= 400, messages.refusedButAccepted(order.orderId, answer.status));
    const value = await saved(order.orderId);
    must(value === undefined, messages.refusedButSaved(order.orderId, value));
    // The outbox publishes a transaction's order about a second after it: 3 s for one that should
    // never come, since the transaction wrote nothing.
    const announced = await env().probe('shipping').waitUntil(() => delivered(order.orderId) !== undefined, 3000);
    must(!announced, messages.refusedButAnnounced(order.orderId, delivered(order.orderId)?.data));
  });
});

const messages = {
  refusedButAccepted: (orderId: string, status: number) =>
    `While Redis refused every state write (the check's fault: daprd answers the transaction with an error), ` +
    `POST /orders with order ${orderId} answered ${status}: the caller was told the order was placed, although its state write was refused. ` +
    "order-service's log says what happened to the transaction.",
  refusedButSaved: (orderId: string, value: unknown) =>
    `The check made Redis refuse every state write, yet statestore holds ${JSON.stringify(value)} under ${orderId}: the check could not inject its failure.`,
  refusedButAnnounced: (orderId: string, data: unknown) =>
    `POST /orders with order ${orderId} answered an error while Redis refused every state write, yet ${JSON.stringify(data)} arrived on \`orders\`: ` +
    'subscribers act on an order that was not saved.',
};
