// The hop must be invisible: what goes through it arrives as it was sent, its failures are the far
// side's failures, and it appears only when the far side does.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { freePort } from '../harness/ports.js';
import { Hop, now, type Exchange } from './hop.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** An upstream that records what it received and answers as `answer` says. */
async function upstreamServer(answer: (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void) {
  const received: { rawHeaders: string[]; body: Buffer; method?: string; url?: string }[] = [];
  const carrying = new Set<unknown>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ rawHeaders: req.rawHeaders, body, method: req.method, url: req.url });
      carrying.add(req.socket);
      answer(req, body, res);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { server, port, received, connections: () => carrying.size };
}

async function startHop(upstreamPort: number, exchanges: Exchange[] = []): Promise<Hop> {
  const hop = new Hop({ listenHost: '127.0.0.1', port: await freePort(), upstream: { host: '127.0.0.1', port: upstreamPort }, onExchange: (e) => exchanges.push(e) });
  cleanup.push(() => hop.close());
  await hop.start(AbortSignal.timeout(5000));
  return hop;
}

/** A raw HTTP/1.1 exchange over one socket, so nothing but our bytes is sent. */
function rawRequest(port: number, head: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body])));
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (/\r\n\r\n/.test(text) && /content-length: (\d+)/i.test(text)) {
        const length = Number(/content-length: (\d+)/i.exec(text)![1]);
        if (text.length - text.indexOf('\r\n\r\n') - 4 >= length) {
          socket.end();
          resolve(text);
        }
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

describe('the recording hop', () => {
  test('forwards method, path, headers in their order and case, body bytes, status and answer unchanged', async () => {
    const up = await upstreamServer((_req, _body, res) => {
      res.writeHead(207, 'Odd Status', [['X-App', 'one'], ['x-app', 'two'], ['Content-Type', 'application/json'], ['Content-Length', '17']].flat());
      res.end('{"status":"DROP"}');
    });
    const exchanges: Exchange[] = [];
    const hop = await startHop(up.port, exchanges);
    const body = Buffer.from('{"id":"é\\u0000","data":{"x":1}}', 'utf8');
    const head =
      `POST /orders?x=1%202 HTTP/1.1\r\nHost: 127.0.0.1:1234\r\nContent-Type: application/cloudevents+json\r\nTraceparent: 00-abc-def-01\r\n` +
      `X-Custom: A\r\nx-custom: b\r\nContent-Length: ${body.length}\r\n\r\n`;
    const direct = await rawRequest(up.port, head, body);
    const through = await rawRequest(hop.port, head, body);
    const [sentDirect, sentThrough] = up.received;
    expect(sentThrough!.method).toBe('POST');
    expect(sentThrough!.url).toBe('/orders?x=1%202');
    expect(sentThrough!.body.equals(body)).toBe(true);
    // Node's client adds `Connection: keep-alive` onward, which HTTP/1.1 assumes anyway.
    const withoutConnection = (raw: string[]) => raw.filter((_, i) => raw[i - (i % 2)]!.toLowerCase() !== 'connection');
    expect(withoutConnection(sentThrough!.rawHeaders)).toEqual(withoutConnection(sentDirect!.rawHeaders));
    const withoutDate = (text: string) => text.replace(/^Date: .*\r\n/m, '');
    expect(withoutDate(through)).toBe(withoutDate(direct));
    expect(through).toMatch(/^HTTP\/1\.1 207 Odd Status\r\nX-App: one\r\nx-app: two\r\n/);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]).toMatchObject({ method: 'POST', url: '/orders?x=1%202', status: 207, responseBody: '{"status":"DROP"}' });
    expect(exchanges[0]!.requestBody).toBe(body.toString('utf8'));
    expect(exchanges[0]!.requestHeaders['x-custom']).toBe('A, b');
    expect(exchanges[0]!.endedAt).toBeGreaterThanOrEqual(exchanges[0]!.startedAt);
  });

  test('keeps one connection onward per connection to it, and closes it when the far side closes', async () => {
    const up = await upstreamServer((_req, _body, res) => res.end('ok'));
    up.server.keepAliveTimeout = 2000;
    const hop = await startHop(up.port);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(() => agent.destroy());
    const get = () =>
      new Promise<net.Socket>((resolve, reject) => {
        http.get({ port: hop.port, host: '127.0.0.1', path: '/', agent }, (res) => {
          const socket = res.socket;
          res.resume();
          res.on('end', () => resolve(socket));
        }).on('error', reject);
      });
    const clientSocket = await get();
    await get();
    await get();
    expect(up.connections()).toBe(1);
    // The far side drops the idle connection after 2 s: so must the hop, toward the client.
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      clientSocket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
  });

  test('when the far side refuses, cuts the connection instead of answering', async () => {
    const up = await upstreamServer((_req, _body, res) => res.end('ok'));
    const exchanges: Exchange[] = [];
    const hop = await startHop(up.port, exchanges);
    await new Promise<void>((resolve) => {
      up.server.closeAllConnections();
      up.server.close(() => resolve());
    });
    const outcome = await new Promise<string>((resolve) => {
      http
        .request({ port: hop.port, host: '127.0.0.1', method: 'POST', path: '/orders', agent: false }, (res) => resolve(`answered ${res.statusCode}`))
        .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
        .end('{}');
    });
    expect(outcome).toMatch(/ECONNRESET|socket hang up/);
    expect(exchanges[0]).toMatchObject({ url: '/orders', error: 'ECONNREFUSED' });
    expect(exchanges[0]!.status).toBeUndefined();
  });

  test('listens only once the far side listens', async () => {
    const upstreamPort = await freePort();
    const hop = new Hop({ listenHost: '127.0.0.1', port: await freePort(), upstream: { host: '127.0.0.1', port: upstreamPort }, onExchange: () => {} });
    cleanup.push(() => hop.close());
    let listening = false;
    const started = hop.start(AbortSignal.timeout(5000)).then(() => (listening = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(listening).toBe(false);
    expect(hop.address()).toBeUndefined();
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(upstreamPort, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await started;
    expect(hop.address()?.port).toBe(hop.port);
  });
});

describe('the time events are recorded at', () => {
  test('follows the wall clock (Redis entry ids, daprd log) when the monotonic clock drifts from it', () => {
    // now() is within [-0.25, 1.25] ms of the wall clock's ms it read itself, which lies between
    // the two read here around it (the process may be preempted in between on a busy machine).
    const onTheWallClock = () => {
      const before = Date.now();
      const at = now();
      const after = Date.now();
      return at >= before - 0.25 && at <= after + 1.25 ? true : { before, at, after };
    };
    expect(onTheWallClock()).toBe(true);
    const monotonic = performance.now.bind(performance);
    for (const drift of [40, -40]) {
      const spy = vi.spyOn(performance, 'now').mockImplementation(() => monotonic() + drift);
      try {
        expect(onTheWallClock()).toBe(true);
        // and keeps its sub-ms precision once re-anchored
        const a = now();
        const b = now();
        expect(b).toBeGreaterThanOrEqual(a);
      } finally {
        spy.mockRestore();
      }
    }
  });
});
