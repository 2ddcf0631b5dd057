// A subscriber app that lives inside the check itself, behind a real sidecar: it tells daprd what
// it subscribes to (GET /dapr/subscribe), records every CloudEvent daprd delivers, and answers
// the way a scenario asks (SUCCESS, RETRY, DROP, an HTTP error).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP_LISTEN_HOST } from './network-layout.js';
import { Waiters } from './waiters.js';

export interface ProbeSubscription {
  pubsubname: string;
  topic: string;
  /** Path daprd posts to; default `/<topic>`. */
  route?: string;
  routes?: { rules?: { match: string; path: string }[]; default?: string };
  deadLetterTopic?: string;
  metadata?: Record<string, string>;
}

export interface Delivery {
  path: string;
  /**
   * The topic it was delivered on: the subscription whose route the path is. Not the envelope's
   * `topic`, which a dead-lettered event keeps from its original topic (see `event.topic`).
   */
  topic: string;
  /** The CloudEvent envelope as daprd sent it. */
  event: Record<string, unknown>;
  data: unknown;
  headers: http.IncomingHttpHeaders;
  at: number;
}

export type ProbeAnswer = { status: number; body?: unknown };
export type Responder = (delivery: Delivery) => ProbeAnswer;

export const SUCCESS: ProbeAnswer = { status: 200, body: { status: 'SUCCESS' } };

export class Probe {
  readonly deliveries: Delivery[] = [];
  respond: Responder = () => SUCCESS;
  private readonly waiters = new Waiters();
  private server?: http.Server;
  port = 0;

  constructor(readonly subscriptions: ProbeSubscription[]) {}

  async listen(port = 0): Promise<number> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, APP_LISTEN_HOST, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Deliveries on a topic (or to a path starting with `/`). */
  on(topicOrPath: string): Delivery[] {
    return this.deliveries.filter((d) => (topicOrPath.startsWith('/') ? d.path === topicOrPath : d.topic === topicOrPath));
  }

  /** Waits until `predicate` holds over the deliveries so far; resolves as soon as a delivery makes it true. */
  waitUntil(predicate: (deliveries: Delivery[]) => boolean, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(() => predicate(this.deliveries), timeoutMs);
  }

  private topicOfPath(pathname: string): string | undefined {
    for (const s of this.subscriptions) {
      const paths = s.routes ? [...(s.routes.rules ?? []).map((r) => r.path), s.routes.default] : [s.route ?? `/${s.topic}`];
      if (paths.includes(pathname)) return s.topic;
    }
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method === 'GET' && req.url === '/dapr/subscribe') {
      const body = this.subscriptions.map((s) => ({
        pubsubname: s.pubsubname,
        topic: s.topic,
        ...(s.routes ? { routes: s.routes } : { route: s.route ?? `/${s.topic}` }),
        ...(s.deadLetterTopic ? { deadLetterTopic: s.deadLetterTopic } : {}),
        ...(s.metadata ? { metadata: s.metadata } : {}),
      }));
      return send(res, 200, body);
    }
    if (req.method === 'GET' && (req.url === '/dapr/config' || req.url === '/healthz')) return send(res, 200, {});
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let event: Record<string, unknown> = {};
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        event = { raw: Buffer.concat(chunks).toString('utf8') };
      }
      const pathname = (req.url ?? '/').split('?')[0]!;
      const delivery: Delivery = {
        path: pathname,
        topic: this.topicOfPath(pathname) ?? String(event.topic ?? ''),
        event,
        data: event.data,
        headers: req.headers,
        at: Date.now(),
      };
      this.deliveries.push(delivery);
      let answer: ProbeAnswer;
      try {
        answer = this.respond(delivery);
      } catch {
        answer = { status: 500 };
      }
      send(res, answer.status, answer.body);
      this.waiters.notify();
    });
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
