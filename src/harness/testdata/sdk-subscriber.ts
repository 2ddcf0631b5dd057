// A subscriber on the real JS SDK, for the harness tests: it counts attempts per event and fails
// them the way HANDLER_MODE says (throw, or return RETRY), so the tests can prove what the sidecar
// does with each.
import { DaprPubSubStatusEnum, DaprServer } from '@dapr/dapr';

const mode = process.env.HANDLER_MODE ?? 'throw';
const attempts: Record<string, number> = {};

const server = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: process.env.APP_PORT,
  clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT },
});

await server.pubsub.subscribe('pubsub', 'orders', async (data: { id: string }) => {
  attempts[data.id] = (attempts[data.id] ?? 0) + 1;
  if (mode === 'throw') throw new Error(`cannot process ${data.id}`);
  return DaprPubSubStatusEnum.RETRY;
});

const http = server.daprServer.getServer() as {
  get(path: string, handler: (req: unknown, res: { json(body: unknown): void }) => void): void;
};
http.get('/attempts', (_req, res) => res.json(attempts));

await server.start();
