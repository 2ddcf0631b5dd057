// Grades exercises/04-pubsub/notifications: the notifier routes each event on `notifications` to
// the right channels by type and content, leaves out opted-out channels, records what no rule
// matches, retries a failing send the number of times its Resiliency policy says and then
// dead-letters it, and drops malformed events.
//
// Events are published by the check through its own sidecar (`check-events`), with a CloudEvent
// type and id, as other services would. That app also watches `notifications-dlq`, the broker side
// of the dead letters. What the notifier did is read from its API (channels.ts, provided): GET
// /sent, /attempts, /unrouted, /dead-letters, and /deliveries (each delivery and the answer).
// Failures are real: channels.ts fails a send on demand (`failSms`, POST /channels/<name>/fail-next).
import { describe, test } from 'vitest';
import type { AttemptRecord, ChannelName, DeliveryRecord, SentRecord } from '../../exercises/04-pubsub/notifications/channels.js';
import { useExercise } from '../lib/exercise.js';
import { eventually, failWithCause, getJson, must, postJson, requires } from '../lib/expect.js';
import { describeSubscriptions } from '../lib/metadata.js';
import { componentRetryPolicy, resiliencyScopedAway } from '../lib/resiliency.js';

const TOPIC = 'notifications';
const DLQ = 'notifications-dlq';
const CHECK_APP = 'check-events';

const env = useExercise({
  probes: [{ appId: CHECK_APP, probe: [{ pubsubname: 'pubsub', topic: DLQ }] }],
});

const CHANNELS: ChannelName[] = ['email', 'sms', 'push'];
type ByChannel<T> = Record<ChannelName, T[]>;
type Stored = { data: { id?: string } | string };

/** The expectations later ones depend on, by name. */
const RETRY_EXPECTATION = 'when a send fails, the handler answers RETRY';
const RETRIES_EXPECTATION = 'a failing event is tried 3 times: once, then 2 retries 50 ms apart';
/** The handler answered RETRY for a failed send: later expectations can rely on it. */
let answersRetry = false;
const DLQ_EXPECTATION = 'after the last retry the event is in notifications-dlq';
const MALFORMED_EXPECTATION = 'a malformed event is dropped at once (DROP), not retried';

const api = <T>(path: string) => getJson<T>(`${env().app('notifier').appUrl}${path}`);
/** Publishes an event as another service would: its type, and its id as the CloudEvent id too. */
const publish = (type: string, id: string, data: unknown) =>
  env().publish(CHECK_APP, 'pubsub', TOPIC, data, { metadata: { 'cloudevent.type': type, 'cloudevent.id': id } });

/** Channels that delivered event `id`, in a fixed order. */
function channelsFor(sent: ByChannel<SentRecord>, id: string): ChannelName[] {
  return CHANNELS.filter((c) => (sent[c] ?? []).some((s) => s.eventId === id));
}
const list = (channels: string[]) => (channels.length ? channels.join(', ') : 'no channel');

/** Fails at once, in words, when the notifier does not subscribe to `topic` (instead of waiting). */
async function mustSubscribe(topic: string): Promise<{ deadLetterTopic?: string }> {
  const subscriptions = await env().subscriptions('notifier');
  const found = subscriptions.find((s) => s.pubsubname === 'pubsub' && s.topic === topic);
  if (found) return found;
  failWithCause(
    CAUSES.noSubscription(topic),
    `The notifier's sidecar has no subscription to \`${topic}\` on \`pubsub\` (it has: ${describeSubscriptions(subscriptions)}). ` +
      (topic === TOPIC
        ? 'Look at the subscribeWithOptions call in notifier.ts: it must run before server.start().'
        : 'The dead-letter topic is an ordinary topic: look for a subscription to it in notifier.ts.'),
  );
}

/**
 * GET /deliveries, each with the topic of the subscription it came in on. channels.ts reads that
 * topic from the SDK's path (`/pubsub--<topic>--<route>`); on a path of the learner's own (a
 * declarative subscription's route) it takes the CloudEvent's `topic`, which a dead letter keeps
 * from the topic it failed on. The paths of the subscription to the dead-letter topic (from the
 * sidecar's metadata) tell those deliveries apart.
 */
