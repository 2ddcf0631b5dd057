// What the lesson tests share: the Dapr resources they run with (as YAML text, so each test reads
// like the lesson it proves), an SDK client for a running sidecar, and waits on real signals (a
// log line, a consumer group that has nothing left) instead of sleeps.
import { Redis } from 'ioredis';
import { CommunicationProtocolEnum, DaprClient, LogLevel } from '@dapr/dapr';
import { afterEach, onTestFinished } from 'vitest';
import { startEnvironment, type Environment, type EnvironmentSpec } from '../../src/harness/environment.js';

/** A `pubsub.redis` component; the harness points `redisHost` at the run's own Redis. */
export function redisPubsub(metadata: Record<string, string> = {}, name = 'pubsub', extra = ''): string {
  return component(name, 'pubsub.redis', { redisHost: 'localhost:6379', ...metadata }, extra);
}

/** A `state.redis` component. */
export function redisState(metadata: Record<string, string> = {}, name = 'statestore'): string {
  return component(name, 'state.redis', { redisHost: 'localhost:6379', ...metadata });
}

/** A Component; `extra` is more YAML inside `spec`, indented by two spaces (e.g. `  ignoreErrors: true`). */
export function component(name: string, type: string, metadata: Record<string, string>, extra = ''): string {
  const entries = Object.entries(metadata)
    .map(([key, value]) => `    - name: ${key}\n      value: ${JSON.stringify(value)}`)
    .join('\n');
  return `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: ${type}
  version: v1
  metadata:
${entries}
${extra}`;
}

/** A Resiliency resource retrying inbound deliveries of `target` with a constant policy. */
export function inboundRetries(duration: string, maxRetries: number, target = 'pubsub'): string {
  return `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: lesson-retries
spec:
  policies:
    retries:
      lesson:
        policy: constant
        duration: ${duration}
        maxRetries: ${maxRetries}
  targets:
    components:
      ${target}:
        inbound:
          retry: lesson
`;
}

/**
 * Starts an environment for one test and stops it after the test, whatever happens. Call
 * `useEnvironments()` once per file, then `await start(spec)` inside a test.
 */
export function useEnvironments(): (spec: EnvironmentSpec) => Promise<Environment> {
  const running: Environment[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((env) => env.stop()));
  });
  return async (spec) => {
    const env = await startEnvironment(spec);
    running.push(env);
    return env;
  };
}

/** An SDK client talking to an app's sidecar, as a service behind that sidecar would. */
export function sdkClient(env: Environment, appId: string, protocol: 'http' | 'grpc' = 'http'): DaprClient {
  const { sidecar } = env.app(appId);
  return new DaprClient({
    daprHost: '127.0.0.1',
    daprPort: String(protocol === 'http' ? sidecar.ports.http : sidecar.ports.grpc),
    communicationProtocol: protocol === 'http' ? CommunicationProtocolEnum.HTTP : CommunicationProtocolEnum.GRPC,
    logger: { level: LogLevel.Error },
  });
}

/** Resolves once a line matching `pattern` was logged (already, or later); false after the time. */
export function logged(env: Environment, pattern: RegExp, timeoutMs = 10_000, source?: string): Promise<boolean> {
  const matches = (line: { source: string; text: string }) => (!source || line.source === source) && pattern.test(line.text);
  if (env.log.all().some(matches)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    const stop = env.log.onLine((line) => {
      if (matches(line)) done(true);
    });
    function done(value: boolean) {
      clearTimeout(timer);
      stop();
      resolve(value);
    }
  });
}

/** A connection to the run's Redis, closed after the test. */
export function redisOf(env: Environment): Redis {
  // No reconnecting: the run's Redis stops with the environment, maybe before this test ends.
  const client = new Redis({ host: env.redis!.host, port: env.redis!.port, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  onTestFinished(() => client.disconnect());
  return client;
}

export interface GroupInfo {
  name: string;
  pending: number;
  lastDeliveredId: string;
}

/** The consumer groups of a topic's stream ([] before anyone subscribed). */
export async function groups(redis: Redis, topic: string): Promise<GroupInfo[]> {
  try {
    const rows = (await redis.xinfo('GROUPS', topic)) as string[][];
    return rows.map((row) => {
      const info: Record<string, string> = {};
      for (let i = 0; i + 1 < row.length; i += 2) info[String(row[i])] = String(row[i + 1]);
      return { name: info.name!, pending: Number(info.pending), lastDeliveredId: info['last-delivered-id']! };
    });
  } catch {
    return [];
  }
}

/**
 * Waits until `group` has read the whole stream of `topic` and has nothing pending: the sidecar
 * is done with every message so far (delivered and answered, retried, dead-lettered or given up).
 */
export async function groupDone(redis: Redis, topic: string, group: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [last] = await redis.xrevrange(topic, '+', '-', 'COUNT', 1);
    const info = (await groups(redis, topic)).find((g) => g.name === group);
    if (info && info.pending === 0 && (!last || info.lastDeliveredId === last[0])) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `condition` (which may read a sidecar's HTTP API) until it holds; false after the time. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return true;
    } catch {
      // the sidecar may be reloading; ask again
    }
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}
