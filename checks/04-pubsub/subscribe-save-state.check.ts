// Grades exercises/04-pubsub/subscribe-save-state: order-processor subscribes to `orders` before it
// starts, keeps the latest version of each order in `statestore` under its orderId (the order
// itself, whichever fields a later version changes or drops), answers SUCCESS after a save that worked, and
// RETRY when a save fails, so that the order is delivered again instead of lost.
//
// Two failures are forced, every run: order-processor reaches its sidecar only after the sidecar has
// asked it for its subscriptions (sidecar-gate.ts), and Redis refuses state writes while one order
// is delivered (redis-faults.ts).
import { describe, test } from 'vitest';
import { brokerSettled } from '../lib/broker-settled.js';
import { useExercise } from '../lib/exercise.js';
import { eventually, failWithCause, getJson, must, requires } from '../lib/expect.js';
import { describeSubscriptions } from '../lib/metadata.js';
import { deliveryCount, ingressOutcomes, sidecarMetrics, subscriptionPaths } from '../lib/metrics.js';
import { settledDeliveryCount } from '../lib/settled-count.js';
import { useRedisClient } from '../lib/redis-client.js';
import { useRedisFaults } from '../lib/redis-faults.js';
import { useRedisStreams } from '../lib/redis-streams.js';
import { apiCalls, describeApiCalls } from '../lib/sidecar-api-calls.js';
import { sidecarGate } from '../lib/sidecar-gate.js';
import { stateKeys } from '../lib/state-keys.js';

const gate = sidecarGate('order-processor');
// `checkout` is a sidecar with no app: the check publishes through it, as a service would.
const env = useExercise({ probes: [{ appId: 'checkout' }], beforeStart: gate.install });
const redis = useRedisClient(env);
const streams = useRedisStreams(env);
const faults = useRedisFaults(env);

const SUBSCRIBES = 'order-processor subscribes to orders on pubsub';
const SAVES = 'each published order is saved in statestore under its orderId';
const ACKNOWLEDGED = 'a saved order is acknowledged as a success, not delivered again';
const OVERWRITES = 'each later event for the same order overwrites the saved order';

type Order = { orderId: string; customer: string; total: number; status: string; note?: string };
const orders: Order[] = [
  { orderId: 'sss-1', customer: 'ada', total: 42.5, status: 'placed' },
  { orderId: 'sss-2', customer: 'bob', total: 7, status: 'placed' },
];
// Later versions of the first order: a corrected total with a note about it (the status
// unchanged), then shipped, without the note: the store must hold that version as it is, not
// merged into the saved one.
const corrected: Order = { ...orders[0]!, total: 45, note: 'total corrected: the ribbon was left out' };
const shipped: Order = { orderId: corrected.orderId, customer: corrected.customer, total: corrected.total, status: 'shipped' };
const refused: Order = { orderId: 'sss-3', customer: 'cy', total: 3, status: 'placed' };

// State written through the learner's sidecar, read back through the same sidecar (state.redis
// keys are stored per app-id).
const saved = (orderId: string) => env().getState('order-processor', 'statestore', orderId);
/** The order itself: the same fields with the same values, and no other field. */
const sameOrder = (value: unknown, order: Order) =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === Object.keys(order).length &&
  Object.entries(order).every(([k, v]) => (value as Record<string, unknown>)[k] === v);
const isOrdersSubscription = (s: { pubsubname: string; topic: string }) => s.pubsubname === 'pubsub' && s.topic === 'orders';

let subscribed = false;
let savesWork = false;
let savedAttempts = 0;
let outcomesBeforeSaves: Outcomes = { single: {}, bulk: {} };

/**
 * Deliveries to order-processor since `before`, once the sidecar is done with what was published
 * (its consumer group acknowledged everything) or has already delivered more than `expected`.
 */
