// The order subscriber (provided, nothing to change here). It knows a pub/sub component called
// `pubsub` and a topic, nothing about the broker behind them: that is the component file's business.
// `GET /received` lists the orders it received.
//
//   curl localhost:5001/received
import http from 'node:http';
import { DaprPubSubStatusEnum, DaprServer } from '@dapr/dapr';

// `orders`, unless ORDERS_TOPIC says otherwise: the check gives each run a topic of its own, so
// that nothing left on a shared broker by an earlier run can reach this one.
const topic = process.env.ORDERS_TOPIC ?? 'orders';
const received: unknown[] = [];

const server = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: process.env.APP_PORT ?? '5001',
  clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT ?? '3501' },
});

await server.pubsub.subscribe('pubsub', topic, async (order: unknown) => {
  console.log(`received on ${topic}: ${JSON.stringify(order)}`);
  received.push(order);
  return DaprPubSubStatusEnum.SUCCESS;
});

// DaprServer runs on Express: one ordinary route beside the SDK's, on loopback only.
const app = server.daprServer.getServer();
app.get('/received', (_req: unknown, res: { json(body: unknown): void }) => res.json(received));
app.listen = (port: number) => http.createServer(app).listen(port, '127.0.0.1');

await server.start();
