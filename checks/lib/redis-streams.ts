// The broker side of a run on pubsub.redis: each topic is a Redis stream whose entries hold the
// CloudEvent (field `data`), and each subscribing app-id is a consumer group on it. Checks read it
// to assert what was really published, and to wait for "this subscriber has handled everything"
// (its group has read the last entry and has nothing pending) instead of sleeping.
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/harness/check-api.js';
import { afterAll } from 'vitest';
import type { Environment } from './exercise.js';

export interface StreamEvent {
  /** The stream entry id, e.g. `1795726649957-0`. */
  entryId: string;
  /** The CloudEvent as daprd wrote it. */
  event: Record<string, unknown>;
  data: unknown;
}

export interface ConsumerGroup {
  name: string;
  consumers: number;
  /** Read by the group but not yet acknowledged (the handler has not returned). */
  pending: number;
  lastDeliveredId: string;
  /** How many entries the group has read (Redis 7+). */
  entriesRead?: number;
}

export interface RedisStreams {
  /** Every event on a topic's stream, oldest first; [] if nothing was ever published to it. */
  events(topic: string): Promise<StreamEvent[]>;
  /** The consumer groups on a topic's stream (one per subscribing app-id, by default). */
  groups(topic: string): Promise<ConsumerGroup[]>;
  /**
   * Waits until `group` has read the whole stream and acknowledged all of it, i.e. the app's
   * handler returned for every event so far. False if that does not happen within the time.
   */
  consumed(topic: string, group: string, timeoutMs?: number): Promise<boolean>;
}

export interface RedisStreamsOptions {
  /**
   * The Redis database the streams are in. Read when the connection opens (after the run's
   * resources are loaded); by default the `redisDB` of the run's pubsub.redis component, 0 when it
   * sets none: a learner's component may keep its streams in another database, correctly.
   */
  db?: () => number;
}

/** The `redisDB` of the run's first pubsub.redis component (0 when it sets none, or none daprd could read). */
export function pubsubRedisDb(env: Environment, file?: string): number {
  for (const { file: from, doc } of env.resources) {
    const spec = doc.spec as { type?: unknown; metadata?: { name?: unknown; value?: unknown }[] } | undefined;
    if (doc.kind !== 'Component' || spec?.type !== 'pubsub.redis' || (file !== undefined && from !== file)) continue;
    const db = Number(spec.metadata?.find((m) => m.name === 'redisDB')?.value ?? 0);
    return Number.isInteger(db) && db >= 0 ? db : 0;
  }
  return 0;
}

/** Registers an afterAll that closes the connection; call it at the top of a check file. */
export function useRedisStreams(env: () => Environment, options: RedisStreamsOptions = {}): () => RedisStreams {
  let client: Redis | undefined;
  afterAll(() => {
    client?.disconnect();
  });
  const redis = () => {
    if (!client) {
      const server = env().redis;
      if (!server) throw new Error('This run has no Redis.');
      client = connectRedis({ host: server.host, port: server.port, db: options.db?.() ?? pubsubRedisDb(env()), lazyConnect: false, maxRetriesPerRequest: 1 });
    }
    return client;
  };
  const streams: RedisStreams = {
    async events(topic) {
      const entries = await redis().xrange(topic, '-', '+');
      return entries.map(([entryId, fields]) => {
        const raw = fieldsOf(fields).data ?? '{}';
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          event = { raw };
        }
        return { entryId, event, data: event.data };
      });
    },
    async groups(topic) {
      let rows: unknown[];
      try {
        rows = (await redis().xinfo('GROUPS', topic)) as unknown[];
      } catch {
        return []; // no such stream yet
      }
      return rows.map((row) => {
        const info = fieldsOf(row as string[]) as Record<string, unknown>;
        return {
          name: String(info.name),
          consumers: Number(info.consumers),
          pending: Number(info.pending),
          lastDeliveredId: String(info['last-delivered-id']),
          entriesRead: info['entries-read'] == null ? undefined : Number(info['entries-read']),
        };
      });
    },
    async consumed(topic, group, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [last] = await redis().xrevrange(topic, '+', '-', 'COUNT', 1);
        const info = (await streams.groups(topic)).find((g) => g.name === group);
        if (info && info.pending === 0 && (!last || info.lastDeliveredId === last[0])) return true;
        if (Date.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
  return () => streams;
}

/** Redis replies with flat [name, value, name, value, ...] lists. */
function fieldsOf(flat: unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1] as string;
  return out;
}
