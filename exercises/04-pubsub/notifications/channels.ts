// Provided, do not edit: the three channels (email, SMS, push) the notification service sends on,
// the two stores its other routes write to, and a small HTTP API to see what happened.
//
// Nothing here talks to a real provider: each send is recorded in memory. `attachChannels(server)`
// adds these endpoints to the service's own HTTP server (its APP_PORT):
//
//   GET  /sent                      what each channel delivered: { email: [...], sms: [...], push: [...] }
//   GET  /attempts                  every send call per channel, failed and duplicate ones too
//   GET  /unrouted                  events your default route recorded
//   GET  /dead-letters              events your dead-letter consumer recorded
//   GET  /deliveries                every event the sidecar delivered to this service, which route
//                                   it came in on and what the service answered (SUCCESS, RETRY, DROP)
//   POST /channels/<name>/fail-next make the next N sends on a channel fail: {"count": 2} (default 1)
//
// Failure on demand: an SMS for an event whose data has `"failSms": true` always fails.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DaprServer } from '@dapr/dapr';

export type ChannelName = 'email' | 'sms' | 'push';
export const CHANNEL_NAMES: readonly ChannelName[] = ['email', 'sms', 'push'];

/** The data of every event on the `notifications` topic. */
export interface Notification {
  /** Unique per event; the channels use it to send each event at most once. */
  id: string;
  userId: string;
  message?: string;
  /** "high" for urgent events. */
  priority?: string;
  /** Channels this user does not want to hear from, e.g. ["email"]. */
  optOut?: string[];
  /** Failure on demand: the SMS sender fails every time for this event. */
  failSms?: boolean;
}

/**
 * The event's data as a Notification, or undefined when it is malformed: not a JSON object, or
 * without a string `id` and a string `userId`. Sending a malformed event can never succeed.
 */
export function parseNotification(data: unknown): Notification | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const n = data as Partial<Notification>;
  if (typeof n.id !== 'string' || typeof n.userId !== 'string') return undefined;
  return n as Notification;
}

export interface SentRecord {
  eventId: string;
  userId: string;
  message?: string;
  at: string;
}

export interface AttemptRecord {
  eventId: string;
  outcome: 'sent' | 'failed' | 'duplicate';
  at: string;
}

export class ChannelError extends Error {
  override name = 'ChannelError';
}

export class Channel {
  readonly sent: SentRecord[] = [];
  readonly attempts: AttemptRecord[] = [];
  /** Sends left to fail (POST /channels/<name>/fail-next). */
  failNext = 0;

  constructor(readonly name: ChannelName) {}

  /**
   * Sends one notification. Throws a ChannelError when the provider fails. Sending an event id
   * this channel already delivered does nothing (like a provider's idempotency key), so retrying
   * a whole event does not send its email twice.
   */
  async send(notification: Notification): Promise<void> {
    const at = new Date().toISOString();
    if (this.sent.some((s) => s.eventId === notification.id)) {
      this.attempts.push({ eventId: notification.id, outcome: 'duplicate', at });
      return;
    }
    const failOnDemand = this.name === 'sms' && notification.failSms === true;
    if (failOnDemand || this.failNext > 0) {
      if (!failOnDemand) this.failNext--;
      this.attempts.push({ eventId: notification.id, outcome: 'failed', at });
      throw new ChannelError(`${this.name} provider failed to send ${notification.id}`);
    }
    this.attempts.push({ eventId: notification.id, outcome: 'sent', at });
    this.sent.push({ eventId: notification.id, userId: notification.userId, message: notification.message, at });
    console.log(`[${this.name}] sent ${notification.id} to ${notification.userId}`);
  }
}

export const email = new Channel('email');
export const sms = new Channel('sms');
export const push = new Channel('push');
export const channels: Record<ChannelName, Channel> = { email, sms, push };

/** A list of events kept for inspection (the default route's, the dead-letter consumer's). */
export class EventStore {
  readonly events: { data: unknown; at: string }[] = [];

  constructor(readonly name: string) {}

  record(data: unknown): void {
    this.events.push({ data, at: new Date().toISOString() });
    console.log(`[${this.name}] recorded ${JSON.stringify(data)}`);
  }
}

export const unrouted = new EventStore('unrouted');
export const deadLetters = new EventStore('dead-letters');

