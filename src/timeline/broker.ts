// What the broker holds, read from Redis itself (pubsub.redis): each topic is a stream whose entries
// hold the CloudEvents as daprd wrote them, and each subscribing app-id is a consumer group with
// its entries still pending (read, not acknowledged). Read-only commands: reading changes nothing.
import type { Redis } from 'ioredis';
import { connectRedis, loadRedisClient } from '../harness/redis-client.js';

export interface StreamEntry {
  /** `1795726649957-0`: the ms Redis stored it at, and a sequence. */
  entryId: string;
  envelope: Record<string, unknown>;
}

export interface GroupView {
  /** The consumer group: the subscriber's app-id (or its `consumerID`). */
  name: string;
  lastDeliveredId: string;
  /** Entry ids read by the group and not acknowledged yet. */
  pending: string[];
}

export interface StreamView {
  topic: string;
  entries: StreamEntry[];
  groups: GroupView[];
}

export interface BrokerSnapshot {
  at: number;
  streams: StreamView[];
}

/** One connection to a run's Redis, opened on first use. */
export class BrokerReader {
  private client?: Redis;

  constructor(private readonly address: { host: string; port: number }) {}

  async read(): Promise<BrokerSnapshot> {
    await loadRedisClient();
    const redis = (this.client ??= connectRedis({ ...this.address, maxRetriesPerRequest: 1, lazyConnect: false }));
    const at = Date.now();
    const topics: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = (await redis.call('SCAN', cursor, 'COUNT', '1000', 'TYPE', 'stream')) as [string, string[]];
      topics.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    const streams = await Promise.all(topics.sort().map((topic) => readStream(redis, topic)));
    return { at, streams };
  }

  close(): void {
    this.client?.disconnect();
    this.client = undefined;
  }
}

async function readStream(redis: Redis, topic: string): Promise<StreamView> {
  const entries = (await redis.xrange(topic, '-', '+')).map(([entryId, fields]) => ({ entryId, envelope: envelopeOf(fields) }));
  let rows: unknown[] = [];
  try {
    rows = (await redis.xinfo('GROUPS', topic)) as unknown[];
  } catch {
    // the stream went away between SCAN and XINFO
  }
  const groups = await Promise.all(
    rows.map(async (row) => {
      const info = fieldsOf(row as unknown[]);
      const name = String(info.name);
      const pending = (await redis.xpending(topic, name, '-', '+', 100_000)) as [string, ...unknown[]][];
      return { name, lastDeliveredId: String(info['last-delivered-id']), pending: pending.map(([id]) => id) };
    }),
  );
  return { topic, entries, groups };
}

/** daprd stores the CloudEvent as JSON in the entry's `data` field. */
function envelopeOf(fields: string[]): Record<string, unknown> {
  const raw = fieldsOf(fields).data;
  try {
    return JSON.parse(String(raw ?? '{}')) as Record<string, unknown>;
  } catch {
    return { raw };
  }
}

/** Redis replies with flat [name, value, name, value, ...] lists. */
export function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

/** The ms an entry was stored at, from its id. */
export function entryTime(entryId: string): number {
  return Number(entryId.split('-')[0]);
}

/** Redis orders entry ids by time, then sequence. */
export function compareEntryIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}
