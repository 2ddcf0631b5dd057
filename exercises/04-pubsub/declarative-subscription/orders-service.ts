// A service with no Dapr code at all (provided, nothing to change here): daprd delivers each event
// as a CloudEvent to `POST /orders`, and `GET /received` lists the orders that arrived. It declares
// no subscriptions itself (`GET /dapr/subscribe` answers 404): the sidecar takes them from the
// Subscription resources in ./resources.
//
//   curl localhost:5001/received    # order-processor
//   curl localhost:5002/received    # audit
import http from 'node:http';

const received: unknown[] = [];

const server = http.createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/received') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
    return;
  }
  if (req.method === 'POST' && req.url === '/orders') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const event = JSON.parse(body) as { data?: unknown };
    console.log(`${process.env.APP_ID ?? 'app'} received`, JSON.stringify(event.data));
    received.push(event.data);
    // An empty 2xx answer means SUCCESS to daprd.
    res.writeHead(200).end();
    return;
  }
  res.writeHead(404).end();
});

server.listen(Number(process.env.APP_PORT ?? 5001), '127.0.0.1');