/** One delivery from the sidecar to this service, and the service's answer. */
export interface DeliveryRecord {
  /** The topic of the subscription it came in on (notifications, notifications-dlq). */
  topic: string;
  /** The route name the SDK gave the path the sidecar posted to (`default` without rules). */
  route: string;
  /** The CloudEvent type, e.g. order.confirmed. A dead letter keeps its original type. */
  type: string;
  /** The `id` in the event's data, when it has one. */
  eventId?: string;
  /** The CloudEvent's own `id`: the same on a redelivery and on the dead-letter topic. */
  cloudEventId: string;
  /** SUCCESS, RETRY or DROP as the service answered, or `HTTP <status>`; unset until answered. */
  answer?: string;
  at: string;
}

export const deliveries: DeliveryRecord[] = [];

// The few Express features used here (the SDK's HTTP server is an Express app).
type Request = IncomingMessage & { body?: unknown; path: string; params: Record<string, string>; query: Record<string, unknown> };
type Response = ServerResponse & { send(body?: unknown): Response; status(code: number): Response };
interface ExpressApp {
  use(handler: (req: Request, res: Response, next: () => void) => void): void;
  get(path: string, handler: (req: Request, res: Response) => void): void;
  post(path: string, handler: (req: Request, res: Response) => void): void;
}

/**
 * Adds the endpoints above to `server`, and starts recording deliveries. Call it right after
 * creating the DaprServer, before subscribing: it must see every delivery first.
 */
export function attachChannels(server: DaprServer): void {
  const app = server.daprServer.getServer() as ExpressApp;

  app.use((req, res, next) => {
    const event = req.body as Record<string, unknown> | undefined;
    if (req.method !== 'POST' || typeof event !== 'object' || event === null || !('specversion' in event)) return next();
    const data = event.data as { id?: unknown } | undefined;
    // The SDK posts to /<pubsub>--<topic>--<route>. The CloudEvent's own `topic` field is no help
    // for dead letters: daprd forwards them to the dead-letter topic with the original `topic`.
    const [, topic, route] = req.path.slice(1).split('--');
    const record: DeliveryRecord = {
      topic: route === undefined ? String(event.topic ?? '') : topic!,
      route: route ?? req.path,
      type: String(event.type ?? ''),
      eventId: typeof data === 'object' && data !== null && typeof data.id === 'string' ? data.id : undefined,
      cloudEventId: String(event.id ?? ''),
      at: new Date().toISOString(),
    };
    deliveries.push(record);
    let body: unknown;
    const send = res.send.bind(res);
    res.send = (b?: unknown) => {
      body ??= b;
      return send(b);
    };
    res.on('finish', () => {
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      // res.json() and a body written by hand reach res.send as JSON text: read the status in it too.
      let answer = body;
      if (typeof answer === 'string' || Buffer.isBuffer(answer)) {
        try {
          answer = JSON.parse(answer.toString()) as unknown;
        } catch {
          // not JSON: no status in it
        }
      }
      const status = typeof answer === 'object' && answer !== null ? (answer as { status?: unknown }).status : undefined;
      record.answer = ok ? String(status ?? 'SUCCESS') : `HTTP ${res.statusCode}`;
    });
    next();
  });

  const byChannel = <T>(pick: (c: Channel) => T) => Object.fromEntries(CHANNEL_NAMES.map((n) => [n, pick(channels[n])]));
  app.get('/sent', (_req, res) => void res.send(byChannel((c) => c.sent)));
  app.get('/attempts', (_req, res) => void res.send(byChannel((c) => c.attempts)));
  app.get('/unrouted', (_req, res) => void res.send(unrouted.events));
  app.get('/dead-letters', (_req, res) => void res.send(deadLetters.events));
  app.get('/deliveries', (_req, res) => void res.send(deliveries));
  app.post('/channels/:name/fail-next', (req, res) => {
    const channel = channels[req.params.name as ChannelName];
    if (!channel) return void res.status(404).send({ error: `no channel ${req.params.name}; there are ${CHANNEL_NAMES.join(', ')}` });
    const fromBody = typeof req.body === 'object' && req.body !== null ? (req.body as { count?: unknown }).count : undefined;
    const count = Number(fromBody ?? req.query.count ?? 1);
    channel.failNext = Number.isInteger(count) && count >= 0 ? count : 1;
    res.send({ channel: channel.name, failNext: channel.failNext });
  });
}
