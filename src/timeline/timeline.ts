// The timeline of one run: what the hops, the check and the SDK's log observed, turned into
// correlated events on demand. The harness records into it (`env.timeline`); checks read it:
//
//   const tries = env().timeline.deliveries({ app: 'payments', topic: 'orders' });
//   must(tries.every((d) => d.answer?.outcome === 'retry'), '…');
//   const all = await env().timeline.settle();   // with dead letters and what the broker holds
import { EnvironmentError } from '../harness/errors.js';
import { Waiters } from '../harness/waiters.js';
import { BrokerReader } from './broker.js';
import { correlate, type AppExchange, type CheckPublish, type HandlerError, type Observations, type SubscriptionInfo } from './correlate.js';
import type { Exchange } from './hop.js';
import { explain } from './explain.js';
import type { TimelineEvent, TimelineEventKind } from './model.js';

export interface EventFilter {
  kind?: TimelineEventKind;
  app?: string;
  topic?: string;
  eventId?: string;
  /** Keeps events whose data satisfies this (e.g. `(d) => d?.orderId === 'o-1'`). */
  data?: (data: any) => boolean; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const MAX_EXCHANGES = 5000;

/** `COURSE_TIMELINE=off` runs without hops, to prove they change nothing. */
export function timelineEnabled(env = process.env): boolean {
  return !/^(off|0|false|no)$/i.test(env.COURSE_TIMELINE ?? '');
}

/** The SDK's log line when a handler throws: `[route-orders] Message processing failed, Error: …`. */
const SDK_HANDLER_THREW = /\[route-([^\]]+)\] Message processing failed, (.*)$/;

export class Timeline {
  private readonly observations: Observations = {
    apps: [],
    deliveries: [],
    calls: [],
    checkPublishes: [],
    handlerErrors: [],
    subscriptions: {},
  };
  private cache?: TimelineEvent[];
  private broker?: BrokerReader;
  private readonly waiters = new Waiters();
  private readonly liveListeners = new Set<(events: TimelineEvent[]) => void>();
  /** Reads each app's subscriptions from its sidecar again (set by the harness). */
  refreshSubscriptions?: () => Promise<void>;

  constructor(readonly enabled = timelineEnabled()) {}

  // --- recording (the harness) ---------------------------------------------------------------

  addApp(name: string, appId: string): void {
    this.observations.apps.push({ name, appId });
  }

  /** An exchange between a sidecar and its app. */
  recordDelivery(app: string, exchange: Exchange): void {
    this.record(this.observations.deliveries, { app, exchange });
  }

  /** An exchange between an app and its sidecar's API. */
  recordCall(app: string, exchange: Exchange): void {
    this.record(this.observations.calls, { app, exchange });
  }

  recordCheckPublish(publish: CheckPublish): void {
    if (!this.enabled) return;
    this.observations.checkPublishes.push(publish);
    this.changed([]);
  }

  /** An app's log line; the SDK's "handler threw" line marks the delivery it answered SUCCESS. */
  recordLogLine(app: string, at: number, text: string): void {
    if (!this.enabled) return;
    const match = SDK_HANDLER_THREW.exec(text);
    if (!match) return;
    const error: HandlerError = { app, at, route: match[1]!, error: match[2]! };
    this.observations.handlerErrors.push(error);
    this.changed([]);
  }

  setSubscriptions(app: string, subscriptions: SubscriptionInfo[]): void {
    this.observations.subscriptions[app] = subscriptions;
    this.cache = undefined;
  }

  /** The run's Redis, read for dead letters and what is acknowledged (pubsub.redis only). */
  useBroker(address: { host: string; port: number }): void {
    this.broker = new BrokerReader(address);
  }

  /** Reads the broker (and the sidecars' subscriptions) now. */
  async readBroker(): Promise<void> {
    if (!this.enabled) return;
    await this.refreshSubscriptions?.().catch(() => {});
    if (!this.broker) return;
    try {
      this.observations.broker = await this.broker.read();
    } catch {
      // Redis is gone (the run is stopping): keep the last reading
    }
    this.cache = undefined;
  }

  close(): void {
    this.broker?.close();
  }

  // --- reading (checks, reports) -----------------------------------------------------------------

  /** For a check that asserts on the timeline: fails plainly when recording is turned off. */
  requireEnabled(): void {
    if (!this.enabled) throw new EnvironmentError(messages.off);
  }

  /** Every event so far, correlated; the broker as last read (see `settle`). */
  events(filter: EventFilter = {}): TimelineEvent[] {
    this.cache ??= correlate(this.observations);
    return this.cache.filter((e) => matches(e, filter));
  }

  /** Reads the broker, then every event: dead letters and acknowledgements included. */
  async settle(filter: EventFilter = {}): Promise<TimelineEvent[]> {
    await this.readBroker();
    return this.events(filter);
  }

  deliveries(filter: Omit<EventFilter, 'kind'> = {}): TimelineEvent[] {
    return this.events({ ...filter, kind: 'delivery' });
  }

  publishes(filter: Omit<EventFilter, 'kind'> = {}): TimelineEvent[] {
    return this.events({ ...filter, kind: 'publish' });
  }

  /** The few events that explain what happened between `from` and `to`, about what `about` names if given (see explain.ts). */
  between(from: number, to: number, limit?: number, about?: string[]): TimelineEvent[] {
    return explain(this.events(), from, to, limit, about);
  }

  /** Waits (on each recorded exchange) until `predicate` holds over the events; false on time-out. */
  waitFor(predicate: (events: TimelineEvent[]) => boolean, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(() => predicate(this.events()), timeoutMs);
  }

  /** Calls `listener` with the events each exchange adds, as it ends (`course run`'s live lines). */
  onLive(listener: (events: TimelineEvent[]) => void): () => void {
    this.liveListeners.add(listener);
    return () => this.liveListeners.delete(listener);
  }

  private record(list: AppExchange[], item: AppExchange): void {
    list.push(item);
    // A `course run` left running for hours: keep the latest exchanges, not all.
    if (list.length > MAX_EXCHANGES) list.splice(0, list.length - MAX_EXCHANGES);
    this.changed(this.liveListeners.size ? this.liveEventsOf(item) : []);
  }

  private changed(added: TimelineEvent[]): void {
    this.cache = undefined;
    for (const listener of this.liveListeners) if (added.length) listener(added);
    this.waiters.notify();
  }

  /** The events one exchange adds, correlated with everything before it. */
  private liveEventsOf(item: AppExchange): TimelineEvent[] {
    const all = this.events();
    return all.filter((e) => (e.kind === 'delivery' || e.kind === 'publish' || e.kind === 'dead-letter') && e.app !== undefined && e.at >= item.exchange.startedAt - 0.001 && isOf(e, item));
  }
}

function isOf(event: TimelineEvent, item: AppExchange): boolean {
  if (event.at === item.exchange.startedAt) return event.app === item.app;
  // A dead letter inferred from the delivery that follows it.
  return event.kind === 'dead-letter' && Math.abs(event.at - item.exchange.startedAt) < 0.01;
}

function matches(event: TimelineEvent, filter: EventFilter): boolean {
  if (filter.kind && event.kind !== filter.kind) return false;
  if (filter.app && event.app !== filter.app) return false;
  if (filter.topic && event.topic !== filter.topic) return false;
  if (filter.eventId && event.eventId !== filter.eventId) return false;
  if (filter.data) {
    try {
      if (!filter.data(event.data)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

const messages = {
  off: 'This check reads the timeline, which COURSE_TIMELINE=off turns off: unset it and check again.',
};
