// Plumbing shared by the four services: their DaprServer, their HTTP API, publishing, and reading
// and writing their state through the sidecar. You do not need to change this file.
import http from 'node:http';
import {
  CommunicationProtocolEnum,
  DaprPubSubStatusEnum,
  DaprServer,
  StateConcurrencyEnum,
  StateConsistencyEnum,
  type DaprClient,
} from '@dapr/dapr';
import { PUBSUB, STATESTORE, type SagaEvent } from './events.js';

/** A DaprServer on APP_PORT, talking to its sidecar on DAPR_HTTP_PORT (both set by `dapr run` and `course`). */
export function createServer(defaultPort: number): DaprServer {
  const server = new DaprServer({
    serverHost: '127.0.0.1',
    serverPort: process.env.APP_PORT ?? String(defaultPort),
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT ?? '3500' },
  });
  const app = web(server);
  // The SDK's web server would listen on every interface: keep it on loopback, beside its sidecar.
  app.listen = (port) => http.createServer(app as unknown as http.RequestListener).listen(port, '127.0.0.1');
  holdDeliveries(server);
  slowSaves(server);
  return server;
}

/**
 * Switches for lining up a race (the check uses them; try them yourself). After
 * `POST /deliveries/hold`, every event the sidecar delivers waits here, unhandled;
 * `POST /deliveries/release` lets them all into your handlers at the same instant and stops
 * holding, or, with `{ "topic": "order.created" }`, lets in only that topic's and keeps holding.
 * `GET /deliveries/held` says how many are waiting: `{ held, byTopic }`.
 */
function holdDeliveries(server: DaprServer): void {
  let held: { topic: string; go: () => void }[] | undefined;
  web(server).use((req, _res, next) => {
    const delivery = req.method === 'POST' && String(req.headers['content-type']).startsWith('application/cloudevents+json');
    if (delivery && held) held.push({ topic: String((req.body as { topic?: unknown } | undefined)?.topic), go: next });
    else next();
  });
  const counts = () => ({
    held: held?.length ?? 0,
    byTopic: Object.fromEntries([...new Set(held?.map((h) => h.topic))].map((t) => [t, held!.filter((h) => h.topic === t).length])),
  });
  route(server, 'post', '/deliveries/hold', async () => {
    held ??= [];
    return { status: 200, body: counts() };
  });
  route(server, 'get', '/deliveries/held', async () => ({ status: 200, body: counts() }));
  route(server, 'post', '/deliveries/release', async (_params, body) => {
    const topic = (body as { topic?: unknown } | undefined)?.topic;
    const waiting = (held ?? []).filter((h) => topic === undefined || h.topic === topic);
    held = topic === undefined ? undefined : held!.filter((h) => !waiting.includes(h));
    for (const { go } of waiting) go();
    return { status: 200, body: { released: waiting.length } };
  });
}

/** How long each `save` waits before it writes (POST /state/slow), and how many are waiting now. */
const slow = { ms: 0, waiting: 0 };

/**
 * A switch for a slow state store (the check uses it to widen a race): after
 * `POST /state/slow { "ms": 700 }`, every `save` of this service waits 700 ms before it writes:
 * the window in which another handler can read the same record. `{ "ms": 0 }` turns it off;
 * `GET /state/slow` says `{ ms, waiting }`, how many saves are in their wait.
 */
function slowSaves(server: DaprServer): void {
  route(server, 'post', '/state/slow', async (_params, body) => {
    const ms = Number((body as { ms?: unknown } | undefined)?.ms ?? 0);
    slow.ms = Number.isFinite(ms) && ms > 0 ? ms : 0;
    return { status: 200, body: slow };
  });
  route(server, 'get', '/state/slow', async () => ({ status: 200, body: slow }));
}

// The SDK's HTTP server is an Express app (which parses JSON bodies); these are the parts used here.
interface Request {
  method: string;
  headers: http.IncomingHttpHeaders;
  params: Record<string, string>;
  body: unknown;
}
interface Response {
  status(code: number): { json(body: unknown): void };
}
interface WebApp {
  listen: (port: number) => http.Server;
  use(handler: (req: Request, res: Response, next: () => void) => void): void;
  get(path: string, handler: (req: Request, res: Response) => void): void;
  post(path: string, handler: (req: Request, res: Response) => void): void;
}
const web = (server: DaprServer) => server.daprServer.getServer() as WebApp;

