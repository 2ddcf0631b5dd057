// Listens on APP_PORT and crashes (an uncaught error) on POST /orders. For the fault tests.
import http from 'node:http';

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/orders') {
    setImmediate(() => {
      throw new Error('boom: cannot read property total of undefined');
    });
  }
  res.end();
});
server.listen(Number(process.env.APP_PORT), '127.0.0.1');
