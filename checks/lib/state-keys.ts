// What a state.redis store holds for an app, read at the broker: the store keeps each key as a
// hash `<app-id>||<key>` with the value in its field `data`. Checks use it to say "your handler saved
// under these keys" when the expected key is missing.
import type { Redis } from 'ioredis';

/** The keys an app saved in a state.redis store (without the `<app-id>||` prefix), sorted. */
export async function stateKeys(redis: Redis, appId: string): Promise<string[]> {
  const prefix = `${appId}||`;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 100);
    keys.push(...batch.map((k) => k.slice(prefix.length)));
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}
