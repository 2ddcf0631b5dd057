// Plumbing for order-service: its DaprServer, its HTTP API, and a switch that crashes it on
// purpose. You do not need to change this file.
//
//   POST /orders       {"orderId","customer","total","card"}  ->  201, after placeOrder returned
//   GET  /orders/:id   the order as saved in `statestore` (404 if it is not there)
//   POST /crash        {"after":"save"} or {"after":"publish"}: the next state write (or publish)
//                      that succeeds is followed at once by the process exiting, before anything
//                      else runs; {"after":null} disarms it. The check crashes the service this way.
import http from 'node:http';
import { CommunicationProtocolEnum, DaprServer, type DaprClient } from '@dapr/dapr';

export const PUBSUB = 'pubsub';
export const STATESTORE = 'statestore';
export const TOPIC = 'orders';

export interface Order {
  orderId: string;
  customer: string;
  total: number;
  /** The card number: kept in the store, never sent to other services. */
  card: string;
}

type CrashPoint = 'save' | 'publish';
let crashAfter: CrashPoint | null = null;

function crashIfAsked(point: CrashPoint): void {
  if (crashAfter !== point) return;
  console.log(`crashing right after the ${point}, as POST /crash asked`);
  process.exit(1);
}

/**
 * The client placeOrder gets: the server's own DaprClient, with its state writes and publishes
 * watched for the crash switch. Every write placeOrder makes must go through it.
 */
function watchedClient(client: DaprClient): DaprClient {
  const { state, pubsub } = client;
  const save = state.save.bind(state);
  state.save = async (...args) => {
    const result = await save(...args);
    if (!result.error) crashIfAsked('save');
    return result;
  };
  const transaction = state.transaction.bind(state);
  state.transaction = async (...args) => {
    await transaction(...args);
    crashIfAsked('save');
  };
  const publish = pubsub.publish.bind(pubsub);
  pubsub.publish = async (...args) => {
    const result = await publish(...args);
    if (!result.error) crashIfAsked('publish');
    return result;
  };
  return client;
}

// The SDK's HTTP server is an Express app (which parses JSON bodies): the parts used here.
type Handler = (
  req: { params: Record<string, string>; body: unknown },
  res: { status(code: number): { json(body: unknown): void } },
) => void;
type WebApp = { listen: (port: number) => http.Server } & Record<'get' | 'post', (path: string, handler: Handler) => void>;

function isOrder(body: unknown): body is Order {
  const o = body as Partial<Order> | null;
  return typeof o?.orderId === 'string' && typeof o.customer === 'string' && typeof o.total === 'number' && typeof o.card === 'string';
}

/** Starts the service: POST /orders calls `placeOrder` with the watched client. */
export async function startOrderService(placeOrder: (client: DaprClient, order: Order) => Promise<void>): Promise<void> {
  const server = new DaprServer({
    serverHost: '127.0.0.1',
    serverPort: process.env.APP_PORT ?? '5001',
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT ?? '3501' },
  });
  const client = watchedClient(server.client);
  const app = server.daprServer.getServer() as WebApp;
  // The SDK's web server would listen on every interface: keep it on loopback, beside its sidecar.
  app.listen = (port) => http.createServer(app as unknown as http.RequestListener).listen(port, '127.0.0.1');

  app.post('/orders', (req, res) => {
    if (!isOrder(req.body)) {
      res.status(400).json({ error: 'an order needs orderId, customer (strings), total (a number) and card (a string)' });
      return;
    }
    const order = req.body;
    placeOrder(client, order).then(
      () => res.status(201).json({ orderId: order.orderId }),
      (error: unknown) => res.status(500).json({ error: String(error) }),
    );
  });
  app.get('/orders/:id', (req, res) => {
    client.state.get(STATESTORE, req.params.id!).then(
      (order) => (order ? res.status(200).json(order) : res.status(404).json({ error: `no order ${req.params.id}` })),
      (error: unknown) => res.status(500).json({ error: String(error) }),
    );
  });
  app.post('/crash', (req, res) => {
    const after = (req.body as { after?: unknown } | null)?.after ?? null;
    if (after !== null && after !== 'save' && after !== 'publish') {
      res.status(400).json({ error: 'after is "save", "publish" or null' });
      return;
    }
    crashAfter = after;
    res.status(200).json({ crashAfter });
  });

  await server.start();
}
