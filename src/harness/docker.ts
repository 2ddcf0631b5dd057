// The container path: when a container runtime answers, the same harness API can run Redis and
// daprd as containers (testcontainers) instead of local processes. These are the definitions the
// Docker path starts; no Docker engine runs on the machines this course is developed on, so the
// definitions are tested, the containers themselves are not (see README).
import { DAPR_VERSION } from './daprd-binary.js';

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
export function daprdContainer(options: { appId: string; appPort?: number; resourcesDir: string }): ContainerDefinition {
  const command = [
    './daprd',
    '--app-id', options.appId,
    '--dapr-http-port', '3500',
    '--dapr-grpc-port', '50001',
    '--resources-path', '/resources',
    '--log-as-json',
  ];
  if (options.appPort !== undefined) {
    command.push('--app-port', String(options.appPort), '--app-channel-address', 'host.docker.internal');
  }
  return {
    image: DAPRD_IMAGE,
    command,
    exposedPorts: [3500, 50001],
    resourcesBind: { source: options.resourcesDir, target: '/resources' },
    readyLog: 'dapr initialized. Status: Running',
  };
}

/** Starts a definition with testcontainers; returns the mapped host port of each exposed port. */
export async function startContainer(definition: ContainerDefinition, network?: string, alias?: string) {
  const { GenericContainer, Wait } = await import('testcontainers');
  let container = new GenericContainer(definition.image)
    .withCommand(definition.command)
    .withExposedPorts(...definition.exposedPorts)
    .withExtraHosts([{ host: 'host.docker.internal', ipAddress: 'host-gateway' }])
    .withWaitStrategy(Wait.forLogMessage(new RegExp(definition.readyLog)));
  if (definition.resourcesBind) {
    container = container.withBindMounts([{ ...definition.resourcesBind, mode: 'ro' }]);
  }
  if (network) container = container.withNetworkMode(network);
  if (alias) container = container.withNetworkAliases(alias);
  const started = await container.start();
  return {
    container: started,
    port: (p: number) => started.getMappedPort(p),
    stop: () => started.stop(),
  };
}
