// A front before a sidecar's API, on real sockets: it closes every connection until the check
// attaches, hands each one to the check after, and cuts what is still open when it closes.
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { Front } from './sidecar-front.js';
import { canConnect } from './ports.js';
import { requestAt } from './testdata/request-at.js';

let front: Front | undefined;
afterEach(async () => {
  await front?.close();
  front = undefined;
});

describe('a front before a sidecar API', () => {
  test('closes every connection until the check attaches, then hands each to it', async () => {
    front = await Front.listen('http', 3500);
    expect([front.api, front.sidecarPort, front.listening]).toEqual(['http', 3500, true]);
    expect(await requestAt(front.port)).toBe('cut');

    const handed: net.Socket[] = [];
    front.attach((socket) => {
      handed.push(socket);
      socket.once('data', () => socket.end('HTTP/1.1 204 No Content\r\n\r\n'));
    });
    expect(await requestAt(front.port)).toBe('answered');
    expect(handed).toHaveLength(1);
  });

  test('closing it cuts the connections still open and stops listening', async () => {
    front = await Front.listen('grpc', 50001);
    const held: net.Socket[] = [];
    front.attach((socket) => held.push(socket));
    const ending = requestAt(front.port);
    while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
    const port = front.port;
    await front.close();
    expect(await ending).toBe('cut');
    expect(front.listening).toBe(false);
    expect(await canConnect(port)).toBe(false);
  });
});
