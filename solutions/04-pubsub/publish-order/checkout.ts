// The checkout service: it takes orders over HTTP and announces each one on the `orders` topic.
import http from 'node:http';
import { DaprClient } from '@dapr/dapr';

interface Order {
  orderId: string;
  customer: string;
  total: number;
}

// The sidecar's port comes from DAPR_HTTP_PORT, which `dapr run` and `course check` both set.
const client = new DaprClient();

async function publishOrder(order: Order): Promise<void> {
  const result = await client.pubsub.publish('pubsub', 'orders', order, {
    metadata: { 'cloudevent.type': 'order.created', 'cloudevent.id': order.orderId },
  });
  if (result.error) throw result.error;
}

const server = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/orders') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  try {
    await publishOrder(JSON.parse(body) as Order);
    res.writeHead(202).end();
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});

server.listen(Number(process.env.APP_PORT ?? 5001), '127.0.0.1');
