// order-watcher: stands in for shipping. It subscribes to `orders` and lists the data of every
// event it got on GET /events, so you can see what order-service announced. You do not need to
// change this file.
import http from 'node:http';
import { CommunicationProtocolEnum, DaprServer } from '@dapr/dapr';

const server = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: process.env.APP_PORT ?? '5002',
  communicationProtocol: CommunicationProtocolEnum.HTTP,
  clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT ?? '3502' },
});

const events: unknown[] = [];

await server.pubsub.subscribe('pubsub', 'orders', async (data: unknown) => {
  console.log(`received ${typeof data === 'string' ? `text: ${data}` : JSON.stringify(data)}`);
  events.push(data);
});

interface WebApp {
  listen: (port: number) => http.Server;
  get(path: string, handler: (req: unknown, res: { json(body: unknown): void }) => void): void;
}
const app = server.daprServer.getServer() as WebApp;
app.listen = (port) => http.createServer(app as unknown as http.RequestListener).listen(port, '127.0.0.1');
app.get('/events', (_req, res) => res.json(events));

await server.start();
