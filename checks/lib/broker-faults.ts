// Faults injected into the run's own Redis (the check's, never a learner's): the real broker
// refuses a command, so the real sidecar fails the way it would in production. Nothing is mocked.
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/harness/check-api.js';
import type { Environment } from './exercise.js';

/**
 * Makes the run's Redis refuse `commands` (e.g. `['xadd']`: every publish fails) until the
 * returned function is called. Uses an ACL on the default user, which daprd connects as; the
 * change applies at once to connections already open.
 */
export async function refuseCommands(env: Environment, commands: string[]): Promise<() => Promise<void>> {
  const server = env.redis;
  if (!server) throw new Error('This run has no Redis.');
  const redis = connectRedis({ host: server.host, port: server.port, maxRetriesPerRequest: 1 });
  await redis.call('ACL', 'SETUSER', 'default', ...commands.map((c) => `-${c}`));
  return async () => {
    try {
      await redis.call('ACL', 'SETUSER', 'default', ...commands.map((c) => `+${c}`));
    } finally {
      redis.disconnect();
    }
  };
}
