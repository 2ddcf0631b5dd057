// Grades exercises/04-pubsub/routing-rules: resources/subscription.yaml routes each event on
// `orders` to the right path of the order router, by CloudEvent type and by a field of the data.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { getJson, must } from '../lib/expect.js';
import { describeSubscriptions } from '../lib/metadata.js';
import { useRedisStreams } from '../lib/redis-streams.js';

const env = useExercise({
  // A sidecar with no app: the check publishes through it, as another service would.
  probes: [{ appId: 'order-source' }],
});
const streams = useRedisStreams(env);

interface Arrival {
  path: string;
  type: string;
  orderId?: string;
}

// One event per rule, each with its own orderId and the path it must reach.
const events = {
  created: { type: 'order.created', data: { orderId: 'rr-created', priority: 'normal' }, path: '/orders/created' },
  priority: { type: 'order.created', data: { orderId: 'rr-rush', priority: 'high' }, path: '/orders/priority' },
  plain: { type: 'order.created', data: { orderId: 'rr-plain' }, path: '/orders/created' },
  cancelled: { type: 'order.cancelled', data: { orderId: 'rr-cancelled' }, path: '/orders/cancelled' },
  other: { type: 'order.shipped', data: { orderId: 'rr-shipped' }, path: '/orders/other' },
};
type EventName = keyof typeof events;

let routed: Promise<Arrival[]> | undefined;

/**
 * Publishes every event once (on the first call), waits until the router's sidecar has taken all
 * of them from the broker (its consumer group has read and acknowledged the whole stream: each one
 * was delivered, dropped or failed), and returns what reached the router.
 */
function routeAll(): Promise<Arrival[]> {
  routed ??= (async () => {
    const subscriptions = await env().subscriptions('order-router');
    must(
      subscriptions.some((s) => s.pubsubname === 'pubsub' && s.topic === 'orders'),
      `daprd runs no subscription to \`orders\` for the order router (its /v1.0/metadata lists: ${describeSubscriptions(subscriptions)}). ` +
        'Write resources/subscription.yaml: a Subscription with `apiVersion: dapr.io/v2alpha1`, `pubsubname: pubsub` and `topic: orders`.',
    );
    for (const { type, data } of Object.values(events)) {
      await env().publish('order-source', 'pubsub', 'orders', data, { metadata: { 'cloudevent.type': type } });
    }
    await streams().consumed('orders', 'order-router');
    return getJson<Arrival[]>(`${env().app('order-router').appUrl}/received`);
  })();
  return routed;
}

/**
 * The first rule daprd runs that reads a field of the data this event does not have, without a
 * `has(...)` guard: on this event that rule is an error (`no such key`) and daprd gives up on it.
 */
async function unguardedRead(type: string, data: Record<string, unknown>): Promise<string | undefined> {
  const subscription = (await env().subscriptions('order-router')).find((s) => s.topic === 'orders');
  for (const { match } of (subscription?.rules ?? []) as { match?: string }[]) {
    // `event.type == "x" && ...` is false, not an error, on another type: && skips the rest.
    const ruleType = /event\.type\s*==\s*"([^"]*)"/.exec(match ?? '')?.[1];
    if (ruleType !== undefined && ruleType !== type && !match!.includes('||')) continue;
    for (const [, field] of (match ?? '').matchAll(/event\.data\.(\w+)/g)) {
      if (!(field! in data) && !match!.includes(`has(event.data.${field})`)) return `\`${match}\``;
    }
  }
  return undefined;
}

/** Fails unless the event named arrived exactly once, on its own path; `lost` explains a missing one. */
async function mustArriveAt(name: EventName, lost: string, wrongPath?: (path: string) => string | undefined): Promise<void> {
  const { type, data, path } = events[name];
  const what = `The ${type} event ${JSON.stringify(data)}`;
  const arrivals = (await routeAll()).filter((a) => a.orderId === data.orderId);
  if (arrivals.length === 0) {
    const rule = await unguardedRead(type, data);
    must(
      !rule,
      `${what} never reached the router: the rule ${rule} reads a field this event does not have. That is an error (\`no such key\`), ` +
        'not `false`: daprd does not try the next rule, the delivery fails and the event is lost. Test the field first: `has(event.data.priority) && ...`.',
    );
  }
  must(arrivals.length > 0, `${what} never reached the router. ${lost}`);
  const paths = arrivals.map((a) => a.path);
  must(
    arrivals.length === 1,
    `${what} reached the router ${arrivals.length} times (${paths.join(', ')}). A subscription sends each event to one path: is there more than one Subscription to \`orders\`?`,
  );
  must(
    paths[0] === path,
    `${what} arrived at ${paths[0]} instead of ${path}. ${wrongPath?.(paths[0]!) ?? 'Check the `match` and `path` of its rule.'}`,
  );
}

describe('routing-rules', () => {
  test('an order.created event reaches /orders/created', async () => {
    await mustArriveAt(
      'created',
      'Is there a rule `event.type == "order.created"` with `path: /orders/created`? Rules go under `spec.routes.rules`.',
    );
  });

  test('a high-priority order.created event reaches /orders/priority, not /orders/created', async () => {
    await mustArriveAt(
      'priority',
      'Is there a rule for `event.data.priority == "high"` with `path: /orders/priority`?',
      (path) =>
        path === '/orders/created'
          ? 'Rules are tried from top to bottom and the first one that matches wins: the high-priority rule must come before the general `order.created` rule.'
          : undefined,
    );
  });

  test('an order.created event without a priority field still reaches /orders/created', async () => {
    await mustArriveAt('plain', 'Is the rule `event.type == "order.created"` (path /orders/created) there?');
  });

  test('an order.cancelled event reaches /orders/cancelled', async () => {
    await mustArriveAt('cancelled', 'Is there a rule `event.type == "order.cancelled"` with `path: /orders/cancelled`?');
  });

  test('an event that matches no rule reaches the default route /orders/other', async () => {
    await mustArriveAt(
      'other',
      'An event that matches no rule goes to `spec.routes.default`; without a default, daprd acknowledges it and drops it without a word. ' +
        'Set `default: /orders/other` under `spec.routes`.',
    );
  });
});
