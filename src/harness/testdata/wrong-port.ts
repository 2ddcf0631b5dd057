// Listens, but not on APP_PORT: on a port of its own choosing. For the fault tests.
import http from 'node:http';

const server = http.createServer((_req, res) => res.end());
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on ${(server.address() as { port: number }).port}`);
});