export interface Reply {
  status: number;
  body?: unknown;
}
type RouteHandler = (params: Record<string, string>, body: unknown) => Promise<Reply>;

/** Adds `GET`/`POST <path>` to the service's HTTP API (Express paths: `/orders/:id`). */
export function route(server: DaprServer, method: 'get' | 'post', path: string, handle: RouteHandler): void {
  web(server)[method](path, (req, res) => {
    handle(req.params, req.body).then(
      (reply) => res.status(reply.status).json(reply.body ?? {}),
      (error: unknown) => res.status(500).json({ error: String(error) }),
    );
  });
}

type EventHandler = (event: SagaEvent) => Promise<DaprPubSubStatusEnum | void>;

/**
 * Wraps an event handler for `server.pubsub.subscribe`. The SDK ACKs a message whose handler
 * throws, so it would be lost; here a thrown error answers RETRY instead, and the sidecar delivers
 * the message again as the Resiliency policy says. Returning nothing means SUCCESS.
 */
export function onEvent(handle: EventHandler): (data: unknown) => Promise<DaprPubSubStatusEnum> {
  return async (data) => {
    try {
      return (await handle(data as SagaEvent)) ?? DaprPubSubStatusEnum.SUCCESS;
    } catch (error) {
      console.error(`handler failed, asking for a retry: ${String(error)}`);
      return DaprPubSubStatusEnum.RETRY;
    }
  };
}

/** Publishes `event` to `topic` of the `pubsub` component as JSON; throws if the sidecar refuses. */
export async function publish(client: DaprClient, topic: string, event: SagaEvent): Promise<void> {
  const { error } = await client.pubsub.publish(PUBSUB, topic, event);
  if (error) throw new Error(`publishing to ${topic} failed: ${String(error)}`);
}

export interface Versioned<T> {
  /** undefined when the key does not exist. */
  value: T | undefined;
  /** The version the store holds; pass it back to `save` to write only if nobody wrote in between. */
  etag: string | undefined;
}

/** Reads a key of this service's state, with its ETag. */
export async function load<T>(client: DaprClient, key: string): Promise<Versioned<T>> {
  const [item] = await client.state.getBulk(STATESTORE, [key]);
  return { value: item?.data as T | undefined, etag: item?.etag as string | undefined };
}

/**
 * Writes a key of this service's state. Without `etag` the last write wins. With the `etag` that
 * `load` returned, the write happens only if the key still has that version (first-write-wins):
 * it returns false when another write got there first, and then nothing was written.
 */
export async function save<T>(client: DaprClient, key: string, value: T, etag?: string): Promise<boolean> {
  if (slow.ms > 0) {
    slow.waiting++;
    await new Promise((resolve) => setTimeout(resolve, slow.ms));
    slow.waiting--;
  }
  const { error } = await client.state.save(STATESTORE, [
    etag === undefined
      ? { key, value }
      : {
          key,
          value,
          etag,
          options: {
            concurrency: StateConcurrencyEnum.CONCURRENCY_FIRST_WRITE,
            consistency: StateConsistencyEnum.CONSISTENCY_STRONG,
          },
        },
  ]);
  if (!error) return true;
  // daprd answers 409 Conflict on an ETag mismatch; the SDK returns it as an error.
  if (etag !== undefined && /"status":409/.test(String(error.message))) return false;
  throw new Error(`saving ${key} failed: ${String(error)}`);
}

/**
 * Appends `entry` to a list in this service's state, keeping every concurrent append (it retries
 * on an ETag conflict). The outside systems (the card network, the carrier) record what they
 * did with it: that is what the check counts.
 */
export async function append<T>(client: DaprClient, key: string, entry: T): Promise<void> {
  for (;;) {
    const { value, etag } = await load<T[]>(client, key);
    if (await save(client, key, [...(value ?? []), entry], etag)) return;
  }
}
