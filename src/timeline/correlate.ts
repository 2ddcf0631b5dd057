// From what was observed to a timeline: each hop exchange becomes a delivery, a publish or a state
// call; publishes get their CloudEvent id from the broker (or from the first delivery, where the
// broker cannot be read); deliveries are numbered per event and subscriber; dead letters and what
// the broker still holds come from the broker. A pure function of its input, so it is tested on
// its own and can be re-run whenever more has been observed.
import { compareEntryIds, entryTime, type BrokerSnapshot } from './broker.js';
import type { Exchange } from './hop.js';
import { byTime, interpretAnswer, type Answer, type TimelineEvent } from './model.js';

export interface AppExchange {
  /** The app's name in the run (its app-id, unless replicas share one). */
  app: string;
  exchange: Exchange;
}

/** A publish the check made itself (`env.publish`), through an app's sidecar. */
export interface CheckPublish {
  at: number;
  endedAt: number;
  via: string;
  pubsub: string;
  topic: string;
  contentType: string;
  body: string;
  metadata: Record<string, string>;
  status?: number;
}

/** The SDK's own log line saying a handler threw (it then answers SUCCESS). */
export interface HandlerError {
  app: string;
  at: number;
  /** The route as the SDK names it: `orders` for `/orders`. */
  route: string;
  error: string;
}

/** A subscription as the app's sidecar runs it (`/v1.0/metadata`). */
export interface SubscriptionInfo {
  pubsubname: string;
  topic: string;
  deadLetterTopic?: string;
  paths: string[];
}

export interface Observations {
  apps: { name: string; appId: string }[];
  /** Exchanges of the hops between each sidecar and its app. */
  deliveries: AppExchange[];
  /** Exchanges of the hops between each app and its sidecar's API. */
  calls: AppExchange[];
  checkPublishes: CheckPublish[];
  handlerErrors: HandlerError[];
  subscriptions: Record<string, SubscriptionInfo[]>;
  broker?: BrokerSnapshot;
}

interface Seen {
  /** When the event was first seen: stored on the broker, or delivered. */
  at: number;
  envelope: Record<string, unknown>;
  claimed: boolean;
}

export function correlate(observations: Observations): TimelineEvent[] {
  const appIdOf = new Map(observations.apps.map((a) => [a.name, a.appId]));
  const laneOfAppId = (appId: string) => observations.apps.find((a) => a.appId === appId)?.name ?? appId;

  const deliveries = observations.deliveries.flatMap(({ app, exchange }) => deliveriesOf(app, exchange, observations.subscriptions[app] ?? []));
  markThrown(deliveries, observations.handlerErrors);
  const subscriptions = observations.deliveries.flatMap(({ app, exchange }) => subscriptionsEvent(app, exchange));
  const publishes = [
    ...observations.calls.flatMap(({ app, exchange }) => publishesOf(app, exchange)),
    ...observations.checkPublishes.map(checkPublishEvent),
  ].sort(byTime);
  const state = observations.calls.flatMap(({ app, exchange }) => stateCallsOf(app, exchange));

  // Every event id seen, with where it was first seen, for giving publishes their ids.
  const seen = new Map<string, Seen[]>();
  const see = (id: unknown, at: number, envelope: Record<string, unknown>) => {
    if (typeof id !== 'string') return;
    const list = seen.get(id) ?? [];
    list.push({ at, envelope, claimed: false });
    seen.set(id, list);
  };
  const originals = (observations.broker?.streams ?? []).flatMap((s) =>
    s.entries.filter((e) => !isDeadLetter(s.topic, e.envelope)).map((e) => ({ topic: s.topic, ...e })),
  );
  for (const entry of originals) see(entry.envelope.id, entryTime(entry.entryId), entry.envelope);
  // Events the broker does not show (another broker than Redis) were first seen delivered.
  for (const d of [...deliveries].sort(byTime)) if (!seen.has(d.eventId!) && d.envelope?.topic === d.topic) see(d.eventId, d.at, d.envelope ?? {});
  for (const publish of publishes) {
    const publisherId = publish.by === 'check' ? appIdOf.get(publish.via!) : appIdOf.get(publish.app);
    const match = matchSeen(seen, publish, publisherId);
    if (match) {
      match.record.claimed = true;
      publish.eventId = match.id;
      publish.type ??= stringOr(match.record.envelope.type);
      publish.envelope ??= match.record.envelope;
    }
  }
  // Events on the broker that no recorded publish made (a publish the hops could not see).
  const brokerOnly: TimelineEvent[] = [];
  for (const entry of originals) {
    const id = entry.envelope.id;
    const record = typeof id === 'string' ? seen.get(id)?.find((s) => s.envelope === entry.envelope) : undefined;
    if (!record || record.claimed) continue;
    brokerOnly.push({
      at: entryTime(entry.entryId),
      kind: 'publish',
      by: 'broker',
      app: laneOfAppId(String(entry.envelope.source ?? '?')),
      pubsub: stringOr(entry.envelope.pubsubname),
      topic: entry.topic,
      eventId: String(id),
      type: stringOr(entry.envelope.type),
      data: entry.envelope.data,
      envelope: entry.envelope,
    });
  }

  const deadLetters = deadLettersOf(observations, deliveries, laneOfAppId);
  numberAttempts(deliveries, [...publishes, ...brokerOnly]);
  for (const d of deliveries) d.from = originOf(d, publishes, brokerOnly, deadLetters, laneOfAppId);
  for (const event of [...publishes, ...state]) event.causedBy ??= handlingAt(deliveries, event);
  const held = brokerState(observations.broker, laneOfAppId);
  return [...subscriptions, ...publishes, ...brokerOnly, ...deliveries, ...state, ...deadLetters, ...held].sort(byTime);
}

