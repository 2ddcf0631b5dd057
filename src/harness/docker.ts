// Redis and daprd as containers, the same shapes as the local Redis and sidecar (redis.ts,
// sidecar.ts): the harness and the apps reach both on this machine's 127.0.0.1, whatever the
// network layout (network-layout.ts).
import { chmodSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from './container-engine.js';
import { startContainer, type ContainerSpec } from './containers.js';
import { DAPR_VERSION } from './daprd-binary.js';
import { APP_LISTEN_HOST, CONTAINER_HOST_ALIAS, type Layout } from './network-layout.js';
import type { RunLog } from './processes.js';
import { waitForRedis, type RedisServer } from './redis.js';
import { daprdArgs, formatDaprdLine, sidecarLogSource, type Sidecar, type SidecarOptions } from './sidecar.js';

export const REDIS_IMAGE = 'redis:7-alpine';
export const DAPRD_IMAGE = `daprio/daprd:${DAPR_VERSION}`;

/**
 * Redis without persistence. Connections through a published port come from the bridge, not
 * loopback, so protected mode (on in Debian's redis-server, off in the official image) is turned off.
 */
export function redisContainer(port: number, log: RunLog): ContainerSpec {
  return {
    name: 'redis',
    image: REDIS_IMAGE,
    command: ['redis-server', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    network: { mode: 'bridged', publish: [{ container: 6379, host: port }] },
    log,
  };
}

/**
 * daprd with the run's resources mounted at /resources. On the host network it is flagged as a
 * local daprd is; on the bridge it listens on every interface of its own (for the published
 * ports) and reaches the app through the host's name.
 */
export function daprdContainer(options: Omit<SidecarOptions, 'daprd'>, layout: Layout): ContainerSpec {
  const inside = { ...options, resourcesDir: '/resources' };
  const args =
    layout === 'host'
      ? daprdArgs(inside, { listenAddress: '127.0.0.1', appChannelAddress: APP_LISTEN_HOST })
      : daprdArgs(inside, { appChannelAddress: CONTAINER_HOST_ALIAS });
  const { http, grpc } = options.ports;
  return {
    name: sidecarLogSource(options.name ?? options.appId),
    image: DAPRD_IMAGE,
    command: ['./daprd', ...args],
    network:
      layout === 'host'
        ? { mode: 'host' }
        : { mode: 'bridged', publish: [http, grpc].map((port) => ({ container: port, host: port })) },
    mounts: [{ source: options.resourcesDir, target: '/resources' }],
    log: options.log,
    formatOutput: formatDaprdLine,
  };
}

/** Redis in a container on `port` of this machine's 127.0.0.1, ready to accept connections. */
export async function startRedisContainer(engine: Engine, log: RunLog, port: number, timeoutMs = 20_000): Promise<RedisServer> {
  const proc = await startContainer(engine, redisContainer(port, log));
  const stop = () => proc.stop(1000);
  await waitForRedis(proc, log, port, timeoutMs, stop);
  return { host: '127.0.0.1', port, address: `127.0.0.1:${port}`, process: proc, stop };
}

/** daprd in a container, its API on the same 127.0.0.1 ports a local daprd would use. */
export async function startSidecarContainer(engine: Engine, layout: Layout, options: Omit<SidecarOptions, 'daprd'>): Promise<Sidecar> {
  readableByContainers(options.resourcesDir);
  const proc = await startContainer(engine, daprdContainer(options, layout));
  return { appId: options.appId, ports: options.ports, url: `http://127.0.0.1:${options.ports.http}`, process: proc, logSource: proc.name };
}

/** daprd runs as user 65532 in its image: the mounted resources must be readable by anyone. */
function readableByContainers(dir: string): void {
  chmodSync(dir, 0o755);
  for (const file of readdirSync(dir)) chmodSync(path.join(dir, file), 0o644);
}
