// Grades exercises/04-pubsub/dead-letters: an order that cannot be charged is retried as the
// Resiliency policy says (1 + maxRetries deliveries), then published to `orders-dead`, where the
// service's own subscriber picks it up. Deliveries are counted by the sidecar (its metrics), not by
// the service.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { eventually, getJson, must } from '../lib/expect.js';
import { describeSubscriptions } from '../lib/metadata.js';
import { deliveryCount, ingressOutcomes, subscriptionPaths } from '../lib/metrics.js';
import { useRedisStreams } from '../lib/redis-streams.js';
import { componentRetryPolicy } from '../lib/resiliency.js';

const env = useExercise();
const streams = useRedisStreams(env);

const good = { orderId: 'dl-good', amount: 25 };
const bad = { orderId: 'dl-bad', amount: -5 };
const ATTEMPTS = 3; // maxRetries: 2

/** What the sidecar did with one order: deliveries to the `orders` subscription, and outcomes. */
interface Delivered {
  attempts: number;
  outcomes: Record<string, number>;
  /** The consumer group acknowledged it: no more attempts will come. */
  settled: boolean;
}

/**
 * Publishes `order` (through the service's own sidecar) and waits until the sidecar is done with it:
 * the broker shows it acknowledged, which on pubsub.redis happens after the last attempt and after
 * any dead-letter publish. Returns the sidecar's own count of the attempts.
 */
async function publishAndSettle(order: typeof good): Promise<Delivered> {
  const paths = await subscriptionPaths(env(), 'payments', 'orders');
  const subscriptions = await env().subscriptions('payments');
  must(
    paths.length > 0,
    `payments does not subscribe to \`orders\` (daprd lists: ${describeSubscriptions(subscriptions)}). Subscribe before server.start().`,
  );
  const attemptsBefore = await deliveryCount(env(), 'payments', paths);
  const outcomesBefore = await ingressOutcomes(env(), 'payments', 'orders');
  await env().publish('payments', 'pubsub', 'orders', order);
  const policy = componentRetryPolicy(env().resources, 'pubsub');
  const retryTimeMs = policy && policy.maxRetries > 0 ? policy.maxRetries * policy.intervalMs : 0;
  const settled = await streams().consumed('orders', 'payments', Math.min(3000 + retryTimeMs, 10_000));
  // The counters are updated as each call ends; read until two reads agree.
  let attempts = await deliveryCount(env(), 'payments', paths);
  for (let again = -1; again !== attempts; ) {
    again = attempts;
    await new Promise((r) => setTimeout(r, 25));
    attempts = await deliveryCount(env(), 'payments', paths);
  }
  const outcomesAfter = await ingressOutcomes(env(), 'payments', 'orders');
  const outcomes = Object.fromEntries(Object.entries(outcomesAfter).map(([k, v]) => [k, v - (outcomesBefore[k] ?? 0)]));
  return { attempts: attempts - attemptsBefore, outcomes, settled };
}

let failing: Promise<Delivered> | undefined;
const deliverFailing = () => (failing ??= publishAndSettle(bad));

const url = (path: string) => `${env().app('payments').appUrl}${path}`;
const about = (order: typeof good) => `order ${order.orderId} (amount ${order.amount})`;

