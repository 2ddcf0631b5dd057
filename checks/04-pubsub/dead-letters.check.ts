// Grades exercises/04-pubsub/dead-letters: an order that cannot be charged is retried as the
// Resiliency policy says (1 + maxRetries deliveries), then published to `orders-dead` once, by
// daprd (the subscription's dead-letter topic), where the service's own subscriber picks it up and
// records it once. Deliveries are counted by the sidecar (its metrics), not by the service.
import { describe, test } from 'vitest';
import { brokerSettled } from '../lib/broker-settled.js';
import { useExercise } from '../lib/exercise.js';
import { eventually, failWithCause, getJson, must, requires } from '../lib/expect.js';
import { describeSubscriptions } from '../lib/metadata.js';
import { deliveryCount, ingressOutcomes, subscriptionPaths } from '../lib/metrics.js';
import { settledDeliveryCount } from '../lib/settled-count.js';
import { useRedisStreams } from '../lib/redis-streams.js';
import { componentRetryPolicy, resiliencyScopedAway } from '../lib/resiliency.js';
import { sidecarGate } from '../lib/sidecar-gate.js';

// payments reaches its sidecar only once daprd has asked it for its subscriptions: a subscription
// registered after `start()` resolved is then never seen, in every run (see sidecar-gate.ts).
const gate = sidecarGate('payments');
const env = useExercise({ beforeStart: gate.install });
const streams = useRedisStreams(env);

interface TestOrder {
  orderId: string;
  amount?: number;
}

const good: TestOrder = { orderId: 'dl-good', amount: 25 };
const bad: TestOrder = { orderId: 'dl-bad', amount: -5 };
// charge() refuses this one too (it has no amount), though its amount is not negative: a handler
// that tests `amount < 0` itself, instead of catching what charge() throws, lets this error escape.
const unpriced: TestOrder = { orderId: 'dl-unpriced' };
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
async function publishAndSettle(order: TestOrder): Promise<Delivered> {
  const paths = await subscriptionPaths(env(), 'payments', 'orders');
  const subscriptions = await env().subscriptions('payments');
  if (paths.length === 0) {
    failWithCause('payments does not subscribe to orders', messages.notSubscribed(describeSubscriptions(subscriptions)));
  }
  const attemptsBefore = await deliveryCount(env(), 'payments', paths);
  const outcomesBefore = await ingressOutcomes(env(), 'payments', 'orders');
  await env().publish('payments', 'pubsub', 'orders', order);
  const policy = componentRetryPolicy(env().resources, 'pubsub', 'inbound', 'payments');
  const retryTimeMs = policy && policy.maxRetries > 0 ? policy.maxRetries * policy.intervalMs : 0;
  const settled = await streams().consumed('orders', 'payments', Math.min(8000 + retryTimeMs, 15_000));
  const attempts = await settledDeliveryCount(env(), 'payments', paths);
  const outcomesAfter = await ingressOutcomes(env(), 'payments', 'orders');
  const outcomes = Object.fromEntries(Object.entries(outcomesAfter).map(([k, v]) => [k, v - (outcomesBefore[k] ?? 0)]));
  return { attempts: attempts - attemptsBefore, outcomes, settled };
}

let failing: Promise<Delivered> | undefined;
const deliverFailing = () => (failing ??= publishAndSettle(bad));

const url = (path: string) => `${env().app('payments').appUrl}${path}`;
const about = (order: TestOrder) => `order ${order.orderId} (${order.amount === undefined ? 'no amount' : `amount ${order.amount}`})`;
const RETRIED = `an order that cannot be charged is delivered ${ATTEMPTS} times: once, then 2 retries`;
const DEAD_LETTERED = 'after its last retry, that order is published to orders-dead';
const RECORDED = 'the dead-letter subscriber records that order once at GET /dead-letters';

