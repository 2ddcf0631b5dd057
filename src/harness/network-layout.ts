// How a daprd container and the host reach each other. Apps, probes and the harness always listen
// on this machine's loopback (APP_LISTEN_HOST); what changes is how a container gets there:
//
//   host     the engine runs on this machine's kernel (Docker Engine on Linux): daprd joins the
//            host network, so it listens on 127.0.0.1 and reaches 127.0.0.1 exactly as a local
//            daprd does. Nothing is published, nothing is rewritten.
//   bridged  the engine runs in a VM (Docker Desktop on macOS and Windows), or is rootless: daprd
//            stays on the bridge network with its API published on 127.0.0.1, and reaches the host
//            as host.docker.internal. Docker Desktop forwards that name to the host's loopback. A
//            Linux engine forced onto this layout (COURSE_CONTAINER_NETWORK=bridge, how the layout
//            is tested) does not: there, each host port a container must reach gets a relay on the
//            bridge's gateway address, which host.docker.internal (host-gateway) names.
import net from 'node:net';
import os from 'node:os';
import type { Engine, EngineFacts } from './container-engine.js';
import { EnvironmentError } from './errors.js';
import { freePort, waitForListening } from './ports.js';

/** Where apps, probes (and any proxy in front of an app) listen: the sidecar reaches them there. */
export const APP_LISTEN_HOST = '127.0.0.1';

/** The name a bridged container reaches the host by. */
export const CONTAINER_HOST_ALIAS = 'host.docker.internal';

export type Layout = 'host' | 'bridged';

export interface LayoutChoice {
  layout: Layout;
  why: string;
}

export interface ThisMachine {
  platform: NodeJS.Platform;
  hostname: string;
  release: string;
}

export function thisMachine(): ThisMachine {
  return { platform: process.platform, hostname: os.hostname(), release: os.release() };
}

/**
 * The host network only where it is this machine's network: a Linux engine, not rootless, whose
 * host name and kernel are this machine's (Docker Desktop, Colima, Rancher Desktop and remote
 * engines run elsewhere). COURSE_CONTAINER_NETWORK=host|bridge forces one.
 */
export function chooseLayout(facts: EngineFacts, here: ThisMachine = thisMachine()): LayoutChoice {
  const forced = process.env.COURSE_CONTAINER_NETWORK;
  if (forced === 'host') return { layout: 'host', why: messages.forced('host') };
  if (forced === 'bridge' || forced === 'bridged') return { layout: 'bridged', why: messages.forced(forced) };
  if (forced) throw new EnvironmentError(messages.badForced(forced));
  if (here.platform !== 'linux') return { layout: 'bridged', why: messages.vm(here.platform) };
  if (/docker desktop/i.test(facts.operatingSystem)) return { layout: 'bridged', why: messages.desktop };
  if (facts.rootless) return { layout: 'bridged', why: messages.rootless };
  if (facts.name !== here.hostname || facts.kernelVersion !== here.release) {
    return { layout: 'bridged', why: messages.elsewhere(facts, here) };
  }
  return { layout: 'host', why: messages.sameKernel };
}

/**
 * The host side of the bridged layout: makes ports of this machine's loopback reachable from
 * containers as host.docker.internal:<port>. Where the bridge's gateway is an address of this
 * machine (a Linux engine), each gets a relay on that address, on a port of its own: an app that
 * listens on every interface (the SDK's DaprServer does) holds its own port there too. Elsewhere
 * (Docker Desktop) the engine forwards to loopback itself, and the port is unchanged.
 */
export class HostGateway {
  private readonly relays: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly closing = new AbortController();

  private constructor(
    /** The gateway address when it is this machine's, else undefined (nothing to relay). */
    readonly relayAddress: string | undefined,
  ) {}

  static async open(engine: Engine): Promise<HostGateway> {
    return new HostGateway(await localGatewayAddress(engine));
  }

  /** Makes `port` of a server that is up on this machine's loopback reachable from containers; returns the port they dial. */
  async expose(port: number): Promise<number> {
    if (!this.relayAddress) return port;
    const relayPort = await freePort(this.relayAddress);
    await this.listen(port, relayPort).catch((error: unknown) => {
      throw new EnvironmentError(messages.relayFailed(port, this.relayAddress!, (error as Error).message));
    });
    return relayPort;
  }

  /**
   * The same for an app that is starting: the relay listens only once the app does, since daprd
   * takes a port that accepts connections for an app that is up (as on Docker Desktop). A relay that
   * cannot listen is reported to `onFailure` (daprd then does not find the app).
   */
  async exposeWhenUp(port: number, onFailure: (message: string) => void): Promise<number> {
    if (!this.relayAddress) return port;
    const relayPort = await freePort(this.relayAddress);
    waitForListening(port, this.closing.signal)
      .then(() => this.listen(port, relayPort))
      .catch((error: unknown) => {
        // Closed before the app listened: nothing to relay.
        if (!this.closing.signal.aborted) onFailure(messages.relayFailed(port, this.relayAddress!, (error as Error).message));
      });
    return relayPort;
  }

  private listen(port: number, relayPort: number): Promise<void> {
    const relay = net.createServer((inbound) => this.pipe(inbound, port));
    this.relays.push(relay);
    return new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen(relayPort, this.relayAddress, () => {
        if (this.closing.signal.aborted) relay.close();
        resolve();
      });
    });
  }

  private pipe(inbound: net.Socket, port: number): void {
    const outbound = net.connect(port, APP_LISTEN_HOST);
    for (const socket of [inbound, outbound]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  }

  async close(): Promise<void> {
    this.closing.abort();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.relays.filter((relay) => relay.listening).map((relay) => new Promise((resolve) => relay.close(resolve))));
  }
}

/** The default bridge's gateway, when it is an address of this machine (it can be bound). */
async function localGatewayAddress(engine: Engine): Promise<string | undefined> {
  const bridge = (await engine.client.container.dockerode.getNetwork('bridge').inspect()) as {
    IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
  };
  const config = bridge.IPAM?.Config?.find((c) => c.Gateway || c.Subnet?.includes('.'));
  // Docker leaves the default bridge's gateway out when it is the subnet's first address.
  const gateway = config?.Gateway ?? firstAddress(config?.Subnet);
  return gateway && (await canBind(gateway)) ? gateway : undefined;
}

function firstAddress(subnet: string | undefined): string | undefined {
  const match = subnet?.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)\//);
  if (!match) return undefined;
  const [a, b, c, d] = match.slice(1).map(Number) as [number, number, number, number];
  return `${a}.${b}.${c}.${d + 1}`;
}

/** An address of this machine can be bound even while its interface is down (docker0 without containers). */
function canBind(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, address, () => probe.close(() => resolve(true)));
  });
}

const messages = {
  forced: (value: string) => `COURSE_CONTAINER_NETWORK=${value}`,
  badForced: (value: string) => `COURSE_CONTAINER_NETWORK is \`${value}\`: use \`host\` or \`bridge\`, or unset it to let the course choose.`,
  vm: (platform: string) => `on ${platform} the engine runs in a VM`,
  desktop: 'Docker Desktop runs the engine in a VM',
  rootless: 'the engine is rootless: its host network is its own',
  elsewhere: (facts: EngineFacts, here: ThisMachine) =>
    `the engine runs on another kernel, a VM or another machine (${facts.name || '?'} ${facts.kernelVersion || '?'}; here ${here.hostname} ${here.release})`,
  sameKernel: 'the engine runs on this machine\'s kernel',
  relayFailed: (port: number, address: string, why: string) =>
    `Could not make port ${port} reachable from containers on ${address}: ${why}.`,
};