describe('dead-letters', () => {
  test('a valid order is charged, in one delivery', async () => {
    const { attempts } = await publishAndSettle(good);
    await eventually(
      () => getJson<string[]>(url('/charged')),
      (ids) => ids.includes(good.orderId),
      (ids) => `The ${about(good)} was not charged (GET /charged: ${JSON.stringify(ids ?? null)}).`,
      2000,
    );
    must(
      attempts === 1,
      `The ${about(good)} was delivered ${attempts} times; an order that is charged should be delivered once. ` +
        'Does the handler return DaprPubSubStatusEnum.SUCCESS after a successful charge?',
    );
  });

  test(`an order that cannot be charged is delivered ${ATTEMPTS} times: once, then 2 retries`, async () => {
    const { attempts, outcomes, settled } = await deliverFailing();
    const policy = componentRetryPolicy(env().resources, 'pubsub');
    must(attempts > 0, `The ${about(bad)} was never delivered to the payments service.`);
    must(
      !(attempts === 1 && outcomes.success),
      `The ${about(bad)} was delivered once, and the sidecar recorded the answer as SUCCESS: it acknowledged the order, ` +
        'which is now gone, neither retried nor dead-lettered. That is what happens when the handler throws: the SDK catches ' +
        'the error, logs it and answers SUCCESS. Catch the failed charge and return DaprPubSubStatusEnum.RETRY.',
    );
    must(
      !(attempts === 1 && outcomes.drop && !outcomes.retry),
      `The ${about(bad)} was delivered once and dropped: DROP (or HTTP 404) is never retried. Return DaprPubSubStatusEnum.RETRY for a failed charge.`,
    );
    must(
      policy,
      `The ${about(bad)} was delivered ${attempts === 1 ? 'once' : `${attempts} times`} and never again: the handler asked for a retry, but no retry policy ` +
        'applies to component `pubsub`. Write resources/resiliency.yaml: a Resiliency (apiVersion dapr.io/v1alpha1) with a retry policy ' +
        'under spec.policies.retries, applied at spec.targets.components.pubsub.inbound.retry.',
    );
    must(
      settled,
      `The ${about(bad)} was still being retried after ${attempts} deliveries. Your policy \`${policy.name}\` (${policy.file}) ` +
        `has maxRetries: ${policy.maxRetries} and waits ${policy.intervalMs} ms between attempts; the task asks for 2 retries, 50ms apart.`,
    );
    must(
      attempts === ATTEMPTS,
      `The ${about(bad)} was delivered ${attempts} times. A policy with maxRetries: N makes 1 + N attempts; yours, \`${policy.name}\` ` +
        `(${policy.file}), has maxRetries: ${policy.maxRetries}. The task asks for ${ATTEMPTS} attempts: maxRetries: 2.`,
    );
  });

  test('after its last retry, that order is published to orders-dead', async () => {
    const { outcomes } = await deliverFailing();
    // The sidecar publishes a dead letter before it acknowledges the original, which
    // deliverFailing() waited for: whatever is on the topic now is all there will be.
    const dead = (await streams().events('orders-dead')).map((e) => e.data as { orderId?: string } | undefined);
    const orders = (await env().subscriptions('payments')).find((s) => s.topic === 'orders');
    must(
      dead.some((d) => d?.orderId === bad.orderId),
      `The ${about(bad)} is not on the topic \`orders-dead\`. ` +
        (outcomes.success && !outcomes.retry
          ? 'The sidecar acknowledged it as a success (see above), so there was nothing to dead-letter.'
          : orders?.deadLetterTopic
            ? `The subscription to \`orders\` sends dead letters to \`${orders.deadLetterTopic}\`; the task asks for \`orders-dead\`.`
            : 'The subscription to `orders` has no dead-letter topic (daprd\'s /v1.0/metadata shows none): ' +
              "pass `deadLetterTopic: 'orders-dead'` to server.pubsub.subscribeWithOptions."),
    );
    must(
      !dead.some((d) => d?.orderId === good.orderId),
      `The ${about(good)}, which was charged, is on \`orders-dead\` too: only orders that failed should be dead-lettered.`,
    );
  });

  test('the dead-letter subscriber records that order at GET /dead-letters', async () => {
    await deliverFailing();
    const subscriptions = await env().subscriptions('payments');
    must(
      subscriptions.some((s) => s.topic === 'orders-dead'),
      `payments does not subscribe to \`orders-dead\` (daprd lists: ${describeSubscriptions(subscriptions)}). A dead-letter topic is ` +
        "an ordinary topic: server.pubsub.subscribe('pubsub', 'orders-dead', ...) and push each order onto `deadLetters`. " +
        '(The SDK\'s deadLetterCallback is never called.)',
    );
    const dead = await streams().events('orders-dead');
    must(
      dead.some((e) => (e.data as { orderId?: string } | undefined)?.orderId === bad.orderId),
      `The ${about(bad)} never reached \`orders-dead\` (see above), so there was nothing for the dead-letter subscriber to read.`,
    );
    await eventually(
      () => getJson<{ orderId?: string }[]>(url('/dead-letters')),
      (orders) => orders.some((o) => o.orderId === bad.orderId),
      (orders) =>
        `The ${about(bad)} is on \`orders-dead\`, but GET /dead-letters does not list it (${JSON.stringify(orders ?? null)}). ` +
        'Does the subscriber of `orders-dead` push each order onto `deadLetters`?',
      3000,
    );
  });
});