// --- deliveries --------------------------------------------------------------------------------

function deliveriesOf(app: string, exchange: Exchange, subscriptions: SubscriptionInfo[]): TimelineEvent[] {
  if (exchange.method !== 'POST') return [];
  const contentType = exchange.requestHeaders['content-type'] ?? '';
  const route = exchange.url.split('?')[0]!;
  const topicOfRoute = subscriptions.find((s) => s.paths.includes(route))?.topic;
  const durationMs = round(exchange.endedAt - exchange.startedAt);
  const body = parseJson(exchange.requestBody);
  if (contentType.includes('cloudevents+json') && isObject(body)) {
    const answer: Answer = { ...interpretAnswer(exchange.status, exchange.responseBody), status: exchange.status, body: cut(exchange.responseBody), durationMs };
    if (exchange.error) answer.label = `no answer (${exchange.error})`;
    return [deliveryEvent(app, exchange.startedAt, route, topicOfRoute, body, answer)];
  }
  // Bulk subscribe: one request carries several events; the app answers each by entryId.
  if (isObject(body) && Array.isArray(body.entries)) {
    const statuses = (parseJson(exchange.responseBody) as { statuses?: { entryId?: string; status?: string }[] } | undefined)?.statuses ?? [];
    return body.entries.filter(isObject).map((entry) => {
      const envelope = isObject(entry.event) ? entry.event : { data: entry.event, id: entry.entryId };
      const status = statuses.find((s) => s.entryId === entry.entryId)?.status;
      const answer: Answer = { ...bulkEntryAnswer(exchange.status, status), status: exchange.status, body: cut(exchange.responseBody), durationMs };
      return deliveryEvent(app, exchange.startedAt, route, topicOfRoute, envelope, answer);
    });
  }
  return [];
}

function deliveryEvent(app: string, at: number, route: string, topic: string | undefined, envelope: Record<string, unknown>, answer: Answer): TimelineEvent {
  return {
    at,
    kind: 'delivery',
    app,
    pubsub: stringOr(envelope.pubsubname),
    topic: topic ?? stringOr(envelope.topic),
    eventId: stringOr(envelope.id),
    type: stringOr(envelope.type),
    route,
    answer,
    data: envelope.data,
    envelope,
  };
}

/** In a bulk answer a missing or empty status means RETRY (dapr postman DeliverBulk). */
function bulkEntryAnswer(httpStatus: number | undefined, status: string | undefined): Pick<Answer, 'outcome' | 'label'> {
  if (httpStatus === undefined || httpStatus < 200 || httpStatus > 299) return interpretAnswer(httpStatus, '');
  if (status === 'SUCCESS') return { outcome: 'success', label: 'SUCCESS' };
  if (status === 'DROP') return { outcome: 'drop', label: 'DROP' };
  return { outcome: 'retry', label: status ? status : 'no status (bulk: retried)' };
}

