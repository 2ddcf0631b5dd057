// Grades exercises/04-pubsub/routing-rules: resources/subscription.yaml routes each event on
// `orders` to the right path of the order router, by CloudEvent type and by a field of the data.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { failWithCause, getJson, must } from '../lib/expect.js';
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

// One event per line of the task's table, each with its own orderId and the path it must reach,
// plus an order.created of other priorities (only "high" is a priority order: "low" catches a rule
// that tests `!= "normal"`, "urgent", a value the table does not name, one that lists the
// priorities that are not, and "highest" one that tests contains("high") or startsWith), two
// types no rule names (a rule for `order.shipped` in front of a default that is not /orders/other
// leaves `order.refunded` on the wrong path), and high-priority events of other types: `priority`
// alone does not make an event a priority order, and neither does a type that merely is not one
// of the others the task names.
const events = {
  created: { type: 'order.created', data: { orderId: 'rr-created', priority: 'normal' }, path: '/orders/created' },
  priority: { type: 'order.created', data: { orderId: 'rr-rush', priority: 'high' }, path: '/orders/priority' },
  low: { type: 'order.created', data: { orderId: 'rr-low', priority: 'low' }, path: '/orders/created' },
  urgent: { type: 'order.created', data: { orderId: 'rr-urgent', priority: 'urgent' }, path: '/orders/created' },
  highest: { type: 'order.created', data: { orderId: 'rr-highest', priority: 'highest' }, path: '/orders/created' },
  plain: { type: 'order.created', data: { orderId: 'rr-plain' }, path: '/orders/created' },
  cancelled: { type: 'order.cancelled', data: { orderId: 'rr-cancelled' }, path: '/orders/cancelled' },
  other: { type: 'order.shipped', data: { orderId: 'rr-shipped' }, path: '/orders/other' },
  unnamed: { type: 'order.refunded', data: { orderId: 'rr-refunded' }, path: '/orders/other' },
  cancelledRush: { type: 'order.cancelled', data: { orderId: 'rr-cancelled-rush', priority: 'high' }, path: '/orders/cancelled' },
  otherRush: { type: 'order.shipped', data: { orderId: 'rr-shipped-rush', priority: 'high' }, path: '/orders/other' },
  unnamedRush: { type: 'order.refunded', data: { orderId: 'rr-refunded-rush', priority: 'high' }, path: '/orders/other' },
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
    if (!subscriptions.some((s) => s.pubsubname === 'pubsub' && s.topic === 'orders')) {
      failWithCause('no subscription to orders', messages.notSubscribed(describeSubscriptions(subscriptions)));
    }
    for (const { type, data } of Object.values(events)) {
      await env().publish('order-source', 'pubsub', 'orders', data, { metadata: { 'cloudevent.type': type } });
    }
    await streams().consumed('orders', 'order-router', 10_000);
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

const DEFAULT = '/orders/other';

/**
 * Fails unless the event named arrived exactly once, on its own path; `lost` explains a missing
 * one. A mistake that sends several events astray (no rule matches anything, no default route, one
 * rule's wrong path) is one diagnosis, reported once for every expectation it fails.
 */
async function mustArriveAt(name: EventName, lost: string, wrongPath?: (path: string) => string | undefined): Promise<void> {
  const { type, data, path } = events[name];
  const what = `The ${type} event ${JSON.stringify(data)}`;
  const all = await routeAll();
  const arrivals = all.filter((a) => a.orderId === data.orderId);
  if (arrivals.length === 0) {
    const rule = await unguardedRead(type, data);
    if (rule) failWithCause("a rule reads a field some events lack", messages.unguarded(what, rule));
    if (path === DEFAULT) failWithCause('no default route', messages.noDefault(type, all.some((a) => a.path === DEFAULT)));
  }
  must(arrivals.length > 0, `${what} never reached the router. ${lost}`);
  const paths = arrivals.map((a) => a.path);
  must(arrivals.length === 1, messages.severalTimes(what, paths));
  if (paths[0] === path) return;
  if (all.length === Object.keys(events).length && all.every((a) => a.path === DEFAULT)) failWithCause('no rule matched any event', messages.noRuleMatched);
  const why = wrongPath?.(paths[0]!);
  if (why) must(false, `${what} arrived at ${paths[0]} instead of ${path}. ${why}`);
  if (path === DEFAULT) failWithCause(`${type} events at ${paths[0]}`, messages.notDefault(type, paths[0]!));
  failWithCause(`${type} events at ${paths[0]}`, messages.wrongPath(type, paths[0]!, path));
}

describe('routing-rules', () => {
  test('an order.created event reaches /orders/created', async () => {
    await mustArriveAt('created', messages.noRuleFor('order.created', '/orders/created'));
  });

  test('a high-priority order.created event reaches /orders/priority, not /orders/created', async () => {
    await mustArriveAt('priority', messages.noPriorityRule, (path) => (path === '/orders/created' ? messages.firstMatchWins : undefined));
  });

  test('an order.created event whose priority is not "high" reaches /orders/created', async () => {
    const notHigh = (path: string) => (path === '/orders/priority' ? messages.onlyHigh : undefined);
    await mustArriveAt('low', messages.noRuleFor('order.created', '/orders/created'), notHigh);
    await mustArriveAt('urgent', messages.noRuleFor('order.created', '/orders/created'), notHigh);
    await mustArriveAt('highest', messages.noRuleFor('order.created', '/orders/created'), notHigh);
  });

  test('an order.created event without a priority field still reaches /orders/created', async () => {
    await mustArriveAt('plain', messages.noRuleFor('order.created', '/orders/created'));
  });

  test('an order.cancelled event reaches /orders/cancelled', async () => {
    await mustArriveAt('cancelled', messages.noRuleFor('order.cancelled', '/orders/cancelled'));
  });

  test('an event that matches no rule reaches the default route /orders/other', async () => {
    await mustArriveAt('other', '');
    await mustArriveAt('unnamed', '');
  });

  test('a high-priority event of another type is routed by its type, not to /orders/priority', async () => {
    const priorityOnly = (path: string) => (path === '/orders/priority' ? messages.priorityWithoutType : undefined);
    await mustArriveAt('cancelledRush', messages.noRuleFor('order.cancelled', '/orders/cancelled'), priorityOnly);
    await mustArriveAt('otherRush', '', priorityOnly);
    await mustArriveAt('unnamedRush', '', priorityOnly);
  });
});

const messages = {
  notSubscribed: (listed: string) =>
    `daprd runs no subscription to \`orders\` for the order router (its /v1.0/metadata lists: ${listed}). ` +
    'Look at resources/subscription.yaml: its apiVersion, `pubsubname` and `topic`.',
  unguarded: (what: string, rule: string) =>
    `${what} never reached the router: the rule ${rule} reads a field this event does not have. That is an error (\`no such key\`), ` +
    'not `false`: daprd does not try the next rule, and the event is lost. Look at how that rule makes sure the field is there before reading it.',
  severalTimes: (what: string, paths: string[]) =>
    `${what} reached the router ${paths.length} times (${paths.join(', ')}). A subscription sends each event to one path: ` +
    'look for more than one Subscription to `orders` in resources/.',
  wrongPath: (type: string, actual: string, expected: string) =>
    `\`${type}\` events arrived at ${actual} instead of ${expected}. Look at the \`match\` and the \`path\` of the rule meant for them.`,
  noRuleMatched:
    `Every event arrived at the default route ${'/orders/other'}: no rule matched any of them. ` +
    'Look at what your rules compare: where does the type the publisher set end up in the CloudEvent?',
  noRuleFor: (type: string, path: string) => `No rule took it to ${path}, where \`${type}\` events go, and no default route took it anywhere.`,
  noPriorityRule: 'No rule took it to /orders/priority, and no default route took it anywhere.',
  onlyHigh: 'Only an order.created event whose priority is exactly "high" is a priority order.',
  firstMatchWins: 'daprd tries the rules from top to bottom and stops at the first that matches.',
  noDefault: (type: string, defaultUsed: boolean) =>
    defaultUsed
      ? `An event that matches no rule (\`${type}\`) never reached the router, though other events reached ${'/orders/other'}. Look at the rules that could match an \`${type}\` event.`
      : `An event that matches no rule (\`${type}\`) never reached the router. Such an event goes to the default route; without one, ` +
        'daprd acknowledges it and drops it without a word. Look at `spec.routes`.',
  notDefault: (type: string, actual: string) =>
    `\`${type}\` events arrived at ${actual} instead of ${'/orders/other'}. The task's table names no such type: it is one of "anything else". ` +
    'Look at where your subscription sends an event that none of its rules names.',
  priorityWithoutType: 'Its type is not `order.created`, so it is not a priority order, whatever its priority.',
};