async function readDeliveries(): Promise<Delivery[]> {
  const [ds, subscriptions] = await Promise.all([api<DeliveryRecord[]>('/deliveries'), env().subscriptions('notifier')]);
  const pathsOf = (rules: unknown) => (Array.isArray(rules) ? rules.map((r) => String((r as { path?: unknown } | null)?.path ?? '')) : []);
  const dlqPaths = new Set(subscriptions.filter((s) => s.pubsubname === 'pubsub' && s.topic === DLQ).flatMap((s) => pathsOf(s.rules)));
  return ds.map((d) => ({ ...d, topic: d.topic === TOPIC && dlqPaths.has(d.route) ? DLQ : d.topic, outcome: outcomeOf(d.answer) }));
}

/** A delivery, and what daprd made of the answer. */
type Delivery = DeliveryRecord & { outcome?: 'SUCCESS' | 'RETRY' | 'DROP' };

/**
 * What daprd does with an answer, as channels.ts records it (daprd's HTTP postman): a 2xx with
 * status SUCCESS, or none, is a success, DROP drops, RETRY or any other status retries; a 404
 * drops, any other HTTP error retries. A handler on a route of its own may answer 500 for RETRY.
 */
function outcomeOf(answer: string | undefined): Delivery['outcome'] {
  if (answer === undefined) return undefined;
  if (answer.startsWith('HTTP ')) return answer === 'HTTP 404' ? 'DROP' : 'RETRY';
  if (answer === '' || answer === 'SUCCESS') return 'SUCCESS';
  return answer === 'DROP' ? 'DROP' : 'RETRY';
}

const deliveriesOf = (ds: Delivery[], id: string) => ds.filter((d) => d.topic === TOPIC && d.cloudEventId === id);
const answers = (ds: Delivery[], id: string) => deliveriesOf(ds, id).map((d) => d.answer ?? 'nothing yet').join(', ') || 'none';

/** Whether event `id` has arrived on the dead-letter topic (the check's own subscriber). */
const deadLettered = (id: string) => env().probe(CHECK_APP).deliveries.some((d) => d.event.id === id);
const recorded = (events: Stored[], id: string) => events.some((e) => typeof e.data === 'object' && e.data?.id === id);

/** `an order.confirmed event` (`a user.registered event`: by sound, not by letter). */
const an = (type: string) => `${/^[aeio]/.test(type) ? 'an' : 'a'} ${type} event`;
const capital = (text: string) => `${text.slice(0, 1).toUpperCase()}${text.slice(1)}`;
/** `An order.confirmed event (e1) was`, `A user.registered event (e2), ... were`. */
const theseEvents = (events: { id: string; type: string }[]) =>
  `${capital(events.map((e) => `${an(e.type)} (${e.id})`).join(', '))} ${events.length > 1 ? 'were' : 'was'}`;

/** Diagnoses behind many failures at once: the report states each once. */
const CAUSES = {
  noSubscription: (topic: string) => `no subscription to ${topic}`,
  ruleError: 'a routing rule fails to evaluate on events without `priority`',
  typeRules: 'the rules on the type match no event',
  silentSuccess: 'a handler answers SUCCESS without sending anything',
};
const ruleError = (what: string) =>
  failWithCause(
    CAUSES.ruleError,
    `${what} went straight to \`${DLQ}\` without reaching any of the notifier's routes: daprd could not pick a route. ` +
      'A rule that cannot be evaluated on an event (it reads a field the event does not have, such as `event.data.priority` on an event without priority, ' +
      'or looks inside data that is not a JSON object) is an error, not false: ' +
      'the event then goes to the dead-letter topic. Look at the first rule in subscribeWithOptions.',
  );

/**
 * Names the shared mistake behind events that went wrong, when there is one: typed events that
 * ended on the default route (no type rule matched), or events answered SUCCESS on a route that
 * sends, without one send attempted (the handler failed before it sent: the SDK answers SUCCESS).
 */
