// Faults injected into the run's own Redis, so that the real daprd meets a real error from its real
// broker or state store, at the moment a check chooses, every time. The run's Redis belongs to the
// check alone, so an ACL rule on its `default` user (the one daprd connects as) refuses exactly the
// commands of one kind of operation, at once, on connections already open:
//
// - state.redis (components-contrib 1.18) writes every key with a Lua script, `EVAL`: refusing EVAL
//   makes every state save fail (`ERR_STATE_SAVE ... NOPERM`), while reads (HGETALL) and pub/sub
//   (XADD, XREADGROUP, XACK) go on working;
// - pubsub.redis publishes with `XADD`: refusing it makes every publish fail (daprd answers 500,
//   `ERR_PUBSUB_PUBLISH_MESSAGE ... NOPERM`), while deliveries of what is already on a stream go on.
//
//   const faults = useRedisFaults(env);
//   await faults().during('state writes', async () => { ... });   // refused inside, restored after
import type { Environment } from './exercise.js';
import { useRedisClient } from './redis-client.js';

const COMMANDS = {
  'state writes': ['eval', 'evalsha'],
  publishes: ['xadd'],
} as const;

export type RedisFault = keyof typeof COMMANDS;

export interface RedisFaults {
  /** Runs `body` while Redis refuses the operations named, and restores them afterwards, whatever happens. */
  during<T>(fault: RedisFault, body: () => Promise<T>): Promise<T>;
}

/** Call it at the top of a check file (it opens its own connection, closed after the last expectation). */
export function useRedisFaults(env: () => Environment): () => RedisFaults {
  const redis = useRedisClient(env);
  const faults: RedisFaults = {
    async during(fault, body) {
      const commands = COMMANDS[fault];
      await redis().call('ACL', 'SETUSER', 'default', ...commands.map((c) => `-${c}`));
      try {
        return await body();
      } finally {
        await redis().call('ACL', 'SETUSER', 'default', ...commands.map((c) => `+${c}`));
      }
    },
  };
  return () => faults;
}
