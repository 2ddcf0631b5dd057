// Grades exercises/04-pubsub/declarative-subscription: the learner's resources/subscription.yaml
// subscribes order-processor, and only order-processor, to `orders`, delivered at /orders.
//
// "audit receives nothing" is decided at the broker, not after a wait: an app whose sidecar runs the
// subscription has a consumer group on the `orders` stream; once that group has read and
// acknowledged every order, whatever it was going to deliver has been delivered.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { eventually, getJson, must, requires } from '../lib/expect.js';
import { describeSubscriptions } from '../lib/metadata.js';
import { useRedisStreams } from '../lib/redis-streams.js';

// `checkout` is a sidecar with no app: the check publishes through it, as a service would.
const env = useExercise({ probes: [{ appId: 'checkout' }] });
const streams = useRedisStreams(env);

const FILE = 'resources/subscription.yaml';
const LOADS = `${FILE} is a v2alpha1 Subscription daprd loads`;
const REACHES = 'every published order reaches order-processor at /orders';
const orders = [
  { orderId: 'ds-1', customer: 'ada', total: 12 },
  { orderId: 'ds-2', customer: 'bob', total: 30 },
];
// Published with a CloudEvent type of their own, as a checkout service would: a route that only
// works for daprd's default type (`com.dapr.event.sent`, given to an event published without one)
// does not deliver them.
const TYPE = 'order.created';
const received = (appId: string) => getJson<unknown[]>(`${env().app(appId).appUrl}/received`);
const idsIn = (list: unknown[] | undefined) => (list ?? []).map((o) => (o as { orderId?: unknown } | null)?.orderId);
const hasAll = (list: unknown[]) => orders.every((o) => idsIn(list).includes(o.orderId));
const ordersSubscription = async (appId: string) =>
  (await env().subscriptions(appId)).find((s) => s.pubsubname === 'pubsub' && s.topic === 'orders');
let processorGotAll = false;

describe('declarative-subscription', () => {
  test(LOADS, () => {
    // The harness validates every resource file before starting daprd (daprd skips a file with an
    // apiVersion it does not know, and ignores fields it does not know): if that failed, this
    // failed with its reason.
    const doc = env().resources.find((r) => r.file === FILE && r.doc.kind === 'Subscription')?.doc;
    must(doc, messages.noSubscription);
    must(doc.apiVersion === 'dapr.io/v2alpha1', messages.notV2(String(doc.apiVersion)));
  });

  test("order-processor's sidecar lists the subscription to orders, routed to /orders", async () => {
    const sub = await ordersSubscription('order-processor');
    must(sub, messages.notSubscribed(describeSubscriptions(await env().subscriptions('order-processor'))));
    const paths = ((sub.rules as { path?: string }[] | undefined) ?? []).map((r) => r.path);
    must(paths.includes('/orders'), messages.wrongRoute(paths));
  });

  test("audit's sidecar has no subscription to orders", async () => {
    must(!(await ordersSubscription('audit')), messages.auditSubscribed);
  });

  test(REACHES, async () => {
    for (const order of orders) await env().publish('checkout', 'pubsub', 'orders', order, { metadata: { 'cloudevent.type': TYPE } });
    await eventually(
      () => received('order-processor'),
      hasAll,
      (last) => messages.processorMissed(idsIn(last)),
      10_000,
    );
    processorGotAll = true;
  });

  test('audit receives none of the orders', async () => {
    requires(processorGotAll, REACHES, messages.cannotCompare);
    // No consumer group `audit` on the stream: its sidecar never subscribed, nothing can come. A
    // group: wait until it has handed out (and had acknowledged) everything, then look.
    const auditGroup = (await streams().groups('orders')).some((g) => g.name === 'audit');
    if (auditGroup) await streams().consumed('orders', 'audit', 10_000);
    const list = await received('audit');
    must(list.length === 0, messages.auditReceived(idsIn(list)));
  });
});

const messages = {
  noSubscription: `${FILE} holds no Subscription.`,
  notV2: (apiVersion: string) =>
    `${FILE} is \`${apiVersion}\`. daprd loads that too, but this exercise asks for \`dapr.io/v2alpha1\`, the form routing rules build on.`,
  notSubscribed: (listed: string) =>
    `order-processor's sidecar runs no subscription to pubsub/orders (its /v1.0/metadata lists: ${listed}).`,
  wrongRoute: (paths: unknown[]) =>
    `The subscription routes orders to ${JSON.stringify(paths)}; order-processor handles them at \`/orders\`.`,
  auditSubscribed:
    "audit's sidecar subscribes to pubsub/orders too (its /v1.0/metadata lists it).",
  processorMissed: (got: unknown[]) =>
    `order-processor received ${JSON.stringify(got)} at POST /orders, not both published orders ${JSON.stringify(orders.map((o) => o.orderId))} ` +
    `(published with the CloudEvent type \`${TYPE}\`).`,
  cannotCompare: 'The orders never reached order-processor, so it cannot be told whether audit would have received them.',
  auditReceived: (got: unknown[]) =>
    `audit received ${JSON.stringify(got)} at POST /orders. Only order-processor should.`,
};
