// The container path: when a container runtime answers, the same harness API can run Redis and
// daprd as containers (testcontainers) instead of local processes. These are the definitions the
// Docker path starts; no Docker engine runs on the machines this course is developed on, so the
// definitions are tested, the containers themselves are not (see README).
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { DAPR_VERSION } from './daprd-binary.js';
import { EnvironmentError } from './errors.js';
import type { ExitInfo, RunLog, Supervised } from './processes.js';
import type { RedisServer } from './redis.js';
import { daprdArgs, formatDaprdLine, sidecarLogSource, type Sidecar, type SidecarOptions, type SidecarPorts } from './sidecar.js';

export interface RuntimeStatus {
  available: boolean;
  detail: string;
}

/** Asks testcontainers whether a container runtime answers. Fails fast where there is none. */
export async function containerRuntime(): Promise<RuntimeStatus> {
  if (process.env.COURSE_NO_DOCKER) return { available: false, detail: 'COURSE_NO_DOCKER is set' };
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    return { available: true, detail: `${client.info.containerRuntime.host} (${client.info.containerRuntime.operatingSystem ?? 'container runtime'})` };
  } catch (error) {
    return { available: false, detail: String((error as Error).message ?? error).split('\n')[0]!.slice(0, 160) };
  }
}

export const REDIS_IMAGE = 'redis:7-alpine';
export const DAPRD_IMAGE = `daprio/daprd:${DAPR_VERSION}`;

export interface ContainerDefinition {
  image: string;
  command: string[];
  exposedPorts: number[];
  /** Host folder mounted read-only at /resources. */
  resourcesBind?: { source: string; target: string };
  /** The log line (regex source) that says the container is ready. */
  readyLog: string;
}

export function redisContainer(): ContainerDefinition {
  return {
    image: REDIS_IMAGE,
    command: ['redis-server', '--save', '', '--appendonly', 'no'],
    exposedPorts: [6379],
    readyLog: 'Ready to accept connections',
  };
}

/**
 * daprd in a container. It reaches the app on the host through host.docker.internal (the
 * testcontainers host gateway) and Redis through the shared network alias `redis`.
 */
export function daprdContainer(options: { appId: string; appPort?: number; resourcesDir: string; ports: SidecarPorts }): ContainerDefinition {
  const { ports } = options;
  const command = [
    './daprd',
    ...daprdArgs({ ...options, resourcesDir: '/resources' }, { appChannelAddress: 'host.docker.internal' }),
  ];
  return {
    image: DAPRD_IMAGE,
    command,
    exposedPorts: [ports.http, ports.grpc],
    resourcesBind: { source: options.resourcesDir, target: '/resources' },
    // Not "dapr initialized": that waits for the app, which starts after the container. The
    // harness's own readiness checks (healthz, metadata) follow.
    readyLog: 'HTTP server listening on TCP address',
  };
}

/** Starts a definition with testcontainers, each container port published on the host port given. */
export async function startContainer(definition: ContainerDefinition, hostPorts: Record<number, number>) {
  const { GenericContainer, Wait } = await import('testcontainers');
  let container = new GenericContainer(definition.image)
    .withCommand(definition.command)
    .withExposedPorts(...definition.exposedPorts.map((p) => ({ container: p, host: hostPorts[p] ?? p })))
    .withExtraHosts([{ host: 'host.docker.internal', ipAddress: 'host-gateway' }])
    .withWaitStrategy(Wait.forLogMessage(new RegExp(definition.readyLog)));
  if (definition.resourcesBind) {
    container = container.withBindMounts([{ ...definition.resourcesBind, mode: 'ro' }]);
  }
  try {
    return { container: await container.start() };
  } catch (error) {
    throw new EnvironmentError(
      `Could not start ${definition.image} in a container: ${String((error as Error).message ?? error).split('\n')[0]}. ` +
        'Check that Docker (or Podman) is running, or install daprd and redis-server locally (see `npx course doctor`).',
    );
  }
}

// --- Running the definitions: the same shapes as the local Redis and sidecar ---------------------

/** A started container, supervised like a local process: its log lines go to the run's log. */
export class ContainerProcess implements Supervised {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(
    readonly name: string,
    private readonly container: { stop(options?: { timeout?: number }): Promise<unknown>; logs(): Promise<NodeJS.ReadableStream> },
    log: RunLog,
    format: (line: string) => string | null = (l) => l,
  ) {
    this.exited = (async () => {
      const stream = await container.logs();
      const lines = readline.createInterface({ input: stream as NodeJS.ReadableStream & Readable });
      lines.on('line', (raw) => {
        const text = format(raw);
        if (text !== null) log.add(name, text);
      });
      await new Promise<void>((resolve) => stream.on('end', () => resolve()));
      this.exitInfo = { code: null, signal: null };
      return this.exitInfo;
    })();
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  async stop(graceMs = 2000): Promise<void> {
    if (!this.hasExited) await this.container.stop({ timeout: graceMs });
  }

  killNow(): void {
    void this.container.stop({ timeout: 0 });
  }
}

/** Redis in a container, on a free host port; daprd containers reach it through the host gateway. */
export async function startRedisContainer(log: RunLog, port: number): Promise<RedisServer> {
  const started = await startContainer(redisContainer(), { 6379: port });
  const proc = new ContainerProcess('redis', started.container, log);
  return {
    host: '127.0.0.1',
    port,
    address: `host.docker.internal:${port}`,
    process: proc,
    stop: () => proc.stop(1000),
  };
}

/** daprd in a container, its ports mapped to the same free host ports a local daprd would use. */
export async function startSidecarContainer(options: Omit<SidecarOptions, 'daprd'>): Promise<Sidecar> {
  const definition = daprdContainer({ appId: options.appId, appPort: options.appPort, resourcesDir: options.resourcesDir, ports: options.ports });
  const { ports } = options;
  const started = await startContainer(definition, { [ports.http]: ports.http, [ports.grpc]: ports.grpc });
  const logSource = sidecarLogSource(options.name ?? options.appId);
  const proc = new ContainerProcess(logSource, started.container, options.log, formatDaprdLine);
  return { appId: options.appId, ports, url: `http://127.0.0.1:${ports.http}`, process: proc, logSource };
}

export type Runtime = 'local' | 'docker';

/**
 * Local processes when daprd (or Go to build it) and redis-server are here; containers when they
 * are not and a container runtime answers. COURSE_RUNTIME=local|docker forces one.
 */
export async function chooseRuntime(): Promise<Runtime> {
  const forced = process.env.COURSE_RUNTIME;
  if (forced === 'local' || forced === 'docker') return forced;
  const { findDaprd } = await import('./daprd-binary.js');
  const { findOnPath } = await import('./which.js');
  const local = (safe(findDaprd) !== undefined || findOnPath('go') !== undefined) && findOnPath('redis-server') !== undefined;
  if (local) return 'local';
  return (await containerRuntime()).available ? 'docker' : 'local';
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
