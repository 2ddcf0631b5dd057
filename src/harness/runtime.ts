// The runtime of one run: where its parts run (runtime-choice.ts), and starting them there. The
// environment asks it for a Redis, for the resources as its sidecars must see them, and for each
// sidecar; it never needs to know whether they are local processes or containers.
import { findEngine, START_ENGINE_HINT, type Engine } from './container-engine.js';
import { ensureDaprd } from './daprd-binary.js';
import { DAPRD_IMAGE, startRedisContainer, startSidecarContainer } from './docker.js';
import { EnvironmentError } from './errors.js';
import { chooseLayout, CONTAINER_HOST_ALIAS, HostGateway, type LayoutChoice } from './network-layout.js';
import { freePort } from './ports.js';
import type { RunLog } from './processes.js';
import { startRedis, type RedisServer } from './redis.js';
import { fillBrokerAddresses, loopbackPorts, pointLoopbackAt, type ResourceDoc } from './resources.js';
import { chooseRuntime, usesContainers, type RuntimePlan } from './runtime-choice.js';
import { sidecarLogSource, startSidecar, type Sidecar, type SidecarOptions } from './sidecar.js';

export class RunRuntime {
  private constructor(
    readonly plan: RuntimePlan,
    /** The local daprd's path, or the image a container runs. */
    readonly daprd: string,
    private readonly engine?: Engine,
    /** How daprd containers reach the host; undefined where daprd is local. */
    readonly layout?: LayoutChoice,
    private readonly gateway?: HostGateway,
  ) {}

  /** Chooses the plan and gets what it needs: a daprd (found or built), the engine, the layout. */
  static async prepare(): Promise<RunRuntime> {
    const plan = await chooseRuntime();
    // Asking the engine loads testcontainers: meanwhile, the local daprd is found.
    const engine = usesContainers(plan) ? findEngine() : undefined;
    const daprd = plan.daprd.where === 'local' ? (await ensureDaprd()).path : DAPRD_IMAGE;
    if (!engine) return new RunRuntime(plan, daprd);
    const answer = await engine;
    if (!answer.ok) throw new EnvironmentError(messages.noEngine(plan, answer.why));
    if (plan.daprd.where === 'local') return new RunRuntime(plan, daprd, answer.engine);
    const layout = chooseLayout(answer.engine.facts);
    const gateway = layout.layout === 'bridged' ? await HostGateway.open(answer.engine) : undefined;
    return new RunRuntime(plan, daprd, answer.engine, layout, gateway);
  }

  async startRedis(log: RunLog): Promise<RedisServer> {
    if (this.plan.redis.where === 'local') return startRedis(log);
    return startRedisContainer(this.engine!, log, await freePort());
  }

  /**
   * The resources with the run's Redis filled in; for bridged daprd containers, with every
   * address on this machine's loopback (Redis, RabbitMQ...) pointed at the host's name instead.
   */
  async resourcesForSidecars(docs: ResourceDoc[], redis: RedisServer | undefined): Promise<ResourceDoc[]> {
    const filled = fillBrokerAddresses(docs, { redis: redis?.address });
    if (!this.gateway) return filled;
    const ports = new Map<number, number>();
    for (const port of loopbackPorts(filled)) ports.set(port, await this.gateway.expose(port));
    return pointLoopbackAt(filled, CONTAINER_HOST_ALIAS, ports);
  }

  async startSidecar(options: Omit<SidecarOptions, 'daprd'>): Promise<Sidecar> {
    if (this.plan.daprd.where === 'local') return startSidecar({ daprd: this.daprd, ...options });
    // In the bridged layout daprd dials the app's port as the gateway exposes it.
    const report = (message: string) => options.log.add(sidecarLogSource(options.name ?? options.appId), message);
    const appPort = this.gateway && options.appPort !== undefined ? await this.gateway.exposeWhenUp(options.appPort, report) : options.appPort;
    return startSidecarContainer(this.engine!, this.layout!.layout, { ...options, appPort });
  }

  async close(): Promise<void> {
    await this.gateway?.close();
  }
}

const messages = {
  noEngine: (plan: RuntimePlan, why: string) => {
    const parts = (['daprd', 'redis'] as const).filter((part) => plan[part].where === 'container');
    const names = parts.map((part) => (part === 'redis' ? 'Redis' : 'daprd')).join(' and ');
    return `${names} would run in a container here (${plan[parts[0]!].why}), but no container engine answers: ${why}. ${START_ENGINE_HINT}`;
  },
};
