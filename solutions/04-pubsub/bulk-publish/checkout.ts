// The checkout service: `POST /orders/batch` takes an array of orders and announces each one on
// the `orders` topic in a single bulk request to the sidecar, then says what happened.
//
//   curl -X POST localhost:5001/orders/batch -H 'content-type: application/json' \
//     -d '[{"orderId":"o-1","customer":"ada","total":10},{"orderId":"o-2","customer":"bob","total":20}]'
//   -> {"published":2,"failed":[]}
import http from 'node:http';
import { DaprClient } from '@dapr/dapr';

interface Order {
  orderId: string;
  customer: string;
  total: number;
}

interface BatchResult {
  /** How many orders were published. */
  published: number;
  /** The orderIds of the orders that were not. */
  failed: string[];
}

// The sidecar's port comes from DAPR_HTTP_PORT, which `dapr run` and `course check` both set.
const client = new DaprClient();

async function publishBatch(orders: Order[]): Promise<BatchResult> {
  const { failedMessages } = await client.pubsub.publishBulk('pubsub', 'orders', orders);
  // Each failed entry carries the message the SDK sent; its `event` is the order itself.
  // (Over HTTP, SDK 3.18.0 reports a request the sidecar refused as a whole, with every entry
  // failed; entries the broker refused one by one come back keyed `entryId` and it misses them.)
  const failed = failedMessages.map((f) => (f.message.event as Order).orderId);
  return { published: orders.length - failed.length, failed };
}

const server = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/orders/batch') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  const orders = JSON.parse(body) as unknown;
  if (!Array.isArray(orders)) {
    res.writeHead(400).end('expected a JSON array of orders');
    return;
  }
  try {
    const result = await publishBatch(orders as Order[]);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});

server.listen(Number(process.env.APP_PORT ?? 5001), '127.0.0.1');