/** A SUCCESS answered while the SDK logged that the handler threw: the error was swallowed. */
function markThrown(deliveries: TimelineEvent[], errors: HandlerError[]): void {
  for (const error of errors) {
    const during = deliveries
      .filter((d) => d.app === error.app && d.route === `/${error.route.replace(/^\//, '')}` && d.answer?.outcome === 'success' && !d.answer.threw)
      .filter((d) => d.at - 5 <= error.at && error.at <= d.at + d.answer!.durationMs + 1000);
    const closest = during.sort((a, b) => Math.abs(a.at - error.at) - Math.abs(b.at - error.at))[0];
    if (closest) closest.answer!.threw = error.error;
  }
}

function subscriptionsEvent(app: string, exchange: Exchange): TimelineEvent[] {
  if (exchange.method !== 'GET' || exchange.url.split('?')[0] !== '/dapr/subscribe' || exchange.status !== 200) return [];
  const list = parseJson(exchange.responseBody);
  if (!Array.isArray(list)) return [];
  return [
    {
      at: exchange.startedAt,
      kind: 'subscriptions',
      app,
      subscriptions: list.filter(isObject).map((s) => ({
        pubsubname: stringOr(s.pubsubname),
        topic: stringOr(s.topic),
        route: stringOr(s.route) ?? (isObject(s.routes) ? stringOr(s.routes.default) : undefined),
        deadLetterTopic: stringOr(s.deadLetterTopic),
      })),
    },
  ];
}