async function attemptsOnceSettled(paths: string[], before: number, expected: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const attempts = (await deliveryCount(env(), 'order-processor', paths)) - before;
    if (attempts > expected || Date.now() >= deadline) return attempts;
    if (await streams().consumed('orders', 'order-processor', 0)) return (await settledDeliveryCount(env(), 'order-processor', paths)) - before;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * How order-processor's sidecar recorded the messages it took from `orders`. `single`: per message,
 * by outcome (`success`, `retry`, `drop`). `bulk`: for a bulk subscription (`subscribeBulk`), where
 * one call to the app carries several messages, daprd counts the calls in which some message had
 * each status (`success`, `retry`, `drop`), not the messages.
 */
interface Outcomes {
  single: Record<string, number>;
  bulk: Record<string, number>;
}

async function outcomesNow(): Promise<Outcomes> {
  const bulk: Record<string, number> = {};
  for (const s of await sidecarMetrics(env(), 'order-processor')) {
    if (s.name !== 'dapr_component_pubsub_ingress_bulk_event_count' || s.labels.topic !== 'orders') continue;
    const outcome = (s.labels.process_status ?? 'unknown').toLowerCase();
    bulk[outcome] = (bulk[outcome] ?? 0) + s.value;
  }
  return { single: await ingressOutcomes(env(), 'order-processor', 'orders'), bulk };
}

const minus = (now: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (before[k] ?? 0)]));

/**
 * The outcomes order-processor's sidecar recorded for messages from `orders` since `before`, once
 * it has recorded `expected` that end a message (success or drop; a metric lags the call a moment)
 * or a bulk call, or after 3 s.
 */
async function finalOutcomesSince(before: Outcomes, expected: number): Promise<Outcomes> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const now = await outcomesNow();
    const since = { single: minus(now.single, before.single), bulk: minus(now.bulk, before.bulk) };
    const ended = (since.single.success ?? 0) + (since.single.drop ?? 0) >= expected || Object.values(since.bulk).some((n) => n > 0);
    if (ended || Date.now() >= deadline) return since;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the app itself would answer daprd now (GET /dapr/subscribe), once its start() has resolved. */
