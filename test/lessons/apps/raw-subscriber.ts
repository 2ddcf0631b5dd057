// A DaprServer with two subscriptions that ask for raw payloads, one with the boolean `true` and one
// with the string "true"; GET /received lists what each handler got.
import { DaprServer, LogLevel } from '@dapr/dapr';

const server = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: process.env.APP_PORT!,
  clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT! },
  logger: { level: LogLevel.Error },
});
const received: { topic: string; data: unknown }[] = [];
for (const [topic, rawPayload] of [['raw-boolean', true], ['raw-string', 'true']] as const) {
  await server.pubsub.subscribeWithOptions('pubsub', topic, {
    metadata: { rawPayload },
    callback: async (data: unknown) => {
      received.push({ topic, data });
    },
  });
}
server.daprServer.getServer().get('/received', (_req: unknown, res: { json(body: unknown): void }) => res.json(received));
await server.start();