/** Numbers each subscriber's deliveries of an event 1, 2, 3…, anew after each publish of that id. */
function numberAttempts(deliveries: TimelineEvent[], publishes: TimelineEvent[]): void {
  const counts = new Map<string, number>();
  for (const d of [...deliveries].sort(byTime)) {
    const occurrence = publishes.filter((p) => p.eventId === d.eventId && p.at <= d.at).length;
    const key = `${d.eventId}\u0000${d.app}\u0000${d.topic}\u0000${occurrence}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    d.attempt = n;
  }
}

/** The lane a delivery came from: the sidecar that dead-lettered it, or its publisher. */
function originOf(
  delivery: TimelineEvent,
  publishes: TimelineEvent[],
  brokerOnly: TimelineEvent[],
  deadLetters: TimelineEvent[],
  laneOfAppId: (id: string) => string,
): string {
  const dead = deadLetters.find((x) => x.eventId === delivery.eventId && x.topic === delivery.topic);
  if (dead) return dead.app;
  const publish = [...publishes, ...brokerOnly].filter((p) => p.eventId === delivery.eventId && p.at <= delivery.at + 1).at(-1);
  if (publish) return publish.app;
  return laneOfAppId(String(delivery.envelope?.source ?? '?'));
}

/**
 * The event an app was handling when it made a call: among the deliveries to it still open then,
 * the one whose data shares an id with the call (an app handles several at once), else the latest.
 */
function handlingAt(deliveries: TimelineEvent[], event: TimelineEvent): string | undefined {
  const open = deliveries.filter((d) => d.app === event.app && d.at <= event.at && event.at <= d.at + (d.answer?.durationMs ?? 0));
  const related = open.filter((d) => mentions(event, d.data));
  return (related.length ? related : open).sort((a, b) => b.at - a.at)[0]?.eventId;
}

/** The identifying values of an event's data: fields named `id`, `orderId`, … */
function idsOf(data: unknown): string[] {
  if (!isObject(data)) return [];
  return Object.entries(data)
    .filter(([key, value]) => /id$/i.test(key) && (typeof value === 'string' || typeof value === 'number'))
    .map(([, value]) => String(value));
}

/** A publish with an id of the data, or a state call whose key holds one of its values (a sku). */
function mentions(event: TimelineEvent, data: unknown): boolean {
  if (event.kind === 'state') {
    const values = isObject(data) ? Object.values(data).filter((v): v is string => typeof v === 'string' && v.length >= 4) : [];
    return (event.keys ?? []).some((key) => values.some((v) => key.includes(v)));
  }
  const ids = idsOf(event.data);
  return idsOf(data).some((id) => ids.includes(id));
}

// --- publishes and state calls -----------------------------------------------------------------

const PUBLISH = /^\/v1\.0\/publish\/([^/]+)\/(.+)$/;
const BULK_PUBLISH = /^\/v1\.0-alpha1\/publish\/bulk\/([^/]+)\/(.+)$/;

function publishesOf(app: string, exchange: Exchange): TimelineEvent[] {
  if (exchange.method !== 'POST') return [];
  const [pathname, query = ''] = exchange.url.split('?');
  const metadata = metadataOf(query);
  const single = PUBLISH.exec(pathname!);
  const base = { at: exchange.startedAt, kind: 'publish' as const, by: 'app' as const, app, status: exchange.status };
  if (single) {
    const contentType = exchange.requestHeaders['content-type'] ?? '';
    return [{ ...base, ...publishTarget(single), ...bodyFields(exchange.requestBody, contentType, metadata), ...(Object.keys(metadata).length ? { metadata } : {}) }];
  }
  const bulk = BULK_PUBLISH.exec(pathname!);
  if (!bulk) return [];
  const entries = parseJson(exchange.requestBody);
  if (!Array.isArray(entries)) return [];
  return entries.filter(isObject).map((entry) => {
    const entryMetadata = isObject(entry.metadata) ? (entry.metadata as Record<string, string>) : {};
    const contentType = stringOr(entry.contentType) ?? '';
    const text = typeof entry.event === 'string' ? entry.event : JSON.stringify(entry.event);
    return { ...base, ...publishTarget(bulk), ...bodyFields(text, contentType, entryMetadata), ...(Object.keys(entryMetadata).length ? { metadata: entryMetadata } : {}) };
  });
}

function publishTarget(match: RegExpExecArray): { pubsub: string; topic: string } {
  return { pubsub: decodeURIComponent(match[1]!), topic: decodeURIComponent(match[2]!) };
}

function checkPublishEvent(p: CheckPublish): TimelineEvent {
  const metadata = p.metadata;
  return {
    at: p.at,
    kind: 'publish',
    by: 'check',
    app: 'check',
    via: p.via,
    pubsub: p.pubsub,
    topic: p.topic,
    status: p.status,
    ...bodyFields(p.body, p.contentType, metadata),
    ...(Object.keys(metadata).length ? { metadata } : {}),
  };
}

/** The data of a publish, and its id and type where the publisher set them. */
function bodyFields(body: string, contentType: string, metadata: Record<string, string>): Pick<TimelineEvent, 'data' | 'eventId' | 'type'> {
  if (contentType.includes('cloudevents+json')) {
    const event = parseJson(body);
    if (isObject(event)) return { data: event.data, eventId: stringOr(event.id), type: stringOr(event.type) };
  }
  const data = contentType.includes('json') ? (parseJson(body) ?? body) : body;
  return { data, eventId: metadata['cloudevent.id'], type: metadata['cloudevent.type'] };
}

/**
 * The earliest unclaimed record of an event seen after the publish started: with the id the
 * publisher set, or else with the publish's topic, publisher and data.
 */
function matchSeen(seen: Map<string, Seen[]>, publish: TimelineEvent, publisherId: string | undefined): { id: string; record: Seen } | undefined {
  let best: { id: string; record: Seen } | undefined;
  const candidates = publish.eventId ? [[publish.eventId, seen.get(publish.eventId) ?? []] as const] : seen.entries();
  for (const [id, records] of candidates) {
    for (const record of records) {
      const e = record.envelope;
      if (record.claimed || record.at < Math.floor(publish.at) - 1) continue;
      if (e.topic !== publish.topic || (publish.pubsub && e.pubsubname !== publish.pubsub)) continue;
      if (!publish.eventId && publisherId && e.source !== publisherId) continue;
      if (!publish.eventId && !sameData(e.data ?? e.data_base64, publish.data)) continue;
      if (!best || record.at < best.record.at) best = { id, record };
    }
  }
  return best;
}

function stateCallsOf(app: string, exchange: Exchange): TimelineEvent[] {
  const [pathname] = exchange.url.split('?');
  const match = /^\/v1\.0(?:-alpha1)?\/state\/([^/]+)(?:\/(.+))?$/.exec(pathname!);
  if (!match) return [];
  const store = decodeURIComponent(match[1]!);
  const rest = match[2] ? decodeURIComponent(match[2]) : undefined;
  const body = parseJson(exchange.requestBody);
  let operation: string;
  let keys: string[] = [];
  if (exchange.method === 'POST' && rest === undefined && Array.isArray(body)) {
    operation = 'save';
    keys = body.filter(isObject).map((i) => String(i.key));
  } else if (exchange.method === 'POST' && rest === 'bulk') {
    operation = 'bulk get';
    keys = isObject(body) && Array.isArray(body.keys) ? body.keys.map(String) : [];
  } else if (exchange.method === 'POST' && rest === 'transaction') {
    operation = 'transaction';
    keys = isObject(body) && Array.isArray(body.operations) ? body.operations.filter(isObject).map((o) => String((o.request as { key?: unknown } | undefined)?.key)) : [];
  } else if (exchange.method === 'GET' && rest) {
    operation = 'get';
    keys = [rest];
  } else if (exchange.method === 'DELETE' && rest) {
    operation = 'delete';
    keys = [rest];
  } else {
    return [];
  }
  return [{ at: exchange.startedAt, kind: 'state', app, operation, store, keys, status: exchange.status }];
}

// --- the broker: dead letters and what it holds -------------------------------------------------

/** A dead-lettered event keeps the topic it failed on in its envelope (verified on daprd 1.18.2). */
function isDeadLetter(streamTopic: string, envelope: Record<string, unknown>): boolean {
  return typeof envelope.topic === 'string' && envelope.topic !== streamTopic;
}

function deadLettersOf(observations: Observations, deliveries: TimelineEvent[], laneOfAppId: (id: string) => string): TimelineEvent[] {
  const found: TimelineEvent[] = [];
  const byWhom = (eventId: string | undefined, fromTopic: string, deadTopic: string, at: number) => {
    const candidates = Object.entries(observations.subscriptions)
      .filter(([, subs]) => subs.some((s) => s.topic === fromTopic && s.deadLetterTopic === deadTopic))
      .map(([app]) => app);
    const lastFailed = deliveries
      .filter((d) => d.eventId === eventId && d.topic === fromTopic && d.answer?.outcome !== 'success' && d.at <= at && (!candidates.length || candidates.includes(d.app)))
      .sort(byTime)
      .at(-1);
    return lastFailed?.app ?? candidates[0];
  };
  if (observations.broker) {
    for (const stream of observations.broker.streams) {
      for (const entry of stream.entries) {
        if (!isDeadLetter(stream.topic, entry.envelope)) continue;
        const eventId = stringOr(entry.envelope.id);
        const fromTopic = String(entry.envelope.topic);
        const at = entryTime(entry.entryId);
        found.push({
          at,
          kind: 'dead-letter',
          app: byWhom(eventId, fromTopic, stream.topic, at + 1) ?? laneOfAppId(String(entry.envelope.source ?? '?')),
          pubsub: stringOr(entry.envelope.pubsubname),
          topic: stream.topic,
          fromTopic,
          eventId,
          type: stringOr(entry.envelope.type),
          data: entry.envelope.data,
          envelope: entry.envelope,
        });
      }
    }
  }
  // Where the broker does not show it (RabbitMQ): a delivery on a topic other than the one in its
  // envelope was dead-lettered just before it arrived.
  for (const d of [...deliveries].sort(byTime)) {
    const fromTopic = stringOr(d.envelope?.topic);
    if (!fromTopic || !d.topic || fromTopic === d.topic || found.some((x) => x.eventId === d.eventId && x.topic === d.topic)) continue;
    found.push({
      at: d.at - 0.001,
      kind: 'dead-letter',
      app: byWhom(d.eventId, fromTopic, d.topic, d.at) ?? laneOfAppId(String(d.envelope?.source ?? '?')),
      pubsub: d.pubsub,
      topic: d.topic,
      fromTopic,
      eventId: d.eventId,
      type: d.type,
      data: d.data,
    });
  }
  return found;
}

/** For each event on the broker and each subscriber's group: acknowledged, pending or unread. */
function brokerState(broker: BrokerSnapshot | undefined, laneOfAppId: (id: string) => string): TimelineEvent[] {
  if (!broker) return [];
  return broker.streams.flatMap((stream) =>
    stream.groups.flatMap((group) =>
      stream.entries.map((entry): TimelineEvent => {
        const read = compareEntryIds(entry.entryId, group.lastDeliveredId) <= 0;
        const state = !read ? 'unread' : group.pending.includes(entry.entryId) ? 'pending' : 'acked';
        return {
          at: broker.at,
          kind: 'broker',
          app: laneOfAppId(group.name),
          pubsub: stringOr(entry.envelope.pubsubname),
          topic: stream.topic,
          eventId: stringOr(entry.envelope.id),
          type: stringOr(entry.envelope.type),
          state,
        };
      }),
    ),
  );
}

// --- small helpers -------------------------------------------------------------------------------

function metadataOf(query: string): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query)) if (key.startsWith('metadata.')) metadata[key.slice('metadata.'.length)] = value;
  return metadata;
}

function sameData(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

/** JSON with sorted keys, so that two objects with the same fields compare equal. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function cut(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
