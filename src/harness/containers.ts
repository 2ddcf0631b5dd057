// Containers a run starts, supervised like its local processes (processes.ts): their output goes
// to the run's log, they are in the run file by id and carry the owner's RUN_ID as a label; they
// are removed when they stop, when the run ends, on SIGINT/SIGTERM, and, should the owner die
// outright, by the next run's reaper. testcontainers' own reaper is not used (see container-engine).
import { randomBytes } from 'node:crypto';
import readline from 'node:readline';
import { findEngine, firstLine, START_ENGINE_HINT, type Engine } from './container-engine.js';
import { EnvironmentError } from './errors.js';
import { isOwnerAlive, onSignalCleanup, release, RUN_ID, supervise, type ExitInfo, type RunLog, type Supervised } from './processes.js';

/** A container handle of the engine's client (dockerode's, through testcontainers). */
type EngineContainer = Awaited<ReturnType<Engine['client']['container']['create']>>;

/** The label every course container carries: the RUN_ID of the process that owns it. */
export const RUN_LABEL = 'dapr-pubsub-course.run';

export interface ContainerSpec {
  /** Log source, as for a process: `redis`, `daprd alice`. */
  name: string;
  image: string;
  command: string[];
  /** The host network, or the bridge with container ports published on the host's 127.0.0.1. */
  network: { mode: 'host' } | { mode: 'bridged'; publish: { container: number; host: number }[] };
  /** Read-only bind mounts: host folder to container folder. */
  mounts?: { source: string; target: string }[];
  log: RunLog;
  /** Turns a raw output line into what is kept (or null to drop it). */
  formatOutput?: (line: string) => string | null;
}

/** Starts a container and supervises it. Throws an EnvironmentError saying what to fix. */
export async function startContainer(engine: Engine, spec: ContainerSpec): Promise<ContainerProcess> {
  await ensureImage(engine, spec.image);
  await sweepOrphans(engine);
  onSignalCleanup(removeOwnContainers);
  const bridged = spec.network.mode === 'bridged' ? spec.network : undefined;
  let created: EngineContainer;
  try {
    created = await engine.client.container.create({
      name: `course-${slug(spec.name)}-${randomBytes(3).toString('hex')}`,
      Image: spec.image,
      Cmd: spec.command,
      Labels: { [RUN_LABEL]: RUN_ID },
      ExposedPorts: Object.fromEntries((bridged?.publish ?? []).map((p) => [`${p.container}/tcp`, {}])),
      HostConfig: {
        NetworkMode: spec.network.mode === 'host' ? 'host' : 'bridge',
        PortBindings: Object.fromEntries(
          (bridged?.publish ?? []).map((p) => [`${p.container}/tcp`, [{ HostIp: '127.0.0.1', HostPort: String(p.host) }]]),
        ),
        // Docker Desktop knows the name; a Linux engine maps it to the bridge's gateway.
        ExtraHosts: bridged ? ['host.docker.internal:host-gateway'] : [],
        // Mounts, not Binds: a Windows path's drive colon would split a bind string.
        Mounts: (spec.mounts ?? []).map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: true })),
      },
    });
  } catch (error) {
    throw new EnvironmentError(messages.couldNotStart(spec.image, firstLine(error)));
  }
  // Supervised from creation on, so that a signal during start-up removes it too.
  const container = new ContainerProcess(spec.name, created);
  try {
    await engine.client.container.start(created);
  } catch (error) {
    await container.killNow();
    throw new EnvironmentError(messages.couldNotStart(spec.image, firstLine(error)));
  }
  container.follow(await engine.client.container.logs(created), spec.log, spec.formatOutput ?? ((l) => l));
  return container;
}

