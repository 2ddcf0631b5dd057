// What the four services of the shop share: the component names, the shape of an event, and three
// helpers: a DaprServer with an HTTP API of its own, publishing an event with its type, and
// subscribing to a topic one event type at a time.
import http from 'node:http';
import { DaprPubSubStatusEnum, DaprServer } from '@dapr/dapr';

export const PUBSUB = 'pubsub';
export const STATESTORE = 'statestore';

// Topics and the event types on them (the CloudEvent `type`, set by the publisher):
//   orders     order.created                            (order-service)
//   inventory  inventory.reserved, inventory.rejected   (inventory-service)
//   payments   payment.completed, payment.failed        (payment-service)

export interface Item {
  sku: string;
  quantity: number;
}

/** Every event carries the orderId, so that each service knows which order it is about. */
export interface OrderEvent {
  orderId: string;
  items?: Item[];
  total?: number;
  /** Why an order was rejected or its payment failed. */
  reason?: string;
}

/** A DaprServer on APP_PORT (or `defaultPort`), talking to its sidecar on DAPR_HTTP_PORT. */
export function createServer(defaultPort: string): DaprServer {
  const server = new DaprServer({
    serverHost: '127.0.0.1',
    serverPort: process.env.APP_PORT ?? defaultPort,
    clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT ?? '3500' },
  });
  // The SDK's web server would listen on every interface: keep it on loopback, beside its sidecar.
  const app = server.daprServer.getServer();
  app.listen = (port: number) => http.createServer(app).listen(port, '127.0.0.1');
  return server;
}

interface Request {
  params: Record<string, string>;
  body: unknown;
}
interface Response {
  status(code: number): Response;
  json(body: unknown): void;
}
type Handler = (req: Request, res: Response) => Promise<void>;

/** The service's own HTTP API: Express routes on the server the sidecar also calls. */
export function api(server: DaprServer): { get(path: string, h: Handler): void; post(path: string, h: Handler): void } {
  const app = server.daprServer.getServer();
  const safely = (handler: Handler) => (req: Request, res: Response) =>
    handler(req, res).catch((error: unknown) => res.status(500).json({ error: String(error) }));
  return {
    get: (path, handler) => app.get(path, safely(handler)),
    post: (path, handler) => app.post(path, safely(handler)),
  };
}

/** Publishes `event` to `topic` as JSON, with the CloudEvent type `type` for subscribers to route on. */
export async function publishEvent(server: DaprServer, topic: string, type: string, event: OrderEvent): Promise<void> {
  console.log(`-> ${topic}: ${type} for order ${event.orderId}`);
  const { error } = await server.client.pubsub.publish(PUBSUB, topic, event, { metadata: { 'cloudevent.type': type } });
  if (error) throw new Error(`publishing ${type} failed: ${error.message}`);
}

type EventHandler = (event: OrderEvent, type: string) => Promise<void>;

/**
 * Subscribes to `topic` with one routing rule per event type in `handlers`: daprd compares each
 * event's CloudEvent type and POSTs it to that type's route, so a handler sees only its own type.
 * Events of any other type take the default route and are acknowledged. A handler that throws
 * answers RETRY (a thrown error would count as SUCCESS), and the sidecar delivers the event again
 * as resources/resiliency.yaml says. Call it before server.start().
 */
export async function onEvents(server: DaprServer, topic: string, handlers: Record<string, EventHandler>): Promise<void> {
  const routeOf = (type: string) => type.replace(/\W/g, '-');
  await server.pubsub.subscribeWithOptions(PUBSUB, topic, {
    route: {
      rules: Object.keys(handlers).map((type) => ({ match: `event.type == "${type}"`, path: routeOf(type) })),
      default: 'other-types',
    },
  });
  for (const [type, handle] of Object.entries(handlers)) {
    server.pubsub.subscribeToRoute(PUBSUB, topic, routeOf(type), async (event: OrderEvent) => {
      try {
        await handle(event, type);
        return DaprPubSubStatusEnum.SUCCESS;
      } catch (error) {
        console.error(`${type} for order ${event.orderId} failed, asking for a retry: ${String(error)}`);
        return DaprPubSubStatusEnum.RETRY;
      }
    });
  }
  server.pubsub.subscribeToRoute(PUBSUB, topic, 'other-types', async () => DaprPubSubStatusEnum.SUCCESS);
}
