// Holds an app's publishes on their way to its sidecar, so that sends the check makes at once are
// in flight together, in every run: it makes "read a counter, publish, then update it" fail every
// time (both sends read the same value), not only when the scheduler happens to interleave them.
//
// The gate is an HTTP pass-through at the front the harness keeps before the app's sidecar HTTP
// API, given to the app as DAPR_HTTP_PORT (before-sidecar.ts). Every request goes straight to the
// sidecar, unchanged, except while `together` runs: then each publish (`POST /v1.0/publish/...`)
// waits at the gate until as many as the check sent have arrived, and they go on one at a time,
// each once the sidecar has answered the one before, in the order `together` is given (the broker
// then holds them in that order too).
// `publishGate(appId, { bulk: true })` holds bulk publishes (`POST /v1.0-alpha1/publish/bulk/...`)
// instead: each batch is one request.
//
//   const gate = publishGate('alice');
//   const env = useExercise({ beforeStart: gate.install });
//   const answers = await gate.together(2, () => Promise.all([post(a), post(b)]), bySeq);
//
// `gate.publishes()` lists every publish that passed the gate (held or not) with the sidecar's
// answer: what the app handed its sidecar, also when the broker refused it.
//
// An app may publish through its sidecar's gRPC API instead (a DaprClient with
// `communicationProtocol: GRPC`, on DAPR_GRPC_PORT): a second door, an HTTP/2 pass-through at the
// front before its gRPC API, holds those publishes the same way (grpc-pass-through.ts).
import http from 'node:http';
import type net from 'node:net';
import { afterAll } from 'vitest';
import type { EnvironmentSpec, SidecarApi } from '../../src/harness/check-api.js';
import { placeBeforeSidecar } from './before-sidecar.js';
import { grpcPassThrough, protobufFields, type TakenGrpcCall } from './grpc-pass-through.js';

/**
 * An app that publishes one message at a time (it waits for one publish before it starts the
 * next) never has two at the gate: after the first arrived, the gate waits this long for the others,
 * then lets through what it holds. It is a wait for something that may rightly not happen, so it is
 * short; publishes sent at once reach the gate within milliseconds of each other.
 */
const REST_WITHIN_MS = 2000;
/** When none arrives and `act` does not settle either, the app is stuck before publishing: let it be. */
const FIRST_WITHIN_MS = 10_000;

/** A publish waiting at the gate. */
interface Held {
  /** Its JSON body as the HTTP API carries it (raw text when not JSON): what `rank` reads. */
  body: unknown;
  /** Sends it on to the sidecar; resolves once the app has its answer. */
  send(): Promise<void>;
}

interface HttpRequest {
  req: http.IncomingMessage;
  body: Buffer;
  res: http.ServerResponse;
}

/** A publish the app made through the gate, and the status its sidecar answered it with. */
export interface GatePublish {
  /** The request path, e.g. `/v1.0/publish/pubsub/general` (for a gRPC publish, the HTTP API's path for the same). */
  path: string;
  /** The request body, parsed as JSON (the raw text when it is not JSON); for gRPC, as the HTTP API would carry it. */
  body: unknown;
  /** The sidecar's HTTP status (for gRPC, the HTTP API's for the same answer); 0 when the sidecar could not be reached. */
  status: number;
  /** Which of the sidecar's APIs the app used. */
  api: 'http' | 'grpc';
}

export interface PublishGate {
  /** For `useExercise({ beforeStart })`: points the app's DAPR_HTTP_PORT and DAPR_GRPC_PORT at the gate. */
  install(spec: EnvironmentSpec): void;
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
  const heldMethods = options.bulk ? ['BulkPublishEventAlpha1', 'BulkPublishEvent'] : ['PublishEvent'];
  /** The sidecar's own port for each API, as its front says. */
  const targets: Partial<Record<SidecarApi, number>> = {};
  let holding: { count: number; held: Held[]; changed: () => void } | undefined;
  const sockets = new Set<net.Socket>();
  const passed: GatePublish[] = [];
  const isPublish = (req: http.IncomingMessage) => req.method === 'POST' && (req.url?.startsWith(heldPath) ?? false);

