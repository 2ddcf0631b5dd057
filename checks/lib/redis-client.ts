// One connection to the run's own Redis for a check file, opened on first use and closed after
// the last expectation. The helpers that read or change the broker directly (redis-faults.ts,
// state-keys.ts) share it.
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/harness/check-api.js';
import { afterAll } from 'vitest';
import type { Environment } from './exercise.js';

/** Registers an afterAll that closes the connection; call it at the top of a check file. */
export function useRedisClient(env: () => Environment): () => Redis {
  let client: Redis | undefined;
  afterAll(() => {
    client?.disconnect();
  });
  return () => {
    if (!client) {
      const server = env().redis;
      if (!server) throw new Error('This run has no Redis.');
      client = connectRedis({ host: server.host, port: server.port, maxRetriesPerRequest: 1 });
    }
    return client;
  };
}