async function subscriptionsInApp(): Promise<{ pubsubname: string; topic: string }[]> {
  await Promise.race([gate.reached, new Promise((r) => setTimeout(r, 3000))]);
  let listed: { pubsubname: string; topic: string }[] = [];
  const deadline = Date.now() + 1500;
  do {
    try {
      listed = await getJson(`${env().app('order-processor').appUrl}/dapr/subscribe`);
    } catch {
      listed = [];
    }
    if (listed.some(isOrdersSubscription)) break;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  return listed;
}

/** Waits until statestore holds `order` under its orderId; otherwise says what it held last. */
async function savedWithin(order: Order, timeoutMs = 10_000): Promise<{ ok: boolean; last: unknown }> {
  let last: unknown;
  try {
    await eventually(async () => (last = await saved(order.orderId)), (value) => sameOrder(value, order), () => '', timeoutMs);
    return { ok: true, last };
  } catch {
    return { ok: false, last };
  }
}

/** Why nothing, or not the order, is saved under `order.orderId`: read at the sidecar and in Redis. */
async function whyNotSaved(order: Order, last: unknown): Promise<string> {
  const what = `order ${order.orderId}`;
  if (typeof last === 'string') {
    return messages.savedAString(what, last);
  }
  if (last !== undefined) return messages.savedSomethingElse(what, last, order);
  const calls = (await apiCalls(env(), 'order-processor', '/v1.0/state')).filter((c) => c.method === 'POST');
  if (calls.length === 0) return messages.neverSaved(what);
  const toStore = calls.filter((c) => c.path === '/v1.0/state/statestore');
  if (toStore.length === 0) return messages.savedElsewhere(what, describeApiCalls(calls));
  if (toStore.every((c) => c.status >= 300)) return messages.savesRefused(what, describeApiCalls(toStore));
  return messages.otherKeys(what, await stateKeys(redis(), 'order-processor'));
}

describe('subscribe-save-state', () => {
  test(SUBSCRIBES, async () => {
    const atSidecar = await env().subscriptions('order-processor');
    if (atSidecar.some(isOrdersSubscription)) {
      subscribed = true;
      return;
    }
    const inApp = await subscriptionsInApp();
    must(!inApp.some(isOrdersSubscription), messages.subscribedTooLate);
    must(inApp.length > 0, messages.subscribesToNothing);
    must(false, messages.notSubscribed(describeSubscriptions(atSidecar), describeSubscriptions(inApp)));
  });

  test(SAVES, async () => {
    requires(subscribed, SUBSCRIBES, messages.cannotDeliver('be saved'));
    const paths = await subscriptionPaths(env(), 'order-processor', 'orders');
    const before = await deliveryCount(env(), 'order-processor', paths);
    outcomesBeforeSaves = await outcomesNow();
    for (const order of orders) await env().publish('checkout', 'pubsub', 'orders', order);
    for (const order of orders) {
      const { ok, last } = await savedWithin(order);
      if (!ok) must(false, await whyNotSaved(order, last));
    }
    savesWork = true;
    savedAttempts = await attemptsOnceSettled(paths, before, orders.length);
  });

  test(ACKNOWLEDGED, async () => {
    requires(savesWork, SAVES, messages.cannotCount);
    // One call per order, or fewer with a bulk subscription (several orders per call); more means
    // some order was delivered again.
    must(savedAttempts <= orders.length, messages.savedButRetried(savedAttempts, orders.length));
    // How the sidecar recorded the answers: SUCCESS and DROP are both acknowledged, delivered once.
    const { single, bulk } = await finalOutcomesSince(outcomesBeforeSaves, orders.length);
    if (Object.values(bulk).some((n) => n > 0)) {
      must(!bulk.retry && !bulk.drop, messages.savedButNotSuccessBulk(bulk));
    } else {
      must((single.success ?? 0) === orders.length, messages.savedButNotSuccess(orders.length, single));
    }
  });

  test(OVERWRITES, async () => {
    requires(savesWork, SAVES, messages.cannotOverwrite);
    // Each version is published only once the one before is saved: pubsub.redis hands events to up
    // to ten workers at once, so two events for one key published back to back may be saved in
    // either order.
    for (const [version, what] of [
      [corrected, `with total ${corrected.total} and a \`note\` (status still \`${corrected.status}\`)`],
      [shipped, `with status \`${shipped.status}\` and no \`note\``],
    ] as const) {
      await env().publish('checkout', 'pubsub', 'orders', version);
      await eventually(
        () => saved(version.orderId),
        (value) => sameOrder(value, version),
        (last) => messages.notOverwritten(version, what, last),
        10_000,
      );
    }
  });

  test('an order whose save fails is delivered again and saved, not lost', async () => {
    requires(savesWork, SAVES, messages.cannotRefuse);
    // Deliveries are counted per route, not per order: first let earlier orders finish.
    await brokerSettled(streams(), ['orders'], 10_000);
    const paths = await subscriptionPaths(env(), 'order-processor', 'orders');
    const before = await deliveryCount(env(), 'order-processor', paths);
    const attempts = async () => (await deliveryCount(env(), 'order-processor', paths)) - before;
    const outcome = await faults().during('state writes', async () => {
      await env().publish('checkout', 'pubsub', 'orders', refused);
      // Until the sidecar either delivers it a second time (the handler answered RETRY) or
      // acknowledges it (the handler answered anything else, or threw).
      const deadline = Date.now() + 10_000;
      for (;;) {
        if ((await attempts()) >= 2) return 'retried';
        if (await streams().consumed('orders', 'order-processor', 0)) return 'acknowledged';
        if (Date.now() >= deadline) return 'stuck';
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    if (outcome === 'acknowledged') {
      const delivered = (await settledDeliveryCount(env(), 'order-processor', paths)) - before;
      failWithCause('a failed save is acknowledged', messages.acknowledged(refused.orderId, delivered));
    }
    must(outcome === 'retried', messages.stuck(refused.orderId));
    await eventually(
      () => saved(refused.orderId),
      (value) => sameOrder(value, refused),
      (last) => messages.retriedNotSaved(refused.orderId, last),
      10_000,
    );
  });
});

const messages = {
  subscribedTooLate:
    "order-processor's sidecar runs no subscription to pubsub/orders, although your app lists one now (GET /dapr/subscribe): " +
    'it was registered after daprd had asked. daprd asks once, as soon as it finds the app listening; the check starts your app ' +
    'before its sidecar answers, so `await server.start()` resolves only after that.',
  subscribesToNothing:
    "order-processor subscribes to nothing: its sidecar runs no subscription (/v1.0/metadata) and the app lists none (GET /dapr/subscribe).",
  notSubscribed: (atSidecar: string, inApp: string) =>
    `order-processor's sidecar runs no subscription to pubsub/orders: it runs ${atSidecar} (/v1.0/metadata), as your app asks ` +
    `(GET /dapr/subscribe: ${inApp}).`,
  cannotDeliver: (what: string) => `order-processor does not subscribe to pubsub/orders, so no order reaches it to ${what}.`,
  cannotOverwrite: 'The first orders were never saved as published, so whether a later event overwrites one cannot be checked.',
  cannotRefuse: 'The orders were never saved as published, so what happens when a save fails cannot be checked.',
  cannotCount: 'The orders were never saved as published, so whether a saved order is acknowledged cannot be checked.',
  savedButRetried: (attempts: number, expected: number) =>
    `The ${expected} orders were saved, but order-processor's sidecar delivered them ${attempts} times: it heard something other than success ` +
    'after a save that worked, and delivers the order again.',
  neverSaved: (what: string) =>
    `Nothing is saved for ${what}, and order-processor never called its sidecar's state API (the sidecar counted no save).`,
  savedElsewhere: (what: string, calls: string) =>
    `Nothing is saved in \`statestore\` for ${what}: your handler's saves went to ${calls}.`,
  savesRefused: (what: string, calls: string) =>
    `Nothing is saved for ${what}: the sidecar refused every save (${calls}); its reason is in the log below.`,
  otherKeys: (what: string, keys: string[]) =>
    `statestore holds nothing under the key ${what.replace('order ', '')}, but order-processor saved under ${keys.map((k) => `\`${k}\``).join(', ') || 'no key'}.`,
  savedAString: (what: string, value: string) =>
    `statestore holds a string for ${what} (${JSON.stringify(value).slice(0, 120)}), not the order as an object (the state API stores an object as JSON by itself).`,
  savedSomethingElse: (what: string, value: unknown, order: Order) => {
    const extra = typeof value === 'object' && value !== null ? Object.keys(value).filter((k) => !(k in order)) : [];
    return (
      `statestore holds ${JSON.stringify(value)} for ${what}, not the order that was published (${JSON.stringify(order)})` +
      (extra.length ? `: it has ${extra.map((k) => `\`${k}\``).join(', ')}, which the published order does not.` : '.')
    );
  },
  notOverwritten: (order: Order, what: string, last: unknown) => {
    const value = typeof last === 'object' && last !== null && !Array.isArray(last) ? (last as Record<string, unknown>) : undefined;
    const extra = value ? Object.keys(value).filter((k) => !(k in order)) : [];
    const rest = value && Object.entries(order).every(([k, v]) => value[k] === v);
    return (
      `The check published a later version of order ${order.orderId}, ${what}: ${JSON.stringify(order)}. ` +
      `10 s later statestore still holds ${JSON.stringify(last ?? null)}` +
      (rest && extra.length
        ? `: this version's fields, and ${extra.map((k) => `\`${k}\``).join(', ')}, which this version does not have (an earlier one did).`
        : '.')
    );
  },
  savedButNotSuccess: (expected: number, outcomes: Record<string, number>) =>
    `The ${expected} orders were saved and delivered once each, but order-processor's sidecar recorded its answers as ` +
    `${describeOutcomes(outcomes)} (its metric dapr_component_pubsub_ingress_count), not ${expected} success: ` +
    'the handler answered something other than SUCCESS after a save that worked.',
  savedButNotSuccessBulk: (bulk: Record<string, number>) =>
    "The orders were saved, delivered in bulk (several per call), but order-processor's sidecar counted answers other than " +
    `success: ${describeOutcomes(bulk)} (bulk calls by answer, its metric dapr_component_pubsub_ingress_bulk_event_count). ` +
    'The handler answered something other than SUCCESS for an order whose save worked.',
  acknowledged: (orderId: string, attempts: number) =>
    `While Redis refused every state write (the check's fault), order ${orderId} was delivered ${attempts === 1 ? 'once' : `${attempts} times`} ` +
    "and order-processor's sidecar then acknowledged it: the order is lost, never saved. state.save returned an `error` there.",
  stuck: (orderId: string) =>
    `While Redis refused every state write, order ${orderId} was delivered once and the handler had not answered 10 s later.`,
  retriedNotSaved: (orderId: string, last: unknown) =>
    `Order ${orderId} was delivered again after its save failed, but once Redis accepted writes again it was still not saved ` +
    `(statestore holds ${JSON.stringify(last ?? null)}). Look at what your handler does on a repeated delivery.`,
};

function describeOutcomes(outcomes: Record<string, number>): string {
  const counted = Object.entries(outcomes).filter(([, n]) => n > 0);
  return counted.length ? counted.map(([outcome, n]) => `${n} ${outcome}`).join(', ') : 'nothing';
}