/** A container, supervised as a local process is. */
export class ContainerProcess implements Supervised {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private settle!: (info: ExitInfo) => void;
  private removal: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly container: EngineContainer,
  ) {
    this.exited = new Promise<ExitInfo>((resolve) => (this.settle = resolve)).then((info) => (this.exitInfo = info));
    supervise(this);
  }

  get containerId(): string {
    return this.container.id;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Keeps its output in the run's log; when the output ends, it has stopped: record why, remove it. */
  follow(stream: NodeJS.ReadableStream, log: RunLog, format: (line: string) => string | null): void {
    readline.createInterface({ input: stream }).on('line', (raw) => {
      const text = format(raw);
      if (text !== null) log.add(this.name, text);
    });
    stream.on('end', () => void this.outputEnded(log));
  }

  private async outputEnded(log: RunLog): Promise<void> {
    const info = await this.container.inspect().catch(() => undefined);
    // The engine stopped sending its output, but it runs: the run's end removes it.
    if (info?.State.Running) return log.add(this.name, messages.outputLost);
    this.settle(info ? { code: info.State.ExitCode, signal: info.State.OOMKilled ? 'OOM' : null } : { code: null, signal: 'removed' });
    await this.remove();
  }

  /** SIGTERM, SIGKILL after `graceMs` (in whole seconds: the engine's unit), then removed. */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.hasExited && !this.removal) await this.container.stop({ t: Math.ceil(graceMs / 1000) }).catch(() => {});
    await this.remove();
  }

  /** Killed and removed at once. */
  killNow(): Promise<void> {
    return this.remove();
  }

  private remove(): Promise<void> {
    this.removal ??= this.container
      .remove({ force: true })
      .catch(() => {}) // already gone
      .then(() => {
        this.settle({ code: null, signal: 'SIGKILL' });
        release(this);
      });
    return this.removal;
  }
}

/** Pulls an image that is not there yet. Throws an EnvironmentError when it cannot be had. */
export async function ensureImage(engine: Engine, image: string, onProgress: (line: string) => void = () => {}): Promise<void> {
  const { ImageName } = await import('testcontainers');
  const name = ImageName.fromString(image);
  if (await engine.client.image.exists(name)) return;
  onProgress(messages.pulling(image));
  try {
    await engine.client.image.pull(name);
  } catch (error) {
    throw new EnvironmentError(messages.noImage(image, firstLine(error)));
  }
  // A failed pull can end without an error: the image is what says.
  if (!(await engine.client.image.exists(name))) throw new EnvironmentError(messages.noImage(image, 'the pull did not bring it'));
}

/** Removes containers by id (the reaper's list from run files). Returns how many were removed. */
export async function removeContainers(ids: string[]): Promise<number> {
  const answer = await findEngine();
  if (!answer.ok) return 0;
  const removed = await Promise.all(
    ids.map((id) =>
      answer.engine.client.container.dockerode
        .getContainer(id)
        .remove({ force: true })
        .then(
          () => 1,
          () => 0,
        ),
    ),
  );
  return removed.reduce((a, b) => a + b, 0);
}

/** The course's containers the engine has, with their owners' RUN_IDs. */
export async function courseContainers(engine: Engine): Promise<{ id: string; runId: string; state: string }[]> {
  const list = await engine.client.container.dockerode.listContainers({ all: true, filters: { label: [RUN_LABEL] } });
  return list.map((c) => ({ id: c.Id, runId: c.Labels[RUN_LABEL] ?? '', state: c.State }));
}

let swept: Promise<unknown> | undefined;

/** Once per process, before its first container: the orphans of dead owners go first. */
function sweepOrphans(engine: Engine): Promise<unknown> {
  swept ??= reapOrphanContainers(engine).catch(() => 0);
  return swept;
}

/**
 * Removes course containers whose owner on this machine is gone, also those no run file lists
 * (the owner died while creating them). Returns how many.
 */
export async function reapOrphanContainers(engine: Engine): Promise<number> {
  const [host] = RUN_ID.split(':');
  const orphans = (await courseContainers(engine)).filter(({ runId }) => {
    const [owner, pid, start] = runId.split(':');
    return owner === host && !isOwnerAlive(Number(pid), start);
  });
  return removeContainers(orphans.map((c) => c.id));
}

/** On a signal: this process's containers, including one whose creation had not returned yet. */
async function removeOwnContainers(): Promise<void> {
  const answer = await findEngine();
  if (!answer.ok) return;
  const own = (await courseContainers(answer.engine)).filter((c) => c.runId === RUN_ID);
  await removeContainers(own.map((c) => c.id));
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

const messages = {
  couldNotStart: (image: string, why: string) =>
    `Could not start ${image} in a container: ${why}. ${START_ENGINE_HINT}`,
  outputLost: '(the container engine stopped sending this container\'s output)',
  pulling: (image: string) => `Pulling ${image} (once; later runs reuse it)...`,
  noImage: (image: string, why: string) =>
    `The image ${image} is not on this machine and could not be pulled: ${why}. ` +
    `Pull it when you are online (\`docker pull ${image}\`), or install daprd and redis-server locally (see \`npx course doctor\`).`,
};
