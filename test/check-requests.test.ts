// What a check says when a learner's service does not answer a request: within the request's
// limit, naming the request, not the runtime's own error.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { ExpectationFailed, getJson, postJson } from '../checks/lib/expect.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('requests to a learner service', () => {
  test('one that never answers fails at its limit, saying which request', async () => {
    const base = await serve(() => {}); // reads the request, never answers
    const started = Date.now();
    const error = await getJson(`${base}/orders`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExpectationFailed);
    expect((error as Error).message).toBe('GET /orders did not answer within 3 s.');
    expect(Date.now() - started).toBeLessThan(4500);
  });

  test('one that closes the connection, or no longer listens, is named as that', async () => {
    const base = await serve((req) => req.socket.destroy());
    await expect(postJson(`${base}/orders`, { orderId: 'x' })).rejects.toThrow(/^POST \/orders: the service closed the connection without an answer/);
    await new Promise((r) => server!.close(r));
    server = undefined;
    await expect(postJson(`${base}/orders`, {})).rejects.toThrow('POST /orders: the service no longer listens (ECONNREFUSED).');
  });

  test('an answer, whatever its status, is returned', async () => {
    const base = await serve((req, res) => res.writeHead(503).end('busy'));
    expect(await postJson(`${base}/orders`, {})).toEqual({ status: 503, text: 'busy' });
  });
});
