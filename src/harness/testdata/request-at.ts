// For the tests of fronts before a sidecar's API (sidecar-front.ts): what an app sees of one.
import net from 'node:net';

/** Connects, sends a request and says how the connection ended: cut with nothing read, or answered. */
export function requestAt(port: number): Promise<'cut' | 'answered' | 'refused'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let connected = false;
    let answered = false;
    socket.on('connect', () => {
      connected = true;
      socket.write('GET /v1.0/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    socket.on('data', () => {
      answered = true;
      socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answered ? 'answered' : connected ? 'cut' : 'refused'));
  });
}
