// The subscriber (provided, nothing to change here): it subscribes to the `orders` topic of the
// `pubsub` component and keeps every order it receives; `GET /received` lists them.
//
//   curl localhost:5002/received
import { DaprServer } from '@dapr/dapr';

const received: unknown[] = [];

const server = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: process.env.APP_PORT ?? '5002',
  clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT ?? '3502' },
});

await server.pubsub.subscribe('pubsub', 'orders', async (order: unknown) => {
  console.log('received order', JSON.stringify(order));
  received.push(order);
});

// DaprServer runs on Express: an ordinary route beside the ones the SDK adds for daprd.
const app = server.daprServer.getServer();
app.get('/received', (_req: unknown, res: { json(body: unknown): void }) => res.json(received));

await server.start();
