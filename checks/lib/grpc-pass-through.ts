// An HTTP/2 pass-through for an app's calls to its sidecar's gRPC API (a DaprClient with
// `communicationProtocol: GRPC`): every call goes to the sidecar unchanged, streams included,
// except the unary calls `takes` names, which are read whole and handed to `onCall`, to be sent on
// when it says. publish-gate.ts holds publishes made over gRPC with it, as it holds those made over
// HTTP.
import http2 from 'node:http2';

/** A unary call taken at the pass-through, not yet sent on. */
export interface TakenGrpcCall {
  /** The method, e.g. `PublishEvent` (its service's name dropped). */
  method: string;
  /** The request message, without gRPC's 5-byte frame (a unary call carries one). */
  message: Buffer;
  /** Sends the call on and the sidecar's answer back; resolves with the gRPC status code (-1: no answer). */
  send(): Promise<number>;
}

export interface GrpcPassThrough {
  /** Listen with it, or hand it connections (`emit('connection', socket)`, as publish-gate.ts does from a front). */
  server: http2.Http2Server;
  close(): Promise<void>;
}

const UNAVAILABLE = 14;

export function grpcPassThrough(target: () => number | undefined, takes: (method: string) => boolean, onCall: (call: TakenGrpcCall) => void): GrpcPassThrough {
  let upstream: http2.ClientHttp2Session | undefined;
  const sidecar = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(`http://127.0.0.1:${target()}`);
      upstream.on('error', () => undefined); // each call's stream says it too, and answers its caller
    }
    return upstream;
  };
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path'] ?? '');
    const method = path.slice(path.lastIndexOf('/') + 1);
    const onward: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) if (!name.startsWith(':') || name === ':path' || name === ':method') onward[name] = value;
    const open = () => {
      try {
        return sidecar().request(onward);
      } catch {
        return undefined;
      }
    };
    if (!takes(method)) {
      const call = open();
      if (!call) return answerUnavailable(stream);
      stream.pipe(call);
      void relay(call, stream);
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      onCall({
        method,
        message: body.subarray(5),
        send: () => {
          const call = open();
          if (!call) return Promise.resolve(answerUnavailable(stream));
          call.end(body);
          return relay(call, stream);
        },
      });
    });
  });
  return {
    server,
    async close() {
      for (const session of sessions) session.destroy();
      upstream?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The sidecar's answer to `call`, passed to `caller` as it comes, trailers last; resolves with the gRPC status. */
function relay(call: http2.ClientHttp2Stream, caller: http2.ServerHttp2Stream): Promise<number> {
  return new Promise((resolve) => {
    let status = -1;
    let trailers: http2.OutgoingHttpHeaders = {};
    caller.on('close', () => call.close());
    call.on('response', (headers) => {
      const answer = { ':status': headers[':status'] ?? 200, ...withoutPseudo(headers) };
      if (caller.closed) return;
      // A trailers-only answer (an error, say): the status is in these headers, and nothing follows.
      if (headers['grpc-status'] !== undefined) {
        status = Number(headers['grpc-status']);
        caller.respond(answer, { endStream: true });
      } else {
        caller.respond(answer, { waitForTrailers: true });
      }
    });
    call.on('data', (chunk: Buffer) => caller.closed || caller.write(chunk));
    call.on('trailers', (headers) => {
      trailers = withoutPseudo(headers);
      status = Number(headers['grpc-status'] ?? -1);
    });
    caller.on('wantTrailers', () => caller.sendTrailers(trailers));
    call.on('end', () => {
      if (!caller.closed && !caller.writableEnded) caller.end();
      resolve(status);
    });
    call.on('error', () => {
      resolve(answerUnavailable(caller));
    });
  });
}

/** What the app sees without the pass-through when its sidecar is not listening: UNAVAILABLE. */
function answerUnavailable(caller: http2.ServerHttp2Stream): number {
  if (caller.closed) return -1;
  if (caller.headersSent) caller.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  else caller.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(UNAVAILABLE), 'grpc-message': 'the sidecar is not reachable' }, { endStream: true });
  return -1;
}

/** Headers without HTTP/2's pseudo-headers (`:status`), which trailers must not carry. */
function withoutPseudo(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith(':')) out[name] = value;
  return out;
}

/** The length-delimited fields (strings, bytes, messages) of a protobuf message, by field number, in order. */
export function protobufFields(message: Buffer): Map<number, Buffer[]> {
  const fields = new Map<number, Buffer[]>();
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; at < message.length; shift += 7) {
      const byte = message[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) break;
    }
    return value;
  };
  while (at < message.length) {
    const key = varint();
    const wire = key % 8;
    if (wire === 2) {
      const length = varint();
      const field = Math.floor(key / 8);
      fields.set(field, [...(fields.get(field) ?? []), message.subarray(at, at + length)]);
      at += length;
    } else if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else break; // groups: not in Dapr's API
  }
  return fields;
}
