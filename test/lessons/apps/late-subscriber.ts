// A DaprServer that subscribes to the topics in TOPICS_FILE (one line, comma-separated) before
// start(), and to LATE_TOPIC once start() resolved and LATE_DELAY_MS more passed.
import { readFileSync } from 'node:fs';
import { DaprServer, LogLevel } from '@dapr/dapr';

const server = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: process.env.APP_PORT!,
  clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT! },
  logger: { level: LogLevel.Error },
});
for (const topic of readFileSync(process.env.TOPICS_FILE!, 'utf8').trim().split(',')) {
  await server.pubsub.subscribe('pubsub', topic, async () => {});
}
await server.start();
console.log('started');
if (process.env.LATE_TOPIC) {
  await new Promise((r) => setTimeout(r, Number(process.env.LATE_DELAY_MS ?? '0')));
  await server.pubsub.subscribe('pubsub', process.env.LATE_TOPIC, async () => {});
  console.log(`subscribed to ${process.env.LATE_TOPIC} after start`);
}
