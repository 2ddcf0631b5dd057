// Clients of a run's own Redis (the timeline's broker reader, the checks' helpers in checks/lib).
// ioredis takes node ~100 ms to load: a check's worker loads it while the run starts, not before,
// so that the run starts that much sooner (startEnvironment awaits it, so it is there for every
// expectation).
import type { Redis, RedisOptions } from 'ioredis';

let RedisClient: typeof Redis | undefined;
let loading: Promise<void> | undefined;

/** Loads ioredis, once. */
export function loadRedisClient(): Promise<void> {
  loading ??= import('ioredis').then((module) => void (RedisClient = module.Redis));
  loading.catch(() => {}); // whoever awaits it gets the error
  return loading;
}

/** A new client; ioredis must be loaded (a started run has loaded it). */
export function connectRedis(options: RedisOptions): Redis {
  if (!RedisClient) throw new Error('ioredis is not loaded yet: a run loads it as it starts (loadRedisClient).');
  return new RedisClient(options);
}
