// Grades exercises/04-pubsub/declarative-subscription: the learner's resources/subscription.yaml
// subscribes order-processor, and only order-processor, to `orders`, delivered at /orders whatever
// the event's type.
//
// "audit receives nothing" is decided at the broker, not after a wait: an app whose sidecar runs the
// subscription has a consumer group on the `orders` stream; once that group has read and
// acknowledged every order, whatever it was going to deliver has been delivered.
import { posix } from 'node:path';
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
// The whole topic goes to /orders, whatever each event's CloudEvent type: one order with the type a
// checkout service would set, one with another, and one published without a type (daprd gives it
// `com.dapr.event.sent`, as to a `dapr publish` by hand). A rule on any one type, with no default
// route, leaves the others matching nothing, and daprd drops them.
const published: { order: { orderId: string; customer: string; total: number }; type?: string }[] = [
  { order: { orderId: 'ds-1', customer: 'ada', total: 12 }, type: 'order.created' },
  { order: { orderId: 'ds-2', customer: 'bob', total: 30 }, type: 'order.updated' },
  { order: { orderId: 'ds-3', customer: 'cy', total: 7 } },
];
const orders = published.map((p) => p.order);
const received = (appId: string) => getJson<unknown[]>(`${env().app(appId).appUrl}/received`);
const idsIn = (list: unknown[] | undefined) => (list ?? []).map((o) => (o as { orderId?: unknown } | null)?.orderId);
const hasAll = (list: unknown[]) => orders.every((o) => idsIn(list).includes(o.orderId));
const ordersSubscription = async (appId: string) =>
  (await env().subscriptions(appId)).find((s) => s.pubsubname === 'pubsub' && s.topic === 'orders');
let processorGotAll = false;
/**
 * The path daprd POSTs to for a route: it cleans the route as Go's path.Clean does and adds the
 * leading slash, so `orders`, `/orders/` and `/./orders` all deliver to `/orders`.
 */
const deliveredPath = (route: string) => posix.resolve('/', route);

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
    must(paths.some((p) => typeof p === 'string' && deliveredPath(p) === '/orders'), messages.wrongRoute(paths));
  });

  test("no sidecar but order-processor's has a subscription to orders", async () => {
    // Every other sidecar of the run: audit, and the check's own publisher, checkout.
    const others = [...env().apps.values()].map((a) => a.appId).filter((id) => id !== 'order-processor');
    const subscribed: string[] = [];
    for (const appId of others) if (await ordersSubscription(appId)) subscribed.push(appId);
    must(subscribed.length === 0, messages.othersSubscribed(subscribed));
  });

  test(REACHES, async () => {
    for (const { order, type } of published) {
      await env().publish('checkout', 'pubsub', 'orders', order, type ? { metadata: { 'cloudevent.type': type } } : {});
    }
    // Once order-processor's consumer group has read and acknowledged every order, each one has
    // been delivered (or dropped, matching no route): what /received lacks then will not come.
    const group = (await streams().groups('orders')).some((g) => g.name === 'order-processor');
    const settled = group && (await streams().consumed('orders', 'order-processor', 10_000));
    await eventually(
      () => received('order-processor'),
      hasAll,
      (last) => messages.processorMissed(idsIn(last)),
      settled ? 1000 : 10_000,
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
  othersSubscribed: (appIds: string[]) =>
    `${appIds.map((id) => `${id}'s sidecar${id === 'checkout' ? ' (the one the check publishes through)' : ''}`).join(' and ')} ` +
    `subscribe${appIds.length > 1 ? '' : 's'} to pubsub/orders too (/v1.0/metadata lists it). ` +
    'Look at the app-ids your subscription applies to.',
  processorMissed: (got: unknown[]) =>
    `order-processor received ${JSON.stringify(got)} at POST /orders, not every published order. Missing: ` +
    published
      .filter((p) => !got.includes(p.order.orderId))
      .map((p) => `${p.order.orderId} (${p.type ? `CloudEvent type \`${p.type}\`` : 'published without a type: daprd gave it `com.dapr.event.sent`'})`)
      .join(', ') +
    '.',
  cannotCompare: 'The orders never reached order-processor, so it cannot be told whether audit would have received them.',
  auditReceived: (got: unknown[]) =>
    `audit received ${JSON.stringify(got)} at POST /orders. Only order-processor should.`,
};
