// Publishes one event to the `notifications` topic, as another service would, to try the
// notifier by hand while `npx course run notifications` (or `dapr run -f .`) is running.
//
//   npx tsx send-event.ts <type> '<data as JSON>'
//   npx tsx send-event.ts order.confirmed '{"id":"e1","userId":"ada"}'
//   npx tsx send-event.ts payment.failed '{"id":"e2","userId":"ada","failSms":true}'
//   npx tsx send-event.ts order.confirmed 'not JSON at all'      (sent as text/plain)
//
// It publishes through the notifier's sidecar (DAPR_HTTP_PORT, default 3530 as in dapr.yaml).
import { DaprClient, LogLevel } from '@dapr/dapr';

const [type, text] = process.argv.slice(2);
if (!type || text === undefined) {
  console.error("usage: npx tsx send-event.ts <type> '<data as JSON>'");
  process.exit(2);
}

let data: object | string;
try {
  data = JSON.parse(text) as object;
} catch {
  data = text;
}

const daprPort = process.env.DAPR_HTTP_PORT ?? '3530';
// The SDK would wait 30 s for a sidecar that is not there; say so at once instead.
const sidecarUp = await fetch(`http://127.0.0.1:${daprPort}/v1.0/healthz/outbound`, { signal: AbortSignal.timeout(2000) }).then(
  (res) => res.ok,
  () => false,
);
if (!sidecarUp) {
  console.error(`No Dapr sidecar answers on port ${daprPort}: start the exercise first (npx course run notifications).`);
  process.exit(1);
}

const client = new DaprClient({
  daprHost: '127.0.0.1',
  daprPort,
  logger: { level: LogLevel.Error },
});
const result = await client.pubsub.publish('pubsub', 'notifications', data, { metadata: { 'cloudevent.type': type } });
if (result.error) {
  console.error(`publish failed: ${String(result.error)}`);
  process.exit(1);
}
console.log(`published ${type} (${typeof data === 'string' ? 'text' : 'JSON'}): ${text}`);
