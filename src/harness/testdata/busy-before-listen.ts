// Never gets to listen: its main thread spins before the server starts. For the fault tests.
import http from 'node:http';

const server = http.createServer((_req, res) => res.end());
console.log('warming up...');
while (Date.now() > 0) {
  // a loop that never ends
}
server.listen(Number(process.env.APP_PORT), '127.0.0.1');
