// Grades exercises/04-pubsub/declarative-subscription: the learner's resources/subscription.yaml
// subscribes order-processor, and only order-processor, to `orders`, delivered at /orders.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { eventually, getJson, must } from '../lib/expect.js';
import { describeSubscriptions } from '../lib/metadata.js';

// `checkout` is a sidecar with no app: the check publishes through it, as a service would.
const env = useExercise({ probes: [{ appId: 'checkout' }] });

const orders = [
  { orderId: 'ds-1', customer: 'ada', total: 12 },
  { orderId: 'ds-2', customer: 'bob', total: 30 },
];
const received = (appId: string) => getJson<unknown[]>(`${env().app(appId).appUrl}/received`);
const idsIn = (list: unknown[] | undefined) => (list ?? []).map((o) => (o as { orderId?: unknown } | null)?.orderId);
const hasAll = (list: unknown[]) => orders.every((o) => idsIn(list).includes(o.orderId));
const ordersSubscription = async (appId: string) =>
  (await env().subscriptions(appId)).find((s) => s.pubsubname === 'pubsub' && s.topic === 'orders');
let processorGotAll = false;

describe('declarative-subscription', () => {
  test('resources/subscription.yaml is a v2alpha1 Subscription daprd loads', () => {
    // The harness validates every resource file before starting daprd (daprd skips a file with an
    // apiVersion it does not know, and ignores fields it does not know): if that failed, this
    // failed with its reason.
    const doc = env().resources.find((r) => r.file === 'resources/subscription.yaml' && r.doc.kind === 'Subscription')?.doc;
    must(doc, 'resources/subscription.yaml holds no Subscription.');
    must(
      doc.apiVersion === 'dapr.io/v2alpha1',
      `resources/subscription.yaml is \`${String(doc.apiVersion)}\`. daprd loads that too, but this exercise asks for \`dapr.io/v2alpha1\` with \`spec.routes.default\`, the form routing rules build on.`,
    );
  });

  test("order-processor's sidecar lists the subscription to orders, routed to /orders", async () => {
    const sub = await ordersSubscription('order-processor');
    must(
      sub,
      `order-processor's sidecar runs no subscription to pubsub/orders (its /v1.0/metadata lists: ${describeSubscriptions(await env().subscriptions('order-processor'))}). ` +
        'Check `spec.pubsubname`, `spec.topic`, and that `scopes` names order-processor.',
    );
    const paths = ((sub.rules as { path?: string }[] | undefined) ?? []).map((r) => r.path);
    must(paths.includes('/orders'), `The subscription routes orders to ${JSON.stringify(paths)}; order-processor handles them at \`/orders\` (spec.routes.default).`);
  });

  test("audit's sidecar has no subscription to orders", async () => {
    must(
      !(await ordersSubscription('audit')),
      "audit's sidecar subscribes to pubsub/orders too. A subscription without top-level `scopes` applies to every app: " +
        'put `scopes: [order-processor]` at the top level of the file, beside `spec`.',
    );
  });

  test('every published order reaches order-processor at /orders', async () => {
    for (const order of orders) await env().publish('checkout', 'pubsub', 'orders', order);
    await eventually(
      () => received('order-processor'),
      hasAll,
      (last) =>
        `order-processor received ${JSON.stringify(idsIn(last))} at POST /orders, not both published orders ${JSON.stringify(orders.map((o) => o.orderId))}. ` +
        'Is the subscription scoped to order-processor and routed to /orders?',
    );
    processorGotAll = true;
  });

  test('audit receives none of the orders', async () => {
    must(processorGotAll, 'The orders never reached order-processor, so it cannot be told whether audit would have received them.');
    // There is no event for "nothing arrived": both sidecars read the same Redis stream, so if audit
    // were subscribed its copies would arrive about when order-processor's did. A short wait after
    // order-processor has them all is enough.
    await new Promise((r) => setTimeout(r, 1000));
    const list = await received('audit');
    must(
      list.length === 0,
      `audit received ${JSON.stringify(idsIn(list))} at POST /orders. Only order-processor should: list it in the top-level \`scopes\` of the subscription.`,
    );
  });
});
