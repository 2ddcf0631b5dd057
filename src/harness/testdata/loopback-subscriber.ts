// A subscriber on plain node:http that listens on 127.0.0.1 only, as most of the course's services
// do: a sidecar reaches it only where it can reach this machine's loopback. GET /received lists
// the ids it was delivered.
import http from 'node:http';

const received: unknown[] = [];
http
  .createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/dapr/subscribe') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ pubsubname: 'pubsub', topic: 'orders', route: '/orders' }]));
      return;
    }
    if (req.method === 'GET' && req.url === '/received') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/orders') received.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { id: unknown } }).data.id);
      res.writeHead(200).end();
    });
  })
  .listen(Number(process.env.APP_PORT), '127.0.0.1');
