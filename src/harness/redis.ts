// An isolated redis-server per run: its own free port, no persistence, gone when the run ends.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError, howItEnded } from './errors.js';
import { freePort } from './ports.js';
import { ownPath, removeOwnedPath, startProcess, type RunLog, type Supervised } from './processes.js';
import { findOnPath } from './which.js';

export interface RedisServer {
  host: string;
  port: number;
  /** `127.0.0.1:port`, the form Dapr's redisHost takes. */
  address: string;
  process: Supervised;
  stop(): Promise<void>;
}

export const REDIS_INSTALL_HINT =
  'Install Redis: `sudo apt install redis-server` (Debian/Ubuntu), `brew install redis` (macOS), or start Docker: checks then run Redis in a container.';

/** REDIS_SERVER_PATH, else the first redis-server on PATH. */
export function findRedisServer(): string | undefined {
  return process.env.REDIS_SERVER_PATH ?? findOnPath('redis-server');
}

export async function startRedis(log: RunLog, timeoutMs = 10_000): Promise<RedisServer> {
  const binary = findRedisServer();
  if (!binary) throw new EnvironmentError(`redis-server was not found on PATH. ${REDIS_INSTALL_HINT}`);
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'course-redis-'));
  ownPath(dir);
  const proc = startProcess({
    name: 'redis',
    command: binary,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'],
    log,
  });
  const stop = async () => {
    await proc.stop(1000);
    removeOwnedPath(dir);
  };
  await waitForRedis(proc, log, port, timeoutMs, stop);
  return { host: '127.0.0.1', port, address: `127.0.0.1:${port}`, process: proc, stop };
}

/**
 * Waits for redis-server's "Ready to accept connections" line (a real readiness signal), local or
 * in a container; stops it and throws an EnvironmentError if it exits or takes longer than `timeoutMs`.
 */
export async function waitForRedis(proc: Supervised, log: RunLog, port: number, timeoutMs: number, stop: () => Promise<void>): Promise<void> {
  const ready = new Promise<void>((resolve) => {
    const off = log.onLine((line) => {
      if (line.source === proc.name && /Ready to accept connections/.test(line.text)) {
        off();
        resolve();
      }
    });
    if (log.grep(/Ready to accept connections/, [proc.name]).length > 0) resolve();
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    proc.exited.then(() => 'exited' as const),
    new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome === 'ready') return;
  await stop();
  throw new EnvironmentError(
    outcome === 'exited'
      ? `redis-server stopped as it started (port ${port}).`
      : `redis-server did not become ready within ${timeoutMs / 1000} s.`,
    log.tail(10, [proc.name]),
  );
}

/** The run's Redis died once the run was up: every sidecar lost its broker. */
export function redisStoppedError(redis: RedisServer, log: RunLog): EnvironmentError {
  return new EnvironmentError(
    `The run's Redis (${redis.address}) ${howItEnded(redis.process.exit)} during the check, so the sidecars lost their broker. ` +
      'Something outside the run ended it, not a mistake in your exercise: run the check again.',
    log.tail(10, ['redis']),
  );
}
