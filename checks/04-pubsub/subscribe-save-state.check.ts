// Grades exercises/04-pubsub/subscribe-save-state: order-processor subscribes to `orders` and keeps
// the latest version of each order in `statestore` under its orderId.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { eventually, must } from '../lib/expect.js';
import { describeSubscriptions } from '../lib/metadata.js';

// `checkout` is a sidecar with no app: the check publishes through it, as a service would.
const env = useExercise({ probes: [{ appId: 'checkout' }] });

const orders = [
  { orderId: 'sss-1', customer: 'ada', total: 42.5, status: 'placed' },
  { orderId: 'sss-2', customer: 'bob', total: 7, status: 'placed' },
];
const update = { ...orders[0]!, status: 'shipped' };

// State written through the learner's sidecar, read back through the same sidecar (state.redis
// keys are stored per app-id).
const saved = (orderId: string) => env().getState('order-processor', 'statestore', orderId);
const sameOrder = (value: unknown, order: Record<string, unknown>) =>
  typeof value === 'object' && value !== null && Object.entries(order).every(([k, v]) => (value as Record<string, unknown>)[k] === v);

async function subscribed(): Promise<boolean> {
  const subs = await env().subscriptions('order-processor');
  return subs.some((s) => s.pubsubname === 'pubsub' && s.topic === 'orders');
}

describe('subscribe-save-state', () => {
  test('order-processor subscribes to orders on pubsub', async () => {
    const subs = await env().subscriptions('order-processor');
    must(
      await subscribed(),
      `order-processor's sidecar runs no subscription to pubsub/orders (its /v1.0/metadata lists: ${describeSubscriptions(subs)}). ` +
        "Call server.pubsub.subscribe('pubsub', 'orders', handler) before server.start().",
    );
  });

  test('each published order is saved in statestore under its orderId', async () => {
    must(await subscribed(), 'order-processor does not subscribe to pubsub/orders, so no order can reach it.');
    for (const order of orders) await env().publish('checkout', 'pubsub', 'orders', order);
    for (const order of orders) {
      await eventually(
        () => saved(order.orderId),
        (value) => sameOrder(value, order),
        (last) =>
          last === undefined
            ? `Nothing is saved in statestore under the key ${order.orderId} after the order was published. ` +
              "Does the handler call server.client.state.save('statestore', [{ key: order.orderId, value: order }]) and check its `error`?"
            : `statestore holds ${JSON.stringify(last)} under ${order.orderId}, not the order that was published (${JSON.stringify(order)}). Save the order itself as the value.`,
      );
    }
  });

  test('a second event for the same order overwrites the saved order', async () => {
    must(sameOrder(await saved(update.orderId), orders[0]!), `Order ${update.orderId} was never saved, so overwriting it cannot be checked.`);
    // Published only once the first version is saved: pubsub.redis hands events to up to ten
    // workers at once, so two events for one key published back to back may be saved in either order.
    await env().publish('checkout', 'pubsub', 'orders', update);
    await eventually(
      () => saved(update.orderId),
      (value) => sameOrder(value, update),
      (last) =>
        `After a second event for ${update.orderId} with status \`shipped\`, statestore still holds ${JSON.stringify(last)}. ` +
        'Save every event under its orderId (last write wins), without skipping keys that exist already.',
    );
  });
});
