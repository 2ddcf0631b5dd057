// Grades exercises/04-pubsub/notifications: the notifier routes each event on `notifications` to
// the right channels by type and content, records what no rule matches, retries a failing SMS the
// number of times its Resiliency policy says and then dead-letters it, and drops malformed events.
//
// Events are published by the check through its own sidecar (`check-events`), with a CloudEvent
// type, as other services would. That app also watches `notifications-dlq`, the broker side of the
// dead letters. What the notifier did is read from its API (channels.ts, provided): GET /sent,
// /attempts, /unrouted, /dead-letters, and /deliveries (each delivery and the service's answer).
import { describe, test } from 'vitest';
import type { AttemptRecord, ChannelName, DeliveryRecord, SentRecord } from '../../exercises/04-pubsub/notifications/channels.js';
import { useExercise } from '../lib/exercise.js';
import { eventually, getJson, must, postJson } from '../lib/expect.js';
import { describeSubscriptions } from '../lib/metadata.js';
import { componentRetryPolicy } from '../lib/resiliency.js';

const TOPIC = 'notifications';
const DLQ = 'notifications-dlq';
const CHECK_APP = 'check-events';

const env = useExercise({
  probes: [{ appId: CHECK_APP, probe: [{ pubsubname: 'pubsub', topic: DLQ }] }],
});

const CHANNELS: ChannelName[] = ['email', 'sms', 'push'];
type ByChannel<T> = Record<ChannelName, T[]>;

const api = <T>(path: string) => getJson<T>(`${env().app('notifier').appUrl}${path}`);
const publish = (type: string, data: unknown) =>
  env().publish(CHECK_APP, 'pubsub', TOPIC, data, { metadata: { 'cloudevent.type': type } });

/** Channels that delivered event `id`, in a fixed order. */
function channelsFor(sent: ByChannel<SentRecord>, id: string): ChannelName[] {
  return CHANNELS.filter((c) => (sent[c] ?? []).some((s) => s.eventId === id));
}
const list = (channels: string[]) => (channels.length ? channels.join(', ') : 'no channel');

/** Fails at once, in words, when the notifier does not subscribe to `topic` (instead of waiting). */
async function mustSubscribe(topic: string): Promise<{ deadLetterTopic?: string }> {
  const subscriptions = await env().subscriptions('notifier');
  const found = subscriptions.find((s) => s.pubsubname === 'pubsub' && s.topic === topic);
  must(
    found,
    `The notifier's sidecar has no subscription to \`${topic}\` on \`pubsub\` (it has: ${describeSubscriptions(subscriptions)}). ` +
      (topic === TOPIC
        ? 'Subscribe with server.pubsub.subscribeWithOptions before server.start().'
        : 'The dead-letter topic is an ordinary topic: subscribe to it with server.pubsub.subscribe.'),
  );
  return found;
}

const deliveriesOf = (ds: DeliveryRecord[], id: string) => ds.filter((d) => d.topic === TOPIC && d.eventId === id);
const answers = (ds: DeliveryRecord[], id: string) => deliveriesOf(ds, id).map((d) => d.answer ?? 'nothing yet').join(', ') || 'none';

/** Whether event `id` has arrived on the dead-letter topic (the check's own subscriber). */
const deadLettered = (id: string) => env().probe(CHECK_APP).deliveries.some((d) => (d.data as { id?: unknown } | undefined)?.id === id);

const RULE_ERROR =
  'A routing rule that reads a field the event does not have (e.g. `event.data.priority` on an event without priority) ' +
  'is an error, not false, and daprd then delivers the event to no route: guard it with has(event.data.priority).';

/**
 * Waits until the notifier has answered the first delivery of each event id on `notifications`.
 * An event that lands in the dead-letter topic without any delivery could not be routed: that ends
 * the wait at once.
 */
async function answered(ids: string[], why: string): Promise<DeliveryRecord[]> {
  const reached = (ds: DeliveryRecord[], id: string) => deliveriesOf(ds, id).some((d) => d.answer);
  const ds =
    (await eventually(
      () => api<DeliveryRecord[]>('/deliveries'),
      (ds) => ids.every((id) => reached(ds, id) || deadLettered(id)),
      () => '',
    ).catch(() => undefined)) ?? (await api<DeliveryRecord[]>('/deliveries'));
  const missing = ids.filter((id) => !reached(ds, id));
  const unroutable = missing.filter(deadLettered);
  must(
    unroutable.length === 0,
    `${unroutable.join(', ')} went straight to \`${DLQ}\` without reaching any of the notifier's routes: daprd could not route ${unroutable.length > 1 ? 'them' : 'it'}. ${RULE_ERROR}`,
  );
  must(
    missing.length === 0,
    `${missing.join(', ')} never reached the notifier (GET /deliveries) ${why}. Rules on the type read \`event.type == "order.confirmed"\` ` +
      `(the publisher sets it with the metadata cloudevent.type). ${RULE_ERROR}`,
  );
  return ds;
}

