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

// TODO: when charge() fails, the order must be delivered again. A handler that throws does not
//   get that: the SDK catches the error, logs it and answers SUCCESS, so the sidecar acknowledges
//   the order and it is gone. Catch the error and return DaprPubSubStatusEnum.RETRY instead.
// TODO: once the retries are used up, daprd must publish the order to the topic `orders-dead`.
//   Subscribe with server.pubsub.subscribeWithOptions('pubsub', 'orders', { callback, ... })
//   and the option that names a dead-letter topic.
await server.pubsub.subscribe('pubsub', 'orders', async (order: Order) => {
  console.log(`charging order ${order.orderId} (${order.amount})`);
  charge(order);
  return DaprPubSubStatusEnum.SUCCESS;
});

// TODO: read the dead letters. A dead-letter topic is an ordinary topic: subscribe to
//   `orders-dead` and push each order onto `deadLetters`. (The SDK's `deadLetterCallback`
//   option is never called: do not rely on it.)

// DaprServer runs on Express: two ordinary routes beside the ones the SDK adds for daprd, and
// the whole server on loopback only (by default the SDK listens on every interface).
const app = server.daprServer.getServer();
app.get('/charged', (_req: unknown, res: { json(body: unknown): void }) => res.json(charged));
app.get('/dead-letters', (_req: unknown, res: { json(body: unknown): void }) => res.json(deadLetters));
app.listen = (port: number) => http.createServer(app).listen(port, '127.0.0.1');

await server.start();