/** Where the run's Resiliency resources apply a retry policy: `pubsub outbound`, `redis-pubsub inbound`, … */
function retryTargets(): string[] {
  return env()
    .resources.filter((r) => r.doc.kind === 'Resiliency')
    .flatMap((r) => {
      const spec = r.doc.spec as { targets?: { components?: Record<string, Record<string, { retry?: unknown }>>; apps?: Record<string, unknown> } };
      const components = Object.entries(spec?.targets?.components ?? {}).flatMap(([name, target]) =>
        Object.entries(target ?? {})
          .filter(([, t]) => t?.retry)
          .map(([direction]) => `component \`${name}\` ${direction}`),
      );
      return [...components, ...Object.keys(spec?.targets?.apps ?? {}).map((app) => `app \`${app}\``)];
    });
}

/** What payments itself answers daprd now (GET /dapr/subscribe), once its start() has resolved. */
async function subscriptionsInApp(): Promise<{ topic?: string }[]> {
  await Promise.race([gate.reached, new Promise((r) => setTimeout(r, 3000))]);
  try {
    const listed = await getJson<unknown>(url('/dapr/subscribe'));
    return Array.isArray(listed) ? (listed as { topic?: string }[]) : [];
  } catch {
    return [];
  }
}

const deadOrders = async () => (await streams().events('orders-dead')).map((e) => e.data as { orderId?: string } | undefined);

describe('dead-letters', () => {
  test('a valid order is charged, in one delivery', async () => {
    const { attempts } = await publishAndSettle(good);
    await eventually(
      () => getJson<string[]>(url('/charged')),
      (ids) => ids.includes(good.orderId),
      (ids) => messages.notCharged(ids),
      2000,
    );
    must(attempts === 1, messages.chargedSeveralTimes(attempts));
  });

  test(RETRIED, async () => {
    const { attempts, outcomes, settled } = await deliverFailing();
    const policy = componentRetryPolicy(env().resources, 'pubsub', 'inbound', 'payments');
    must(attempts > 0, messages.neverDelivered);
    must(!(attempts === 1 && outcomes.success), messages.answeredSuccess);
    must(!(attempts === 1 && outcomes.drop && !outcomes.retry), messages.answeredDrop);
    must(policy, messages.noPolicy(attempts, retryTargets(), resiliencyScopedAway(env().resources, 'payments')));
    must(settled, messages.stillRetrying(attempts, policy.name, policy.file, policy.maxRetries, policy.intervalMs));
    must(attempts === ATTEMPTS, messages.wrongAttempts(attempts, policy.name, policy.file, policy.maxRetries));
    must(policy.policy === 'constant' && policy.intervalMs === 50, messages.wrongPace(policy.name, policy.file, policy.policy, policy.intervalMs));
    // A second order charge() refuses, for another reason than a negative amount.
    const other = await publishAndSettle(unpriced);
    must(!(other.attempts === 1 && other.outcomes.success), messages.otherRefusalAcknowledged);
    must(other.settled && other.attempts === ATTEMPTS, messages.otherRefusalAttempts(other.attempts));
  });

  test(DEAD_LETTERED, async () => {
    const { outcomes } = await deliverFailing();
    // The sidecar publishes a dead letter before it acknowledges the original, which
    // deliverFailing() waited for: whatever is on the topic now is all there will be.
    const dead = await deadOrders();
    if (!dead.some((d) => d?.orderId === bad.orderId)) {
      requires(!(outcomes.success && !outcomes.retry), RETRIED, messages.acknowledgedSoNothingToDeadLetter);
      const orders = (await env().subscriptions('payments')).find((s) => s.topic === 'orders');
      must(false, orders?.deadLetterTopic ? messages.otherDeadLetterTopic(orders.deadLetterTopic) : messages.noDeadLetterTopic);
    }
    must(!dead.some((d) => d?.orderId === good.orderId), messages.goodDeadLettered);
    const deadLetterTopic = (await env().subscriptions('payments')).find((s) => s.topic === 'orders')?.deadLetterTopic;
    const times = dead.filter((d) => d?.orderId === bad.orderId).length;
    must(times === 1, messages.deadLetteredTimes(times, deadLetterTopic));
    must(deadLetterTopic === 'orders-dead', messages.notDeadLetteredByDaprd(deadLetterTopic));
  });

  test(RECORDED, async () => {
    await deliverFailing();
    const subscriptions = await env().subscriptions('payments');
    if (!subscriptions.some((s) => s.topic === 'orders-dead')) {
      const late = (await subscriptionsInApp()).some((s) => s.topic === 'orders-dead');
      must(false, late ? messages.subscribedTooLate(describeSubscriptions(subscriptions)) : messages.notSubscribedToDead(describeSubscriptions(subscriptions)));
    }
    requires((await deadOrders()).some((d) => d?.orderId === bad.orderId), DEAD_LETTERED, messages.nothingToRecord);
    await eventually(
      () => getJson<{ orderId?: string }[]>(url('/dead-letters')),
      (orders) => orders.some((o) => o?.orderId === bad.orderId),
      (orders) => messages.notRecorded(orders),
      10_000,
    );
    // Until payments' sidecar is done with orders-dead: any redelivery of the dead letter is over.
    await brokerSettled(streams(), ['orders-dead'], 10_000);
    const deliveries = await settledDeliveryCount(env(), 'payments', await subscriptionPaths(env(), 'payments', 'orders-dead'));
    const dead = await deadOrders();
    const listed = (await getJson<{ orderId?: string }[]>(url('/dead-letters'))).filter((o) => o?.orderId === bad.orderId).length;
    must(deliveries === dead.length, messages.deadLetterRedelivered(dead.length, deliveries, listed));
    // As many times as it is on the topic: once, unless the previous expectation failed.
    const times = dead.filter((d) => d?.orderId === bad.orderId).length;
    must(listed === times, messages.recordedTimes(times, listed));
  });
});

