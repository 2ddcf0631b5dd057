// Free TCP ports on 127.0.0.1. The OS picks them; we remember what this process handed out so two
// sidecars started in the same breath never get the same one.
import net from 'node:net';

const handedOut = new Set<number>();

function askOs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await askOs();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  return ports;
}

/** Whether something already listens on (or holds) the port on 127.0.0.1. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** Resolves once a TCP connection to the port succeeds; rejects when `signal` aborts. */
export async function waitForListening(port: number, signal: AbortSignal, intervalMs = 25): Promise<void> {
  while (!signal.aborted) {
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw signal.reason ?? new Error('aborted');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
