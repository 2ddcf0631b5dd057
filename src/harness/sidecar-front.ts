// A front for an app's sidecar API that the check serves: the app is told the front's port as
// DAPR_HTTP_PORT (or DAPR_GRPC_PORT), and the check decides what happens to each connection the app
// opens there (checks/lib/sidecar-gate.ts holds them until the sidecar has asked the app for its
// subscriptions; publish-gate.ts holds publishes until the check's sends are all in flight).
//
// The harness listens, not the check, so that the port is part of the run and not of the check's
// spec: a run started ahead (spares.ts) has its fronts already, and the check only attaches to
// them. Until it has, every connection is closed at once, as a sidecar that is not up yet looks to
// the SDK (it tries again); nothing reaches a front before the check attached, since a standby
// service runs no learner code and probes do not use fronts.
import net from 'node:net';

export type SidecarApi = 'http' | 'grpc';

/** What a check's `onFront` gets: one front of one app. */
export interface SidecarFront {
  readonly api: SidecarApi;
  /** The port the app was told its sidecar's `api` is on. */
  readonly port: number;
  /** The sidecar's own port for `api`: where the check sends on what it lets through. */
  readonly sidecarPort: number;
  /** From now on, each connection the app opens to the front is handed to `onConnection`. */
  attach(onConnection: (socket: net.Socket) => void): void;
}

export class Front implements SidecarFront {
  private readonly server = net.createServer();
  private readonly sockets = new Set<net.Socket>();
  private onConnection?: (socket: net.Socket) => void;
  private bound = 0;

  private constructor(
    readonly api: SidecarApi,
    readonly sidecarPort: number,
  ) {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      if (this.onConnection) this.onConnection(socket);
      else socket.destroy();
    });
  }

  /** A front listening on a port of its own (the OS's: it is bound for as long as the run lives). */
  static async listen(api: SidecarApi, sidecarPort: number): Promise<Front> {
    const front = new Front(api, sidecarPort);
    await new Promise<void>((resolve, reject) => {
      front.server.once('error', reject);
      front.server.listen(0, '127.0.0.1', () => {
        front.server.off('error', reject);
        front.bound = (front.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
    return front;
  }

  get port(): number {
    return this.bound;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  attach(onConnection: (socket: net.Socket) => void): void {
    this.onConnection = onConnection;
  }

  /** Stops listening and cuts every connection the app still has open to it. */
  async close(): Promise<void> {
    this.onConnection = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
