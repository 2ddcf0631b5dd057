// Holds an app's publishes on their way to its sidecar, so that sends the check makes at once are
// in flight together, in every run: it makes "read a counter, publish, then update it" fail every
// time (both sends read the same value), not only when the scheduler happens to interleave them.
//
// The gate is an HTTP pass-through on a port of its own, given to the app as DAPR_HTTP_PORT
// (before-sidecar.ts). Every request goes straight to the sidecar, unchanged, except while
// `together` runs: then each publish (`POST /v1.0/publish/...`) waits at the gate until as many as
// the check sent have arrived, and they go on one at a time, each once the sidecar has answered the
// one before, in the order `together` is given (the broker then holds them in that order too).
// `publishGate(appId, { bulk: true })` holds bulk publishes (`POST /v1.0-alpha1/publish/bulk/...`)
// instead: each batch is one request.
//
//   const gate = publishGate('alice');
//   const env = useExercise({ beforeStart: gate.install });
//   const answers = await gate.together(2, () => Promise.all([post(a), post(b)]), bySeq);
//
// `gate.publishes()` lists every publish that passed the gate (held or not) with the sidecar's
// answer: what the app handed its sidecar, also when the broker refused it.
import http from 'node:http';
import type net from 'node:net';
import { afterAll } from 'vitest';
import type { EnvironmentSpec } from '../../src/harness/check-api.js';
import { placeBeforeSidecar } from './before-sidecar.js';

/**
 * An app that publishes one message at a time (it waits for one publish before it starts the
 * next) never has two at the gate: after the first arrived, the gate waits this long for the others,
 * then lets through what it holds. It is a wait for something that may rightly not happen, so it is
 * short; publishes sent at once reach the gate within milliseconds of each other.
 */
const REST_WITHIN_MS = 2000;
/** When none arrives and `act` does not settle either, the app is stuck before publishing: let it be. */
const FIRST_WITHIN_MS = 10_000;

interface Held {
  req: http.IncomingMessage;
  body: Buffer;
  res: http.ServerResponse;
}

/** A publish the app made through the gate, and the status its sidecar answered it with. */
export interface GatePublish {
  /** The request path, e.g. `/v1.0/publish/pubsub/general`. */
  path: string;
  /** The request body, parsed as JSON (the raw text when it is not JSON). */
  body: unknown;
  /** The sidecar's HTTP status; 0 when the sidecar could not be reached. */
  status: number;
}

export interface PublishGate {
  /** For `useExercise({ beforeStart })`: points the app's DAPR_HTTP_PORT at the gate. */
  install(spec: EnvironmentSpec): Promise<void>;
  /**
   * Runs `act` (which makes the app publish `count` times at once) with publishes held at the gate
   * until all `count` are there, then lets them through one by one, ordered by `rank` of each
   * publish's JSON body (a body that is not JSON ranks as it arrived); resolves with `act`'s result.
   */
  together<T>(count: number, act: () => Promise<T>, rank: (body: unknown) => number): Promise<T>;
  /** Every publish (of the kind the gate holds) that has passed the gate and been answered, in the order answered. */
  publishes(): readonly GatePublish[];
}

export interface PublishGateOptions {
  /** Hold bulk publishes (`publishBulk`, one request per batch) instead of single ones. */
  bulk?: boolean;
}

export function publishGate(appId: string, options: PublishGateOptions = {}): PublishGate {
  const heldPath = options.bulk ? '/v1.0-alpha1/publish/bulk/' : '/v1.0/publish/';
  let target: number | undefined;
  let holding: { count: number; held: Held[]; changed: () => void } | undefined;
  const sockets = new Set<net.Socket>();
  const passed: GatePublish[] = [];
  const isPublish = (req: http.IncomingMessage) => req.method === 'POST' && (req.url?.startsWith(heldPath) ?? false);
  const record = ({ req, body }: Held, status: number) => {
    if (!isPublish(req)) return;
    const text = body.toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    passed.push({ path: req.url!, body: parsed, status });
  };

  /** Forwards one request to the sidecar and its answer back; resolves once the answer is sent. */
  const forward = (held: Held) =>
    new Promise<void>((resolve) => {
      const { req, body, res } = held;
      const upstream = http.request(
        { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          record(held, answer.statusCode ?? 502);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          res.on('close', () => resolve());
        },
      );
      // The sidecar is not listening (yet, or any more): the app sees what it would see without the
      // gate, a connection that fails, and tries again as it would.
      upstream.on('error', () => {
        record(held, 0);
        res.socket?.destroy();
        resolve();
      });
      upstream.end(body);
    });

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = { req, body: Buffer.concat(chunks), res };
    if (holding && isPublish(req)) {
      holding.held.push(request);
      holding.changed();
      return;
    }
    await forward(request);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const rankOf = (held: Held, arrival: number, rank: (body: unknown) => number) => {
    try {
      const value = rank(JSON.parse(held.body.toString('utf8')));
      return Number.isFinite(value) ? value : arrival;
    } catch {
      return arrival;
    }
  };

  return {
    async install(spec) {
      target = await placeBeforeSidecar(spec, appId, server, 'publishGate');
    },

    async together(count, act, rank) {
      let changed = () => {};
      const state = { count, held: [] as Held[], changed: () => changed() };
      holding = state;
      let settled = false;
      const result = act().finally(() => {
        settled = true;
        changed();
      });
      result.catch(() => undefined);
      const start = Date.now();
      let firstAt: number | undefined;
      // Until all have arrived, `act` settled without them (an app that did not publish them), or
      // REST_WITHIN_MS passed since the first arrived.
      while (state.held.length < count && !settled) {
        if (state.held.length > 0) firstAt ??= Date.now();
        const left = firstAt === undefined ? start + FIRST_WITHIN_MS - Date.now() : firstAt + REST_WITHIN_MS - Date.now();
        if (left <= 0) break;
        await new Promise<void>((resolve) => {
          changed = resolve;
          setTimeout(resolve, left);
        });
      }
      holding = undefined;
      const ordered = state.held
        .map((held, arrival) => ({ held, rank: rankOf(held, arrival, rank) }))
        .sort((a, b) => a.rank - b.rank);
      for (const { held } of ordered) await forward(held);
      return result;
    },

    publishes() {
      return passed;
    },
  };
}
