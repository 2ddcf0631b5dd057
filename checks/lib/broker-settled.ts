// "Every subscriber has finished with everything": on pubsub.redis, every consumer group of every
// given topic has read its stream to the end and acknowledged it all (the sidecar ACKs once the
// app's handler returned). Handlers publish as they run, so one pass can miss an event a handler
// adds to a topic already looked at: a pass counts only if no stream grew while it ran.
//
// Use it before asserting that something did NOT happen (a duplicate changed nothing, a step was
// never attempted), instead of sleeping.
import type { RedisStreams } from './redis-streams.js';

/**
 * Resolves true once every topic's groups are idle with nothing left to read, false if that does
 * not happen within `timeoutMs` (a handler still running, retrying, or answering RETRY).
 */
export async function brokerSettled(streams: RedisStreams, topics: string[], timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await settledPass(streams, topics)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function settledPass(streams: RedisStreams, topics: string[]): Promise<boolean> {
  const before = await lastEntryIds(streams, topics);
  for (const topic of topics) {
    const last = before.get(topic);
    for (const group of await streams.groups(topic)) {
      if (group.pending > 0) return false;
      if (last && group.lastDeliveredId !== last) return false;
    }
  }
  const after = await lastEntryIds(streams, topics);
  return topics.every((t) => before.get(t) === after.get(t));
}

async function lastEntryIds(streams: RedisStreams, topics: string[]): Promise<Map<string, string | undefined>> {
  const ids = await Promise.all(topics.map(async (t) => (await streams.events(t)).at(-1)?.entryId));
  return new Map(topics.map((t, i) => [t, ids[i]]));
}
