// The order router (provided, nothing to change here). It has no subscriptions of its own: daprd
// reads them from resources/subscription.yaml and POSTs each CloudEvent to the path the first
// matching rule names. This app answers every such POST with SUCCESS and remembers which path each
// event arrived on; `GET /received` lists them.
//
//   curl localhost:5001/received
import http from 'node:http';
import { DaprPubSubStatusEnum } from '@dapr/dapr';

interface Arrival {
  path: string;
  type: string;
  orderId?: string;
}

const received: Arrival[] = [];

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  // daprd asks once which topics the app subscribes to in code: none, they are all declarative.
  if (req.method === 'GET' && path === '/dapr/subscribe') return send(res, 200, []);
  if (req.method === 'GET' && path === '/received') return send(res, 200, received);
  if (req.method !== 'POST') return send(res, 404, { error: `no ${req.method} ${path}` });

  let body = '';
  for await (const chunk of req) body += chunk;
  const event = JSON.parse(body || '{}') as { type?: string; data?: { orderId?: string } };
  const arrival: Arrival = { path, type: String(event.type), orderId: event.data?.orderId };
  console.log(`${arrival.path} <- ${arrival.type} ${arrival.orderId ?? ''}`);
  received.push(arrival);
  send(res, 200, { status: DaprPubSubStatusEnum.SUCCESS });
});

server.listen(Number(process.env.APP_PORT ?? 5001), '127.0.0.1');
