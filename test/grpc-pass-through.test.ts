// The gRPC door of the publish gate: calls pass to the server behind it unchanged (answers, errors,
// streams), and the calls it takes wait until they are sent. A real gRPC server and client
// (@grpc/grpc-js) on either side; raw bytes as messages.
import * as grpc from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { grpcPassThrough, protobufFields, type TakenGrpcCall } from '../checks/lib/grpc-pass-through.js';

const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const SERVICE: grpc.ServiceDefinition = {
  Echo: { path: '/test.T/Echo', requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
  Refuse: { path: '/test.T/Refuse', requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
  Count: { path: '/test.T/Count', requestStream: false, responseStream: true, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
};
const Client = grpc.makeGenericClientConstructor(SERVICE, 'T');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function backend(): Promise<number> {
  const server = new grpc.Server();
  server.addService(SERVICE, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => done(null, Buffer.concat([Buffer.from('echo:'), call.request])),
    Refuse: (_call: unknown, done: grpc.sendUnaryData<Buffer>) => done({ code: grpc.status.PERMISSION_DENIED, details: 'not allowed' }),
    Count: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      for (const n of ['1', '2', '3']) call.write(Buffer.from(n));
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  cleanups.push(() => void server.forceShutdown());
  return port;
}

async function door(target: number | undefined, takes: string[], onCall: (call: TakenGrpcCall) => void) {
  const pass = grpcPassThrough(() => target, (m) => takes.includes(m), onCall);
  await new Promise<void>((resolve) => pass.server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => pass.close());
  const client = new Client(`127.0.0.1:${(pass.server.address() as AddressInfo).port}`, grpc.credentials.createInsecure());
  cleanups.push(() => client.close());
  const unary = (method: string, message: string) =>
    new Promise<{ error?: grpc.ServiceError; answer?: string }>((resolve) =>
      client.makeUnaryRequest(`/test.T/${method}`, raw.serialize, raw.deserialize, Buffer.from(message), (error, answer) =>
        resolve({ error: error ?? undefined, answer: answer?.toString() }),
      ),
    );
  return { client, unary };
}

describe('the gRPC pass-through', () => {
  test('passes answers, errors and streams through unchanged', async () => {
    const { client, unary } = await door(await backend(), [], () => {});
    expect(await unary('Echo', 'hi')).toEqual({ error: undefined, answer: 'echo:hi' });
    const refused = await unary('Refuse', 'x');
    expect(refused.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(refused.error?.details).toBe('not allowed');
    const counted: string[] = [];
    const stream = client.makeServerStreamRequest('/test.T/Count', raw.serialize, raw.deserialize, Buffer.from(''));
    stream.on('data', (b: Buffer) => counted.push(b.toString()));
    await new Promise((resolve) => stream.on('status', resolve));
    expect(counted).toEqual(['1', '2', '3']);
  });

  test('a call it takes waits until sent, then gets its answer and status', async () => {
    const taken: TakenGrpcCall[] = [];
    let arrived = () => {};
    const { unary } = await door(await backend(), ['Echo', 'Refuse'], (call) => (taken.push(call), arrived()));
    const answer = unary('Echo', 'held');
    const refusal = unary('Refuse', 'held too');
    while (taken.length < 2) await new Promise<void>((resolve) => (arrived = resolve));
    expect(taken.map((c) => [c.method, c.message.toString()]).sort()).toEqual([['Echo', 'held'], ['Refuse', 'held too']]);
    let answered = false;
    void answer.then(() => (answered = true));
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    const codes = await Promise.all(taken.map((c) => c.send()));
    expect(codes.sort()).toEqual([grpc.status.OK, grpc.status.PERMISSION_DENIED]);
    expect(await answer).toEqual({ error: undefined, answer: 'echo:held' });
    expect((await refusal).error?.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  test('with nothing behind it, a call fails as UNAVAILABLE, as without it', async () => {
    const { unary } = await door(1, [], () => {});
    expect((await unary('Echo', 'x')).error?.code).toBe(grpc.status.UNAVAILABLE);
  });
});

describe('protobuf fields', () => {
  test('reads length-delimited fields by number, skipping the others', () => {
    // field 1 "ps", field 7 varint 300, field 2 "t", field 3 bytes {} twice
    const message = Buffer.from([0x0a, 2, 0x70, 0x73, 0x38, 0xac, 0x02, 0x12, 1, 0x74, 0x1a, 2, 0x7b, 0x7d, 0x1a, 0]);
    const fields = protobufFields(message);
    expect(fields.get(1)?.map(String)).toEqual(['ps']);
    expect(fields.get(2)?.map(String)).toEqual(['t']);
    expect(fields.get(3)?.map(String)).toEqual(['{}', '']);
    expect(fields.has(7)).toBe(false);
  });
});