const EXPECTED: Record<string, ChannelName[]> = {
  'user.registered': ['email'],
  'order.confirmed': ['email', 'push'],
  'payment.failed': ['email', 'sms'],
  'shipment.delayed': ['push'],
};

describe('notifications', () => {
  test('each event type reaches exactly its channels', async () => {
    await mustSubscribe(TOPIC);
    const events = Object.keys(EXPECTED).map((type) => ({ type, id: `evt-${type}` }));
    await Promise.all(events.map((e) => publish(e.type, { id: e.id, userId: 'ada', message: `a ${e.type} event` })));
    await answered(events.map((e) => e.id), 'within 5 s of being published');
    const sent = await api<ByChannel<SentRecord>>('/sent');
    const wrong = events
      .map((e) => ({ ...e, want: EXPECTED[e.type]!, got: channelsFor(sent, e.id) }))
      .filter((e) => e.want.join() !== e.got.join());
    must(
      wrong.length === 0,
      `Some event types went to the wrong channels (GET /sent): ${wrong
        .map((e) => `${e.type} went to ${list(e.got)}, expected ${list(e.want)}`)
        .join('; ')}. Check the rule for each type and the channels its handler sends on.`,
    );
  });

  test('a high-priority event goes to every channel, SMS included', async () => {
    await mustSubscribe(TOPIC);
    await publish('shipment.delayed', { id: 'evt-urgent', userId: 'ada', priority: 'high', message: 'your parcel is late' });
    const [delivery] = deliveriesOf(await answered(['evt-urgent'], 'within 5 s'), 'evt-urgent');
    const got = channelsFor(await api<ByChannel<SentRecord>>('/sent'), 'evt-urgent');
    must(
      got.join() === CHANNELS.join(),
      `A shipment.delayed event with "priority": "high" went to ${list(got)} (on route \`${delivery?.route}\`), ` +
        'expected email, sms, push. Is the priority rule first (the first rule that matches wins), and does its route send on every channel?',
    );
  });

  test('a user who opted out of email gets no email', async () => {
    await mustSubscribe(TOPIC);
    await Promise.all([
      publish('order.confirmed', { id: 'evt-optout-order', userId: 'bob', optOut: ['email'] }),
      publish('user.registered', { id: 'evt-optout-welcome', userId: 'bob', optOut: ['email'] }),
    ]);
    await answered(['evt-optout-order', 'evt-optout-welcome'], 'within 5 s');
    const sent = await api<ByChannel<SentRecord>>('/sent');
    const order = channelsFor(sent, 'evt-optout-order');
    const welcome = channelsFor(sent, 'evt-optout-welcome');
    must(
      order.join() === 'push' && welcome.length === 0,
      `For a user with "optOut": ["email"], order.confirmed went to ${list(order)} (expected push only) and ` +
        `user.registered went to ${list(welcome)} (expected no channel). Leave out the channels in the event's optOut.`,
    );
  });

  test('an event no rule matches takes the default route and is recorded', async () => {
    await mustSubscribe(TOPIC);
    await publish('account.deleted', { id: 'evt-unrouted', userId: 'ada' });
    const isRecorded = (events: { data: { id?: string } }[]) => events.some((e) => e.data?.id === 'evt-unrouted');
    const unrouted = await eventually(
      () => api<{ data: { id?: string } }[]>('/unrouted'),
      // A 404 from a missing default handler counts as DROP: the event is dead-lettered at once.
      (events) => isRecorded(events) || deadLettered('evt-unrouted'),
      () => '',
    ).catch(() => api<{ data: { id?: string } }[]>('/unrouted'));
    if (!isRecorded(unrouted)) {
      const [delivery] = deliveriesOf(await api<DeliveryRecord[]>('/deliveries'), 'evt-unrouted');
      must(
        false,
        delivery?.answer === 'HTTP 404'
          ? `An account.deleted event (no rule matches it) was posted to the default route \`${delivery.route}\`, which has no handler ` +
              '(answered 404, which daprd treats as DROP). Set `default` next to `rules` and give that route a handler that calls unrouted.record(data).'
          : delivery
            ? `An account.deleted event (no rule matches it) arrived on route \`${delivery.route}\` (answered ${delivery.answer}) but was not ` +
                "recorded in GET /unrouted: the default route's handler should call unrouted.record(data)."
            : deadLettered('evt-unrouted')
              ? `An account.deleted event (no rule matches it) went straight to \`${DLQ}\` without reaching any route. ${RULE_ERROR}`
              : 'An account.deleted event (no rule matches it) never reached the notifier within 5 s. Give the routes a `default` ' +
                'and record what arrives there with unrouted.record(data).',
      );
    }
    const got = channelsFor(await api<ByChannel<SentRecord>>('/sent'), 'evt-unrouted');
    must(got.length === 0, `The unrouted account.deleted event was also sent on ${list(got)}; the default route sends nothing.`);
  });

  test('when the SMS sender fails, the handler answers RETRY', async () => {
    await mustSubscribe(TOPIC);
    await publish('payment.failed', { id: 'evt-sms-down', userId: 'ada', failSms: true });
    const [first] = deliveriesOf(await answered(['evt-sms-down'], 'within 5 s'), 'evt-sms-down');
    must(
      first?.answer === 'RETRY',
      `A payment.failed event whose SMS fails ("failSms": true) was answered ${first?.answer} on route \`${first?.route}\`, not RETRY. ` +
        (first?.answer === 'SUCCESS'
          ? 'A handler that throws is answered SUCCESS by the SDK and the event is lost: catch the failed send and return DaprPubSubStatusEnum.RETRY.'
          : 'Return DaprPubSubStatusEnum.RETRY when a send throws.'),
    );
  });

  test('the Resiliency policy retries it exactly maxRetries times', async () => {
    const policy = componentRetryPolicy(env().resources, 'pubsub', 'inbound');
    must(
      policy,
      'No Resiliency resource retries deliveries from `pubsub`. In resources/resiliency.yaml, define a retry policy under ' +
        'spec.policies.retries and name it in spec.targets.components.pubsub.inbound.retry.',
    );
    must(
      policy.maxRetries >= 1 && policy.maxRetries <= 5 && policy.intervalMs <= 500,
      `The retry policy \`${policy.name}\` (${policy.file}) has maxRetries ${policy.maxRetries} and waits ${policy.intervalMs} ms: ` +
        'use a short constant policy (duration 50ms, maxRetries 2) so that a failing event reaches the dead-letter topic quickly.',
    );
    const attempts = 1 + policy.maxRetries;
    // The dead letter marks the end of the retries. Without a dead-letter topic nothing marks it:
    // the wait then lasts the policy's whole schedule plus a margin, and the count is final too.
    await env().probe(CHECK_APP).waitUntil(
      (ds) => ds.some((d) => (d.data as { id?: string })?.id === 'evt-sms-down'),
      policy.maxRetries * policy.intervalMs + 2000,
    );
    const smsAttempts = ((await api<ByChannel<AttemptRecord>>('/attempts')).sms ?? []).filter((a) => a.eventId === 'evt-sms-down');
    const deliveries = deliveriesOf(await api<DeliveryRecord[]>('/deliveries'), 'evt-sms-down');
    must(
      deliveries.length > 0,
      'The failing payment.failed event never reached the notifier, so its retries cannot be counted (see the expectations above).',
    );
    must(
      smsAttempts.length === attempts,
      `The SMS sender was tried ${smsAttempts.length} time(s) for the failing payment.failed event (GET /attempts), ` +
        `and the event was delivered ${deliveries.length} time(s); the policy \`${policy.name}\` (maxRetries ${policy.maxRetries}) means ${attempts}: ` +
        'the first delivery plus one per retry. ' +
        (deliveries.length === 1
          ? 'Only one delivery: is the policy under targets.components.pubsub.inbound, and does the handler answer RETRY?'
          : 'Does each delivery try the SMS once?'),
    );
  });

  test('after the last retry the event is in notifications-dlq', async () => {
    const subscription = await mustSubscribe(TOPIC);
    if (await env().probe(CHECK_APP).waitUntil(() => deadLettered('evt-sms-down'), 2000)) return;
    const answered = answers(await api<DeliveryRecord[]>('/deliveries'), 'evt-sms-down');
    must(
      false,
      subscription.deadLetterTopic !== DLQ
        ? `The failing payment.failed event never reached \`${DLQ}\`: the subscription to \`${TOPIC}\` has ` +
            (subscription.deadLetterTopic ? `deadLetterTopic \`${subscription.deadLetterTopic}\`. ` : 'no deadLetterTopic. ') +
            `Set \`deadLetterTopic: '${DLQ}'\` in subscribeWithOptions; without one, on Redis, the event is acknowledged and lost.`
        : `The failing payment.failed event never reached \`${DLQ}\`. The notifier answered its deliveries: ${answered}. ` +
            'Only an event whose retries run out (RETRY) or that is dropped (DROP) is dead-lettered; SUCCESS means done.',
    );
  });

  test('the dead-letter consumer records it', async () => {
    await mustSubscribe(DLQ);
    must(
      deadLettered('evt-sms-down'),
      `The failing payment.failed event never reached \`${DLQ}\` (see the expectation above), so there was nothing for the dead-letter consumer to record.`,
    );
    await eventually(
      () => api<{ data: { id?: string } }[]>('/dead-letters'),
      (events) => events.some((e) => e.data?.id === 'evt-sms-down'),
      () => `The failing payment.failed event was not recorded in GET /dead-letters: the handler of \`${DLQ}\` should call deadLetters.record(data).`,
      3000,
    );
  });

  test('an SMS that fails once is sent on the retry', async () => {
    await mustSubscribe(TOPIC);
    const armed = await postJson(`${env().app('notifier').appUrl}/channels/sms/fail-next`, { count: 1 });
    must(armed.status < 300, `POST /channels/sms/fail-next answered ${armed.status}: ${armed.text}`);
    await publish('payment.failed', { id: 'evt-sms-flaky', userId: 'ada' });
    const smsSent = (sent: ByChannel<SentRecord>) => (sent.sms ?? []).some((s) => s.eventId === 'evt-sms-flaky');
    const sent = await eventually(
      () => api<ByChannel<SentRecord>>('/sent'),
      (sent) => smsSent(sent) || deadLettered('evt-sms-flaky'),
      () => '',
      3000,
    ).catch(() => api<ByChannel<SentRecord>>('/sent'));
    if (!smsSent(sent)) {
      const ds = await api<DeliveryRecord[]>('/deliveries');
      must(
        false,
        deliveriesOf(ds, 'evt-sms-flaky').length === 0
          ? `A payment.failed event never reached the notifier. ${RULE_ERROR}`
          : 'A payment.failed event whose first SMS send failed (POST /channels/sms/fail-next) was never sent by SMS; the notifier ' +
              `answered its deliveries: ${answers(ds, 'evt-sms-flaky')}. The first answer should be RETRY, and the retry policy should ` +
              'deliver it again, when the SMS goes through.',
      );
    }
    must(
      channelsFor(sent, 'evt-sms-flaky').join() === 'email,sms',
      `After its retry, the event went to ${list(channelsFor(sent, 'evt-sms-flaky'))}, expected email, sms.`,
    );
  });

  test('a malformed payload is dropped at once (DROP), not retried', async () => {
    const { deadLetterTopic } = await mustSubscribe(TOPIC);
    await publish('order.confirmed', { id: 'evt-malformed', note: 'this event has no userId' });
    const [first] = deliveriesOf(await answered(['evt-malformed'], 'within 5 s'), 'evt-malformed');
    const why: Record<string, string> = {
      RETRY: 'No retry can fix a malformed event: retrying only delays it.',
      SUCCESS: 'SUCCESS acknowledges it and it is gone without a trace.',
    };
    must(
      first?.answer === 'DROP',
      `An order.confirmed event without a userId was answered ${first?.answer}, not DROP. ${why[first?.answer ?? ''] ?? 'Any error status is retried.'} ` +
        'Return DaprPubSubStatusEnum.DROP when parseNotification(data) gives undefined.',
    );
    // With a dead-letter topic, daprd forwards a DROP there at once, and its arrival means daprd is
    // done with the event. Without one nothing marks the end: wait out one retry interval (short:
    // a DROP is not retried, so no second delivery should come).
    const retryMs = componentRetryPolicy(env().resources, 'pubsub', 'inbound')?.intervalMs ?? 0;
    const arrived = await env().probe(CHECK_APP).waitUntil(
      () => deadLettered('evt-malformed'),
      deadLetterTopic === DLQ ? 2000 : Math.min(retryMs, 500) + 500,
    );
    const count = deliveriesOf(await api<DeliveryRecord[]>('/deliveries'), 'evt-malformed').length;
    must(count === 1, `The malformed event was delivered ${count} times; a DROP is never retried.`);
    must(
      arrived || deadLetterTopic !== DLQ,
      `The dropped event did not reach \`${DLQ}\`, though the subscription has it as deadLetterTopic: daprd should forward a DROP there at once.`,
    );
  });
});