async function diagnose(events: { id: string; type: string; want?: unknown[] }[], deliveries: Delivery[]): Promise<void> {
  const unrouted = await api<Stored[]>('/unrouted');
  const typed = events.filter((e) => e.type in EXPECTED && recorded(unrouted, e.id));
  if (typed.length > 0) {
    failWithCause(
      CAUSES.typeRules,
      `${theseEvents(typed)} recorded in GET /unrouted: they took the default route, no rule on the type matched. ` +
        'The publisher sets the type with the metadata cloudevent.type: look at what your rules compare with it.',
    );
  }
  const attempts = await api<ByChannel<AttemptRecord>>('/attempts');
  const tried = (id: string) => CHANNELS.some((c) => (attempts[c] ?? []).some((a) => a.eventId === id));
  const silent = events.filter((e) => {
    const [first] = deliveriesOf(deliveries, e.id);
    return first?.outcome === 'SUCCESS' && !recorded(unrouted, e.id) && !tried(e.id) && (e.want ?? EXPECTED[e.type] ?? []).length > 0;
  });
  if (silent.length > 0) {
    const [first] = deliveriesOf(deliveries, silent[0]!.id);
    failWithCause(
      CAUSES.silentSuccess,
      `${theseEvents(silent)} answered SUCCESS (on route \`${first?.route}\`, for the first) without a single send attempted (GET /attempts). ` +
        "The handler stopped before sending, and an error that escapes a handler is answered SUCCESS by the SDK: look at the notifier's output below, and at what the handler does before it sends.",
    );
  }
}

/**
 * Waits until the notifier has answered the first delivery of each event id on `notifications`.
 * An event that lands in the dead-letter topic without any delivery could not be routed: that ends
 * the wait at once.
 */
async function answered(ids: string[], what: string): Promise<Delivery[]> {
  const reached = (ds: Delivery[], id: string) => deliveriesOf(ds, id).some((d) => d.answer);
  const ds =
    (await eventually(
      () => readDeliveries(),
      (ds) => ids.every((id) => reached(ds, id) || deadLettered(id)),
      () => '',
    ).catch(() => undefined)) ?? (await readDeliveries());
  const missing = ids.filter((id) => !reached(ds, id));
  const unroutable = missing.filter(deadLettered);
  if (unroutable.length > 0) ruleError(`${what} (${unroutable.join(', ')})`);
  must(
    missing.length === 0,
    `${what} (${missing.join(', ')}) never reached the notifier within 5 s: GET /deliveries lists no delivery of them, on any route.`,
  );
  return ds;
}

/** Sends and answers settle: waits until every given event is sent on `want`, or dead-lettered. */
async function sentOn(id: string, want: ChannelName[], timeoutMs = 3000): Promise<ByChannel<SentRecord>> {
  return (
    (await eventually(
      () => api<ByChannel<SentRecord>>('/sent'),
      (sent) => want.every((c) => channelsFor(sent, id).includes(c)) || deadLettered(id),
      () => '',
      timeoutMs,
    ).catch(() => undefined)) ?? (await api<ByChannel<SentRecord>>('/sent'))
  );
}

const EXPECTED: Record<string, ChannelName[]> = {
  'user.registered': ['email'],
  'order.confirmed': ['email', 'push'],
  'payment.failed': ['email', 'sms'],
  'shipment.delayed': ['push'],
};

/** A malformed event the check publishes; `mark` finds it in GET /dead-letters. */
type Malformed = { id: string; type: string; data: unknown; mark: string; what: string };
/**
 * Malformed events on every route that sends, so that a route whose own handler skips
 * parseNotification is caught: for each type one without a userId and one whose data is not JSON,
 * and a high-priority one without a userId for the high-priority route.
 */
