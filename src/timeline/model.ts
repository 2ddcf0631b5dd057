// What a timeline is made of: the events of one check or run, correlated by CloudEvent id, and how
// daprd reads an app's answer to a delivery. Everything here is plain data, so it travels from the
// check's worker to the runner, into the JSON and JUnit reports and into the HTML page.

/** A delivery's outcome, as daprd decides it from the app's answer. */
export type Outcome = 'success' | 'retry' | 'drop' | 'error';

export interface Answer {
  /** The HTTP status, absent when the app never answered (the connection failed). */
  status?: number;
  /** The body as the app sent it (cut at a few KB). */
  body?: string;
  outcome: Outcome;
  /** `SUCCESS`, `RETRY`, `DROP`, `HTTP 500`, `no answer`: what a learner reads. */
  label: string;
  /** The handler threw and the SDK answered SUCCESS anyway (from the SDK's own log line). */
  threw?: string;
  durationMs: number;
}

export type TimelineEventKind = 'publish' | 'delivery' | 'dead-letter' | 'broker' | 'state' | 'subscriptions';

/** Where a message is at the end, for one consumer group (one subscribing app-id). */
export type BrokerState = 'acked' | 'pending' | 'unread';

export interface TimelineEvent {
  /** ms since the epoch (fractional). */
  at: number;
  kind: TimelineEventKind;
  /**
   * The lane: the app that acted. A publish: its publisher (`check` for the check's own); a
   * delivery: the app that received it; a dead letter: the app whose sidecar dead-lettered it;
   * broker state: the consumer group (the subscribing app-id).
   */
  app: string;
  /** A publish: who published (`app`, `check`, or `broker` when it was only seen on the broker). */
  by?: 'app' | 'check' | 'broker';
  /** A publish made through another app's sidecar (the check publishes through an app's). */
  via?: string;
  pubsub?: string;
  /** A delivery: the subscription's topic (a dead letter arrives on the dead-letter topic). */
  topic?: string;
  /** A dead letter: the topic it failed on. */
  fromTopic?: string;
  eventId?: string;
  /** The CloudEvent type. */
  type?: string;
  /** A delivery: the lane it came from (the publisher, or the sidecar that dead-lettered it). */
  from?: string;
  /** A delivery: the app's path daprd posted to. */
  route?: string;
  /** A delivery: 1 for the first, then one more per retry. */
  attempt?: number;
  answer?: Answer;
  /** A publish or state call made while the app was handling this event: the event's id. */
  causedBy?: string;
  /** A publish or state call: daprd's HTTP answer (a publish that failed has an error status). */
  status?: number;
  /** Broker state at the end. */
  state?: BrokerState;
  /** A state call: `save`, `get`, `delete`, `bulk get`, `transaction`; and its store and keys. */
  operation?: string;
  store?: string;
  keys?: string[];
  /** The app's subscriptions, as it told its sidecar (kind `subscriptions`). */
  subscriptions?: { pubsubname?: string; topic?: string; route?: string; deadLetterTopic?: string }[];
  /** The event's data (a publish's body, a delivery's `data`), for filters and summaries. */
  data?: unknown;
  /** The CloudEvent envelope as daprd delivered it or as the broker holds it. */
  envelope?: Record<string, unknown>;
  /** Publish metadata (query `metadata.*`). */
  metadata?: Record<string, string>;
}

/**
 * How daprd 1.18 reads an app's answer to a delivery (dapr pkg/runtime/subscription/postman/http):
 * 2xx with an empty or non-JSON body or status SUCCESS (or "") acknowledges; RETRY, an unknown
 * status string, any non-2xx but 404, or no answer at all is retried; DROP and 404 drop it.
 */
export function interpretAnswer(status: number | undefined, body: string): Pick<Answer, 'outcome' | 'label'> {
  if (status === undefined) return { outcome: 'error', label: 'no answer' };
  if (status >= 200 && status <= 299) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { outcome: 'success', label: body.trim() ? `${status} (not JSON: success)` : `${status} (empty: success)` };
    }
    const value = parsed && typeof parsed === 'object' ? (parsed as { status?: unknown }).status : undefined;
    if (value === undefined || value === '' || value === null) return { outcome: 'success', label: `${status} (no status: success)` };
    if (value === 'SUCCESS') return { outcome: 'success', label: 'SUCCESS' };
    if (value === 'RETRY') return { outcome: 'retry', label: 'RETRY' };
    if (value === 'DROP') return { outcome: 'drop', label: 'DROP' };
    return { outcome: 'retry', label: `"${String(value)}" (unknown: retried)` };
  }
  if (status === 404) return { outcome: 'drop', label: 'HTTP 404 (dropped)' };
  return { outcome: 'retry', label: `HTTP ${status}` };
}

/** Events in time order, the tie broken by a fixed order of kinds (a publish before its delivery). */
export function byTime(a: TimelineEvent, b: TimelineEvent): number {
  return a.at - b.at || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
}

const KIND_ORDER: TimelineEventKind[] = ['subscriptions', 'publish', 'delivery', 'state', 'dead-letter', 'broker'];

/** A short, readable form of an event's data: `{"orderId":"dl-bad","amount":-5}` cut to `max`. */
export function summarize(data: unknown, max = 60): string {
  if (data === undefined) return '';
  const text = JSON.stringify(idsFirst(data)) ?? String(data);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An object with its identifying fields (`orderId`, `id`) first, which a summary keeps. */
function idsFirst(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const keys = Object.keys(data);
  const ordered = [...keys.filter((k) => /id$/i.test(k)), ...keys.filter((k) => !/id$/i.test(k))];
  return Object.fromEntries(ordered.map((k) => [k, (data as Record<string, unknown>)[k]]));
}

/** The first characters of an event id, enough to tell events of one run apart. */
export function shortId(id: string | undefined): string {
  if (!id) return '?';
  return id.length > 8 ? id.slice(0, 8) : id;
}