  /** A publish arrived: held while `together` runs, sent on at once otherwise. */
  const arrived = async (held: Held) => {
    if (!holding) return held.send();
    holding.held.push(held);
    holding.changed();
  };

  /** Forwards one HTTP request to the sidecar and its answer back; resolves once the answer is sent. */
  const forward = ({ req, body, res }: HttpRequest) =>
    new Promise<void>((resolve) => {
      const record = (status: number) => isPublish(req) && passed.push({ path: req.url!, body: parsed(body), status, api: 'http' });
      const upstream = http.request(
        { host: '127.0.0.1', port: targets.http, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          record(answer.statusCode ?? 502);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          res.on('close', () => resolve());
        },
      );
      // The sidecar is not listening (yet, or any more): the app sees what it would see without the
      // gate, a connection that fails, and tries again as it would.
      upstream.on('error', () => {
        record(0);
        res.socket?.destroy();
        resolve();
      });
      upstream.end(body);
    });

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = { req, body: Buffer.concat(chunks), res };
    if (isPublish(req)) await arrived({ body: parsed(request.body), send: () => forward(request) });
    else await forward(request);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const grpc = grpcPassThrough(
    () => targets.grpc,
    (method) => heldMethods.includes(method),
    (call) => {
      const publish = grpcPublish(call);
      void arrived({
        body: publish.body,
        send: async () => {
          const code = await call.send();
          passed.push({ ...publish, status: httpStatusOf(code, options.bulk ? 200 : 204), api: 'grpc' });
        },
      });
    },
  );

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await grpc.close();
  });

  const rankOf = (held: Held, arrival: number, rank: (body: unknown) => number) => {
    try {
      const value = rank(held.body);
      return Number.isFinite(value) ? value : arrival;
    } catch {
      return arrival;
    }
  };

  return {
    install(spec) {
      placeBeforeSidecar(spec, appId, ['http', 'grpc'], 'publishGate', (front) => {
        targets[front.api] = front.sidecarPort;
        const door = front.api === 'http' ? server : grpc.server;
        front.attach((socket) => door.emit('connection', socket));
      });
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
      for (const { held } of ordered) await held.send();
      return result;
    },

    publishes() {
      return passed;
    },
  };
}

/** JSON text parsed; other bytes as text. */
function parsed(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A publish made over gRPC, as the HTTP API would carry it: PublishEventRequest (pubsub_name 1,
 * topic 2, data 3) or BulkPublishRequest (pubsub_name 1, topic 2, entries 3: entry_id 1, event 2,
 * content_type 3), as in dapr/proto/runtime/v1/pubsub.proto.
 */
function grpcPublish(call: TakenGrpcCall): { path: string; body: unknown } {
  const fields = protobufFields(call.message);
  const text = (field: number, of = fields) => of.get(field)?.[0]?.toString('utf8') ?? '';
  const where = `${encodeURIComponent(text(1))}/${encodeURIComponent(text(2))}`;
  if (call.method === 'PublishEvent') return { path: `/v1.0/publish/${where}`, body: parsed(fields.get(3)?.[0] ?? Buffer.alloc(0)) };
  const entries = (fields.get(3) ?? []).map((entry) => {
    const of = protobufFields(entry);
    return { entryId: text(1, of), event: parsed(of.get(2)?.[0] ?? Buffer.alloc(0)), contentType: text(3, of) };
  });
  return { path: `/v1.0-alpha1/publish/bulk/${where}`, body: entries };
}

/** The HTTP API's status for a gRPC status (as daprd answers the same refusal on both); 0 for no answer. */
function httpStatusOf(code: number, ok: number): number {
  const statuses: Record<number, number> = { [-1]: 0, 0: ok, 3: 400, 5: 404, 7: 403, 9: 400, 14: 0 };
  return statuses[code] ?? 500;
}
