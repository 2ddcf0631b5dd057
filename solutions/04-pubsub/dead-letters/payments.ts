// The payment service: it charges every order published on the `orders` topic of `pubsub`.
// `GET /charged` lists the orders it charged, `GET /dead-letters` the orders that ended on the
// dead-letter topic `orders-dead`.
//
//   curl localhost:5001/charged
//   curl localhost:5001/dead-letters
import http from 'node:http';
import { DaprPubSubStatusEnum, DaprServer } from '@dapr/dapr';

interface Order {
  orderId: string;
  amount: number;
}

const charged: string[] = [];
const deadLetters: Order[] = [];

const server = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: process.env.APP_PORT ?? '5001',
  clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT ?? '3501' },
});

// The payment provider. It refuses an amount that is negative or missing, however often it is
// asked: such an order can never be charged, and must end on the dead-letter topic, not be lost.
function charge(order: Order): void {
  if (!(order.amount >= 0)) throw new Error(`cannot charge ${order.amount} for order ${order.orderId}`);
  charged.push(order.orderId);
}

// A failed charge answers RETRY (a thrown error would be acknowledged as a success). The sidecar
// retries as resources/resiliency.yaml says, then publishes the order to `orders-dead`.
await server.pubsub.subscribeWithOptions('pubsub', 'orders', {
  deadLetterTopic: 'orders-dead',
  callback: async (order: Order) => {
    console.log(`charging order ${order.orderId} (${order.amount})`);
    try {
      charge(order);
      return DaprPubSubStatusEnum.SUCCESS;
    } catch (error) {
      console.warn(`charge failed, asking for a retry: ${String(error)}`);
      return DaprPubSubStatusEnum.RETRY;
    }
  },
});

// The dead letters arrive like any other message: subscribe to the topic.
await server.pubsub.subscribe('pubsub', 'orders-dead', async (order: Order) => {
  console.log(`dead letter: order ${order.orderId}`);
  deadLetters.push(order);
  return DaprPubSubStatusEnum.SUCCESS;
});

// DaprServer runs on Express: two ordinary routes beside the ones the SDK adds for daprd, and
// the whole server on loopback only (by default the SDK listens on every interface).
const app = server.daprServer.getServer();
app.get('/charged', (_req: unknown, res: { json(body: unknown): void }) => res.json(charged));
app.get('/dead-letters', (_req: unknown, res: { json(body: unknown): void }) => res.json(deadLetters));
app.listen = (port: number) => http.createServer(app).listen(port, '127.0.0.1');

await server.start();
