// The publisher (provided, nothing to change here): `POST /orders` publishes the order it is given
// to the `orders` topic of the `pubsub` component, through its own sidecar.
//
//   curl -X POST localhost:5001/orders -H 'content-type: application/json' -d '{"orderId":"o-1"}'
import http from 'node:http';
import { DaprClient } from '@dapr/dapr';

const client = new DaprClient();

const server = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/orders') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  // Over HTTP the SDK returns a failed publish as `{ error }` (for instance when the sidecar has
  // no component named `pubsub`): pass daprd's answer on, so you can read it.
  const result = await client.pubsub.publish('pubsub', 'orders', JSON.parse(body) as object);
  if (result.error) {
    res.writeHead(502).end(String(result.error));
    return;
  }
  res.writeHead(204).end();
});

server.listen(Number(process.env.APP_PORT ?? 5001), '127.0.0.1');
