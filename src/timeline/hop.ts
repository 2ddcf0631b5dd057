// A recording hop: an HTTP forwarder placed between a sidecar and its app (daprd's --app-port
// points at it) or between an app and its sidecar's API (the app's DAPR_HTTP_PORT points at it).
// It must not change what it observes:
//   - request and answer pass through unchanged: method, path, raw headers in their order,
//     body bytes, status code and message;
//   - it never answers on its own and never retries: when the far side refuses or breaks off,
//     the near side's connection is cut, which daprd (or the SDK) sees as the same failure;
//   - connections mirror each other: each connection to the hop has its own connection onward,
//     closed when the other is, so keep-alive and idle closes behave as without the hop;
//   - it starts listening only once the far side listens: daprd dials the app port until it
//     answers before asking for subscriptions, and must not find the hop there earlier.
// Each finished exchange is reported with copies of both bodies (cut at `keepBytes`).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitForListening } from '../harness/ports.js';

export interface Exchange {
  /** When the request's headers arrived and when the answer ended (ms since the epoch, fractional). */
  startedAt: number;
  endedAt: number;
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Header names lowercased; repeated headers joined with `, `. */
  requestHeaders: Record<string, string>;
  requestBody: string;
  status?: number;
  responseBody: string;
  /** The far side could not be reached or broke off; the near side's connection was cut. */
  error?: string;
}

export interface HopOptions {
  /** Where the hop listens: 127.0.0.1 where the near side is on this host (a daprd in a bridged
   * container reaches the host on another interface; see the Docker path). */
  listenHost: string;
  /** The hop's port (chosen beforehand, so daprd or the app can be told it). */
  port: number;
  upstream: { host: string; port: number };
  /** Called when the request arrives (for live views) and when its exchange ends. */
  onRequest?: (exchange: Exchange) => void;
  onExchange: (exchange: Exchange) => void;
  /** Bytes of each body kept for the record (what is forwarded is never cut). */
  keepBytes?: number;
}

let monotonicToWall = Date.now() - performance.now();

/**
 * The wall-clock time in ms, with the monotonic clock's sub-ms precision. Times are compared with
 * Redis entry ids and daprd's log, both on the wall clock, which the system slews: the monotonic
 * clock drifts from it (here about 0.2 ms in 30 s), so a long-lived process (a test worker after
 * 20 min) re-anchors when the two are more than a quarter of a millisecond apart.
 */
export function now(): number {
  const wall = Date.now();
  const precise = performance.now() + monotonicToWall;
  if (Math.abs(precise - wall - 0.5) <= 0.75) return precise;
  monotonicToWall = wall + 0.5 - performance.now();
  return wall + 0.5;
}

export class Hop {
  private server?: http.Server;
  private readonly connections = new WeakMap<Socket, Connection>();
  private closed = false;

  constructor(private readonly options: HopOptions) {}

  get port(): number {
    return this.options.port;
  }

  /** Listens once the upstream accepts connections; rejects if `signal` aborts first. */
  async start(signal: AbortSignal): Promise<void> {
    await waitForListening(this.options.upstream.port, signal, 10);
    if (this.closed) return;
    const server = http.createServer({ keepAliveTimeout: 0, requestTimeout: 0, headersTimeout: 0 }, (req, res) => this.forward(req, res));
    // keepAliveTimeout 0: idle connections live until either side closes them (mirrored below),
    // and the answer gets no Keep-Alive header the app did not send.
    server.keepAliveTimeout = 0;
    server.on('connection', (socket: Socket) => {
      const connection: Connection = {
        agent: new PinnedAgent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 }),
        busy: false,
        farSideClosed: false,
      };
      this.connections.set(socket, connection);
      socket.once('close', () => connection.agent.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const keep = this.options.keepBytes ?? 16_384;
    const exchange: Exchange = {
      startedAt: now(),
      endedAt: 0,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      requestHeaders: headersOf(req.rawHeaders),
      requestBody: '',
      responseBody: '',
    };
    this.options.onRequest?.(exchange);
    const requestBody = new Capture(keep);
    const responseBody = new Capture(keep);
    const downstream = req.socket;
    let finished = false;
    const finish = (error?: string) => {
      if (finished) return;
      finished = true;
      exchange.endedAt = now();
      exchange.requestBody = requestBody.text();
      exchange.responseBody = responseBody.text();
      if (error) exchange.error = error;
      this.options.onExchange(exchange);
    };

    const connection = this.connections.get(downstream)!;
    connection.busy = true;
    const upstream = http.request({
      host: this.options.upstream.host,
      port: this.options.upstream.port,
      method: req.method,
      path: req.url,
      headers: req.rawHeaders,
      setHost: false,
      agent: connection.agent,
    });
    upstream.on('socket', (socket: Socket) => {
      if (mirrored.has(socket)) return;
      mirrored.add(socket);
      // The far side closed the connection: close this one too (once its answer is out).
      socket.once('close', () => {
        connection.farSideClosed = true;
        if (!connection.busy && !downstream.destroyed) downstream.end();
      });
    });
    upstream.on('response', (answer) => {
      exchange.status = answer.statusCode;
      res.sendDate = false;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      answer.on('data', (chunk: Buffer) => responseBody.add(chunk));
      answer.on('end', () => finish());
      answer.on('aborted', () => {
        res.destroy();
        finish('the answer broke off');
      });
      answer.pipe(res);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // Never answer in the app's (or daprd's) place: cut the connection, as a refused or
      // broken one would have been.
      downstream.destroy();
      finish(error.code ?? error.message);
    });
    req.on('data', (chunk: Buffer) => requestBody.add(chunk));
    req.on('aborted', () => upstream.destroy());
    res.on('close', () => {
      connection.busy = false;
      if (!res.writableFinished) upstream.destroy();
      else if (connection.farSideClosed && !downstream.destroyed) downstream.end();
    });
    req.pipe(upstream);
  }
}

/** One connection to the hop and its own connection onward. */
interface Connection {
  agent: http.Agent;
  /** A request is being forwarded. */
  busy: boolean;
  farSideClosed: boolean;
}

const mirrored = new WeakSet<Socket>();

/**
 * Node's agent closes an idle connection early when the answer says `Keep-Alive: timeout=N`;
 * daprd (Go) does not. This one keeps it until the far side closes it, as daprd would.
 */
class PinnedAgent extends http.Agent {
  override keepSocketAlive(socket: Socket): boolean {
    socket.setKeepAlive(true, 1000);
    socket.unref();
    return true;
  }
}

/** Keeps the first `limit` bytes of a stream for the record. */
class Capture {
  private chunks: Buffer[] = [];
  private size = 0;
  private cut = false;
  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    if (this.size >= this.limit) {
      this.cut = true;
      return;
    }
    const part = chunk.subarray(0, this.limit - this.size);
    if (part.length < chunk.length) this.cut = true;
    this.chunks.push(part);
    this.size += part.length;
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.cut ? `${text}…` : text;
  }
}

function headersOf(raw: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    headers[name] = headers[name] === undefined ? raw[i + 1]! : `${headers[name]}, ${raw[i + 1]}`;
  }
  return headers;
}