const messages = {
  notSubscribed: (listed: string) =>
    `payments' sidecar runs no subscription to \`orders\` (its /v1.0/metadata lists: ${listed}). Look at how, and when, payments subscribes to \`orders\`.`,
  notCharged: (ids: string[] | undefined) => `The ${about(good)} was not charged (GET /charged: ${JSON.stringify(ids ?? null)}).`,
  chargedSeveralTimes: (attempts: number) =>
    `The ${about(good)} was charged, but delivered ${attempts} times: the sidecar heard something other than success.`,
  neverDelivered: `The ${about(bad)} was never delivered to the payments service.`,
  answeredSuccess:
    `The ${about(bad)} was delivered once, and the sidecar recorded the answer as SUCCESS: it acknowledged the order, ` +
    'which is now gone, neither retried nor dead-lettered. (The SDK answers SUCCESS for a handler that throws, too.)',
  answeredDrop: `The ${about(bad)} was delivered once and dropped: the sidecar never retries DROP (or HTTP 404).`,
  noPolicy: (attempts: number, targets: string[], scopedAway: string[]) =>
    `The ${about(bad)} was delivered ${attempts === 1 ? 'once' : `${attempts} times`} and never again: the handler asked for a retry, but no retry policy ` +
    (scopedAway.length
      ? `that payments' sidecar loads applies to deliveries from component \`pubsub\`: it does not load ${scopedAway.join('; ')}.`
      : `applies to deliveries from component \`pubsub\`${targets.length ? ` (your Resiliency applies one to ${targets.join(', ')})` : ''}.`),
  stillRetrying: (attempts: number, name: string, file: string, maxRetries: number, intervalMs: number) =>
    `The ${about(bad)} was still being retried after ${attempts} deliveries. Your policy \`${name}\` (${file}) ` +
    `has maxRetries: ${maxRetries} and waits ${intervalMs} ms between attempts.`,
  wrongAttempts: (attempts: number, name: string, file: string, maxRetries: number) =>
    `The ${about(bad)} was delivered ${attempts} times, not ${ATTEMPTS}. Your policy \`${name}\` (${file}) has maxRetries: ${maxRetries}.`,
  wrongPace: (name: string, file: string, kind: string, intervalMs: number) =>
    `Your policy \`${name}\` (${file}) is ${kind === 'constant' ? `constant, ${intervalMs} ms between attempts` : `${kind}, with waits that grow`}; ` +
    'the task asks for a constant policy, 50ms apart.',
  otherRefusalAcknowledged:
    `The ${about(bad)} was retried, but the ${about(unpriced)}, which charge() refuses too, was delivered once, and the sidecar ` +
    'recorded the answer as SUCCESS: it acknowledged the order, which is now gone. A failed charge is whatever makes charge() fail, ' +
    'not only a negative amount.',
  otherRefusalAttempts: (attempts: number) =>
    `The ${about(bad)} was delivered ${ATTEMPTS} times, but the ${about(unpriced)}, which charge() refuses too, was delivered ${attempts} times.`,
  acknowledgedSoNothingToDeadLetter: `The sidecar acknowledged the ${about(bad)} as a success, so there was nothing to dead-letter.`,
  otherDeadLetterTopic: (topic: string) =>
    `The ${about(bad)} is not on the topic \`orders-dead\`: the subscription to \`orders\` sends dead letters to \`${topic}\`.`,
  noDeadLetterTopic:
    `The ${about(bad)} is not on the topic \`orders-dead\`: the subscription to \`orders\` has no dead-letter topic (daprd's /v1.0/metadata shows none).`,
  goodDeadLettered: `The ${about(good)}, which was charged, is on \`orders-dead\` too: only orders that failed should be dead-lettered.`,
  deadLetteredTimes: (times: number, deadLetterTopic: string | undefined) =>
    `The ${about(bad)} is on \`orders-dead\` ${times} times (read at the broker), not once` +
    (deadLetterTopic === 'orders-dead'
      ? '.'
      : `, and the subscription to \`orders\` has ${deadLetterTopic ? `the dead-letter topic \`${deadLetterTopic}\`` : 'no dead-letter topic'} ` +
        "(daprd's /v1.0/metadata): it was not daprd that published it there once the retries were used up."),
  notDeadLetteredByDaprd: (deadLetterTopic: string | undefined) =>
    `The ${about(bad)} is on \`orders-dead\`, but the subscription to \`orders\` has ` +
    `${deadLetterTopic ? `the dead-letter topic \`${deadLetterTopic}\`` : 'no dead-letter topic'} (daprd's /v1.0/metadata): ` +
    'it was not daprd that published it there once the retries were used up.',
  notSubscribedToDead: (listed: string) =>
    `payments does not subscribe to \`orders-dead\` (daprd lists: ${listed}). The SDK's deadLetterCallback is never called.`,
  subscribedTooLate: (listed: string) =>
    `payments' sidecar runs no subscription to \`orders-dead\` (daprd lists: ${listed}), though payments lists one when asked now ` +
    "(GET /dapr/subscribe). daprd asks an app for its subscriptions once, as soon as it finds it listening, and not again: " +
    'when it asked payments, that subscription was not there yet.',
  nothingToRecord: `The ${about(bad)} never reached \`orders-dead\`, so there was nothing for the dead-letter subscriber to read.`,
  deadLetterRedelivered: (onTopic: number, deliveries: number, listed: number) =>
    `${onTopic === 1 ? 'One dead letter is' : `${onTopic} dead letters are`} on \`orders-dead\`, but payments' sidecar delivered ` +
    `${deliveries === 1 ? 'one' : deliveries} from it (its metrics), and GET /dead-letters lists the ${about(bad)} ${listed === 1 ? 'once' : `${listed} times`}: ` +
    'the sidecar heard something other than success from the dead-letter subscriber, and delivered the dead letter again.',
  recordedTimes: (times: number, listed: number) =>
    `The ${about(bad)} is on \`orders-dead\` ${times === 1 ? 'once' : `${times} times`}, and payments' sidecar delivered ` +
    `${times === 1 ? 'it' : 'each'} once, but GET /dead-letters lists it ${listed === 1 ? 'once' : `${listed} times`}.`,
  notRecorded: (orders: unknown) =>
    `The ${about(bad)} is on \`orders-dead\`, but GET /dead-letters does not list it (${JSON.stringify(orders ?? null)}), though payments subscribes to \`orders-dead\`.`,
};