const MALFORMED: Malformed[] = [
  ...Object.keys(EXPECTED).flatMap((type) => {
    const id = `evt-malformed-${type}`;
    const notJson = `${type} data, not JSON at all`;
    return [
      { id, type, data: { id, note: 'this event has no userId' }, mark: JSON.stringify(id), what: `${an(type)} without a userId` },
      { id: `evt-not-json-${type}`, type, data: notJson, mark: notJson, what: `${an(type)} whose data is not JSON` },
    ];
  }),
  {
    id: 'evt-malformed-urgent',
    type: 'order.confirmed',
    data: { id: 'evt-malformed-urgent', priority: 'high', note: 'this event has no userId' },
    mark: '"evt-malformed-urgent"',
    what: 'a high-priority order.confirmed event without a userId',
  },
];

describe('notifications', () => {
  test('each event type reaches exactly its channels', async () => {
    await mustSubscribe(TOPIC);
    const events = Object.keys(EXPECTED).map((type) => ({ type, id: `evt-${type}` }));
    await Promise.all(events.map((e) => publish(e.type, e.id, { id: e.id, userId: 'ada', message: `a ${e.type} event` })));
    const deliveries = await answered(events.map((e) => e.id), 'Events without priority');
    await diagnose(events, deliveries);
    const sent = await api<ByChannel<SentRecord>>('/sent');
    const wrong = events
      .map((e) => ({ ...e, want: EXPECTED[e.type]!, got: channelsFor(sent, e.id) }))
      .filter((e) => e.want.join() !== e.got.join());
    must(
      wrong.length === 0,
      `Some event types went to the wrong channels (GET /sent): ${wrong
        .map((e) => `${e.type} went to ${list(e.got)} on route \`${deliveriesOf(deliveries, e.id)[0]?.route}\` (answered ${answers(deliveries, e.id)}), expected ${list(e.want)}`)
        .join('; ')}.`,
    );
  });

  test('a high-priority event goes to every channel, whatever its type', async () => {
    await mustSubscribe(TOPIC);
    // Each of these matches the priority rule: one of every type the task names (each matches a
    // rule on its type as well, wherever that rule stands) and one that no type rule names.
    const urgent = [
      ...Object.keys(EXPECTED).map((type) => ({ type, id: `evt-urgent-${type}` })),
      { type: 'account.locked', id: 'evt-urgent-other' },
    ];
    // Priorities other than "high": "low", and "normal", which a rule that tests `!= "low"` takes as urgent.
    const normal = ['low', 'normal'].map((priority) => ({ type: 'order.confirmed', id: `evt-${priority}-priority`, priority }));
    await Promise.all([
      ...urgent.map((e) => publish(e.type, e.id, { id: e.id, userId: 'ada', priority: 'high' })),
      ...normal.map((e) => publish(e.type, e.id, { id: e.id, userId: 'ada', priority: e.priority })),
    ]);
    const deliveries = await answered([...urgent, ...normal].map((e) => e.id), 'Events with a priority');
    await diagnose([...urgent, ...normal], deliveries);
    const sent = await api<ByChannel<SentRecord>>('/sent');
    const wrong = urgent.filter((e) => channelsFor(sent, e.id).join() !== CHANNELS.join());
    must(
      wrong.length === 0,
      `High-priority events went elsewhere than email, sms, push: ${wrong
        .map((e) => `${e.type} went to ${list(channelsFor(sent, e.id))} (route \`${deliveriesOf(deliveries, e.id)[0]?.route}\`)`)
        .join('; ')}.`,
    );
    for (const e of normal) {
      const got = channelsFor(sent, e.id);
      must(
        got.join() === 'email,push',
        `An order.confirmed event with "priority": "${e.priority}" went to ${list(got)} (route \`${deliveriesOf(deliveries, e.id)[0]?.route}\`), expected email, push as for any order.confirmed: only "high" is urgent.`,
      );
    }
  });

  test('a user who opted out of a channel gets nothing on it', async () => {
    await mustSubscribe(TOPIC);
    // One case on every route, so that a route whose handler forgets the optOut is caught.
    const cases = [
      { type: 'order.confirmed', id: 'evt-optout-order', data: { optOut: ['email'] }, want: ['push'] },
      { type: 'user.registered', id: 'evt-optout-welcome', data: { optOut: ['email'] }, want: [] },
      { type: 'payment.failed', id: 'evt-optout-payment', data: { optOut: ['sms'] }, want: ['email'] },
      { type: 'shipment.delayed', id: 'evt-optout-shipment', data: { optOut: ['push'] }, want: [] },
      { type: 'payment.failed', id: 'evt-optout-urgent', data: { optOut: ['sms', 'push'], priority: 'high' }, want: ['email'] },
    ];
    await Promise.all(cases.map((c) => publish(c.type, c.id, { id: c.id, userId: 'bob', ...c.data })));
    await diagnose(cases, await answered(cases.map((c) => c.id), 'Events with an optOut'));
    const sent = await api<ByChannel<SentRecord>>('/sent');
    const wrong = cases.filter((c) => channelsFor(sent, c.id).join() !== c.want.join());
    must(
      wrong.length === 0,
      `Opted-out channels were used: ${wrong
        .map((c) => `${c.data.priority ? 'a high-priority ' : ''}${c.type} with "optOut": ${JSON.stringify(c.data.optOut)} went to ${list(channelsFor(sent, c.id))}, expected ${list(c.want)}`)
        .join('; ')}.`,
    );
  });

  test('an event no rule matches takes the default route and is recorded', async () => {
    await mustSubscribe(TOPIC);
    await publish('account.deleted', 'evt-unrouted', { id: 'evt-unrouted', userId: 'ada' });
    const unrouted = await eventually(
      () => api<Stored[]>('/unrouted'),
      // An event that reaches no handler is dropped, and with a deadLetterTopic it lands there at once.
      (events) => recorded(events, 'evt-unrouted') || deadLettered('evt-unrouted'),
      () => '',
    ).catch(() => api<Stored[]>('/unrouted'));
    if (!recorded(unrouted, 'evt-unrouted')) {
      const [delivery] = deliveriesOf(await readDeliveries(), 'evt-unrouted');
      if (!delivery && deadLettered('evt-unrouted')) ruleError('An account.deleted event (no rule matches it)');
      must(
        false,
        delivery?.answer === 'HTTP 404'
          ? `An account.deleted event (no rule matches it) was posted to the default path \`${delivery.route}\`, which no handler serves. ` +
              `The 404 is a DROP to daprd, so the event went to \`${DLQ}\` instead of being recorded.`
          : delivery
            ? `An account.deleted event (no rule matches it) arrived on route \`${delivery.route}\` (answered ${delivery.answer}) but was not ` +
                'recorded in GET /unrouted.'
            : 'An account.deleted event (no rule matches it) never reached the notifier within 5 s: GET /deliveries lists no delivery of it, on any route.',
      );
    }
    const got = channelsFor(await api<ByChannel<SentRecord>>('/sent'), 'evt-unrouted');
    must(got.length === 0, `The unrouted account.deleted event was also sent on ${list(got)}; the default route sends nothing.`);
  });

  test('an event with no channel to send on is answered SUCCESS, not dropped', async () => {
    await mustSubscribe(TOPIC);
    // Events of the tests above that were handled as asked without any send.
    const cases = [
      { id: 'evt-optout-welcome', what: 'A user.registered event whose user opted out of its only channel (email)' },
      { id: 'evt-optout-shipment', what: 'A shipment.delayed event whose user opted out of its only channel (push)' },
      { id: 'evt-unrouted', what: 'An account.deleted event, which no rule matches' },
    ];
    const ds = await answered(cases.map((c) => c.id), 'Events with no channel to send on');
    const wrong = cases.filter((c) => deliveriesOf(ds, c.id)[0]?.outcome !== 'SUCCESS');
    must(
      wrong.length === 0,
      wrong
        .map((c) => `${c.what} was answered ${deliveriesOf(ds, c.id)[0]?.answer} on route \`${deliveriesOf(ds, c.id)[0]?.route}\`.`)
        .join(' ') +
        ` Only SUCCESS tells daprd the event was handled: after a DROP it goes to \`${DLQ}\`, and into GET /dead-letters, as an event that failed.`,
    );
  });

  test(RETRY_EXPECTATION, async () => {
    await mustSubscribe(TOPIC);
    await publish('payment.failed', 'evt-sms-down', { id: 'evt-sms-down', userId: 'ada', failSms: true });
    const deliveries = await answered(['evt-sms-down'], 'A payment.failed event');
    await diagnose([{ id: 'evt-sms-down', type: 'payment.failed' }], deliveries);
    const [first] = deliveriesOf(deliveries, 'evt-sms-down');
    must(
      first?.outcome === 'RETRY',
      `A payment.failed event whose SMS fails ("failSms": true) was answered ${first?.answer} on route \`${first?.route}\`, not RETRY.` +
        (first?.outcome === 'SUCCESS' ? ' SUCCESS tells daprd the event was handled, so it is never tried again.' : ''),
    );
    answersRetry = true;
  });

  test(RETRIES_EXPECTATION, async () => {
    const policy = componentRetryPolicy(env().resources, 'pubsub', 'inbound', 'notifier');
    must(
      policy,
      // What is wrong only: where to look is the expectation's hint (module.yaml), printed under it.
      'No Resiliency resource that daprd loads retries the deliveries of `pubsub` to this app, so a failing event is tried once only.' +
        resiliencyScopedAway(env().resources, 'notifier').map((r) => ` notifier's sidecar does not load ${r}.`).join(''),
    );
    must(
      policy.policy === 'constant' && policy.maxRetries === 2 && policy.intervalMs === 50,
      `The retry policy \`${policy.name}\` (${policy.file}) is ${policy.policy} with maxRetries ${policy.maxRetries}, ${policy.intervalMs} ms apart; ` +
        'the task asks for constant, 50ms apart, maxRetries 2.',
    );
    const [first] = deliveriesOf(await readDeliveries(), 'evt-sms-down');
    requires(first?.outcome === 'RETRY', RETRY_EXPECTATION, 'The failing event was not answered RETRY, so daprd has nothing to retry.');
    // The dead letter marks the end of the retries. Without a dead-letter topic nothing marks it:
    // the wait then lasts the policy's whole schedule plus a margin, and the count is final too.
    await env().probe(CHECK_APP).waitUntil(() => deadLettered('evt-sms-down'), 2 * 50 + 2000);
    const smsAttempts = ((await api<ByChannel<AttemptRecord>>('/attempts')).sms ?? []).filter((a) => a.eventId === 'evt-sms-down');
    const deliveries = deliveriesOf(await readDeliveries(), 'evt-sms-down');
    must(
      smsAttempts.length === 3 && deliveries.length === 3,
      `The failing payment.failed event was delivered ${deliveries.length} time(s) and its SMS tried ${smsAttempts.length} time(s) (GET /deliveries, /attempts): ` +
        'expected 3 each, the first delivery plus 2 retries.' +
        (deliveries.length === 1
          ? ` Only one delivery: daprd did not retry it, though the handler answered RETRY and \`${policy.name}\` (${policy.file}) says to.`
          : ''),
    );
  });

  test(DLQ_EXPECTATION, async () => {
    const subscription = await mustSubscribe(TOPIC);
    if (await env().probe(CHECK_APP).waitUntil(() => deadLettered('evt-sms-down'), 2000)) return;
    const deliveries = deliveriesOf(await readDeliveries(), 'evt-sms-down');
    requires(
      deliveries[0]?.outcome === 'RETRY',
      RETRY_EXPECTATION,
      `The failing payment.failed event was answered ${deliveries[0]?.answer ?? 'never'}, not RETRY, so its retries never ran out.`,
    );
    const answered = deliveries.map((d) => d.answer ?? 'nothing yet').join(', ');
    must(
      false,
      subscription.deadLetterTopic !== DLQ
        ? `The failing payment.failed event never reached \`${DLQ}\`: the subscription to \`${TOPIC}\` has ` +
            (subscription.deadLetterTopic ? `deadLetterTopic \`${subscription.deadLetterTopic}\`.` : 'no deadLetterTopic, so on Redis the event was acknowledged and lost.')
        : `The failing payment.failed event never reached \`${DLQ}\`. The notifier answered its deliveries: ${answered}. ` +
            'Only an event whose retries run out (RETRY) or that is dropped (DROP) is dead-lettered; SUCCESS means done.',
    );
  });

  test('the dead-letter consumer records it', async () => {
    requires(deadLettered('evt-sms-down'), DLQ_EXPECTATION, `The failing payment.failed event never reached \`${DLQ}\`, so there was nothing to record.`);
    await mustSubscribe(DLQ);
    await eventually(
      () => api<Stored[]>('/dead-letters'),
      (events) => recorded(events, 'evt-sms-down'),
      () => `The failing payment.failed event reached \`${DLQ}\` but is not in GET /dead-letters, though the notifier subscribes to \`${DLQ}\`.`,
      3000,
    );
  });

  test('a send that fails once, on any channel, is sent on the retry', async () => {
    await mustSubscribe(TOPIC);
    // One channel at a time: fail-next fails the next send on that channel, whichever event it is for.
    // One case on every route, so that a route whose handler lets the error escape is caught; the
    // last goes through the high-priority route.
    const cases: { channel: ChannelName; type: string; id: string; urgent?: boolean }[] = [
      { channel: 'email', type: 'order.confirmed', id: 'evt-email-flaky' },
      { channel: 'email', type: 'user.registered', id: 'evt-welcome-flaky' },
      { channel: 'sms', type: 'payment.failed', id: 'evt-sms-flaky' },
      { channel: 'push', type: 'shipment.delayed', id: 'evt-push-flaky' },
      { channel: 'sms', type: 'shipment.delayed', id: 'evt-urgent-flaky', urgent: true },
    ];
    for (const { channel, type, id, urgent } of cases) {
      const armed = await postJson(`${env().app('notifier').appUrl}/channels/${channel}/fail-next`, { count: 1 });
      must(armed.status < 300, `POST /channels/${channel}/fail-next answered ${armed.status}: ${armed.text}`);
      await publish(type, id, urgent ? { id, userId: 'ada', priority: 'high' } : { id, userId: 'ada' });
      const want = urgent ? CHANNELS : EXPECTED[type]!;
      const what = urgent ? `A high-priority ${type} event` : capital(an(type));
      const sent = await sentOn(id, want);
      const got = channelsFor(sent, id);
      if (got.join() === want.join()) continue;
      const ds = await readDeliveries();
      const mine = deliveriesOf(ds, id);
      if (mine.length === 0 && deadLettered(id)) ruleError(what);
      await diagnose([{ id, type, want }], ds);
      requires(answersRetry || mine[0]?.outcome !== 'SUCCESS', RETRY_EXPECTATION, `The event whose ${channel} send failed was answered SUCCESS, so it was never tried again.`);
      requires(
        !(mine.length === 1 && mine[0]?.outcome === 'RETRY'),
        RETRIES_EXPECTATION,
        `The event whose ${channel} send failed was answered RETRY, but daprd never delivered it again.`,
      );
      // The SDK logs a handler that threw and answers SUCCESS for it: the timeline marks that answer.
      const threw = env().timeline.enabled && env().timeline.deliveries({ app: 'notifier', eventId: id }).some((d) => d.answer?.threw);
      must(
        false,
        `${what} whose first ${channel} send failed (POST /channels/${channel}/fail-next) went to ${list(got)}, expected ${list(want)}; ` +
          `the notifier answered its deliveries: ${answers(ds, id)}` +
          (mine.length === 1 && mine[0]?.outcome === 'SUCCESS'
            ? ` (on route \`${mine[0].route}\`).` +
              (threw ? ` The handler of that route let the ${channel} send's error escape, and the SDK answers SUCCESS for a handler that throws.` : '') +
              ' SUCCESS tells daprd the event was handled, so the failed send was never tried again.'
            : '.'),
      );
    }
  });

  test(MALFORMED_EXPECTATION, async () => {
    const { deadLetterTopic } = await mustSubscribe(TOPIC);
    await Promise.all(MALFORMED.map((c) => publish(c.type, c.id, c.data)));
    const ds = await answered(MALFORMED.map((c) => c.id), 'Malformed events');
    // Not the events whose data is not JSON: a send of one records no attempt under their id.
    await diagnose(MALFORMED.filter((c) => typeof c.data === 'object'), ds);
    const sent = await api<ByChannel<SentRecord>>('/sent');
    const why: Record<string, string> = {
      RETRY: 'No retry can fix a malformed event: retrying only delays it.',
      SUCCESS: 'SUCCESS acknowledges it and it is gone without a trace.',
    };
    const answerOf = (c: Malformed) => deliveriesOf(ds, c.id)[0];
    const wrong = MALFORMED.filter((c) => answerOf(c)?.outcome !== 'DROP');
    if (wrong.length > 0) {
      const [c, ...others] = wrong;
      const first = answerOf(c!);
      const on = channelsFor(sent, c!.id);
      must(
        false,
        `${capital(c!.what)} was answered ${first?.answer} on route \`${first?.route}\`, not DROP` +
          (on.length > 0 ? ` (it was sent on ${list(on)}, GET /sent)` : '') +
          `. ${why[first?.answer ?? ''] ?? 'Any error status is retried.'}` +
          (others.length > 0
            ? ` Not answered DROP either: ${others.map((o) => `${o.what} (${answerOf(o)?.answer} on route \`${answerOf(o)?.route}\`)`).join('; ')}.`
            : ''),
      );
    }
    // With a dead-letter topic, daprd forwards a DROP there at once, and its arrival means daprd is
    // done with the event. Without one nothing marks the end: wait out one retry interval (short:
    // a DROP is not retried, so no second delivery should come).
    const retryMs = componentRetryPolicy(env().resources, 'pubsub', 'inbound', 'notifier')?.intervalMs ?? 0;
    await env()
      .probe(CHECK_APP)
      .waitUntil(() => MALFORMED.every((c) => deadLettered(c.id)), deadLetterTopic === DLQ ? 2000 : Math.min(retryMs, 500) + 500);
    const all = await readDeliveries();
    for (const c of MALFORMED) {
      const count = deliveriesOf(all, c.id).length;
      must(count === 1, `${capital(c.what)} was delivered ${count} times; a DROP is never retried.`);
    }
    const lost = MALFORMED.find((c) => !deadLettered(c.id));
    must(
      !lost || deadLetterTopic !== DLQ,
      `${capital(lost?.what ?? '')} was dropped but did not reach \`${DLQ}\`, though the subscription has it as deadLetterTopic: daprd should forward a DROP there at once.`,
    );
  });

  test('the dead-letter consumer records the malformed events too', async () => {
    requires(
      MALFORMED.every((c) => deadLettered(c.id)),
      MALFORMED_EXPECTATION,
      `The malformed events did not all reach \`${DLQ}\`, so whether the dead-letter consumer records them cannot be checked.`,
    );
    await mustSubscribe(DLQ);
    const has = (events: Stored[], mark: string) => events.some((e) => JSON.stringify(e.data ?? null).includes(mark));
    const events = await eventually(
      () => api<Stored[]>('/dead-letters'),
      (events) => MALFORMED.every((c) => has(events, c.mark)),
      () => '',
      3000,
    ).catch(() => api<Stored[]>('/dead-letters'));
    const missing = MALFORMED.filter((c) => !has(events, c.mark));
    if (missing.length === 0) return;
    const ds = await readDeliveries();
    const dlqAnswers = (id: string) =>
      ds.filter((d) => d.topic === DLQ && d.cloudEventId === id).map((d) => d.answer ?? 'nothing yet').join(', ') || 'no delivery';
    must(
      false,
      `${capital(
        missing
          .map((c) => `${c.what.replace(/^an? /, 'the ')} (${c.id})`)
          .join(', ')
          .replace(/, ([^,]*)$/, ' and $1'),
      )} reached \`${DLQ}\` ` +
        `but ${missing.length > 1 ? 'are' : 'is'} not in GET /dead-letters within 3 s. ` +
        `The dead-letter consumer answered ${missing.map((c) => `${c.id}: ${dlqAnswers(c.id)}`).join('; ')} (GET /deliveries).`,
    );
  });
});
