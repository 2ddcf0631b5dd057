// A service whose sidecar it can reach only once the sidecar has asked it for its subscriptions:
// the order things happen in when a service starts before its sidecar (or the sidecar is slow to
// load its components, or restarts). It makes "subscribed after start()" fail in every run.
//
// Why: daprd asks `GET /dapr/subscribe` once, as soon as it finds the app listening (it tries the
// app's port every 100 ms), and only then reports itself healthy (`/v1.0/healthz` 204). The SDK's
// `await server.start()` listens first, then resolves once the sidecar's HTTP API answers (it
// retries every 500 ms, for 30 s). A subscription registered after start() resolved is therefore
// seen only when daprd happens to ask after it: usual when the sidecar was up first, never when the
// app was. Behind the gate the app's start() cannot resolve before daprd has asked, so such a
// subscription is never seen.
//
// The gate is a plain TCP pass-through at the front the harness keeps before the app's sidecar
// HTTP API (before-sidecar.ts), which the app is given as DAPR_HTTP_PORT. Until its sidecar is
// healthy it closes every connection at once (the SDK sees a sidecar not up yet and tries again);
// then it pipes each connection to the real sidecar, so every later call (state, publish) reaches
// the real daprd unchanged. It opens as soon as the app's own sidecar is healthy, not when the whole
// run is, so the SDK's 30 s of patience are spent as without a gate.
//
//   const gate = sidecarGate('order-processor');
//   const env = useExercise({ beforeStart: gate.install });
import net from 'node:net';
import { afterAll } from 'vitest';
import type { EnvironmentSpec, SidecarFront } from '../../src/harness/check-api.js';
import { placeBeforeSidecar } from './before-sidecar.js';

export interface SidecarGate {
  /** For `useExercise({ beforeStart })`: points the app's DAPR_HTTP_PORT at the gate, which opens by itself. */
  install(spec: EnvironmentSpec): void;
  /** Resolves when the app first reaches its sidecar through the open gate (its `start()` is about to resolve). */
  readonly reached: Promise<void>;
}

export function sidecarGate(appId: string): SidecarGate {
  /** Connections to the sidecar, cut when the check ends (the front cuts the app's). */
  const upstreams = new Set<net.Socket>();
  let open = false;
  let stopped = false;
  let reachedNow = () => {};
  const reached = new Promise<void>((resolve) => (reachedNow = resolve));
  const pass = (socket: net.Socket, target: number) => {
    if (!open) {
      socket.destroy();
      return;
    }
    reachedNow();
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    upstreams.add(upstream);
    upstream.on('error', () => upstream.destroy());
    upstream.on('close', () => {
      upstreams.delete(upstream);
      socket.destroy();
    });
    socket.on('close', () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  };
  /** Opens the gate once the sidecar answers /v1.0/healthz with 2xx: it has found the app and asked it. */
  const openWhenHealthy = async (port: number) => {
    while (!stopped) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1.0/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) {
          open = true;
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  afterAll(() => {
    stopped = true;
    for (const upstream of upstreams) upstream.destroy();
  });
  return {
    install(spec) {
      placeBeforeSidecar(spec, appId, ['http'], 'sidecarGate', (front: SidecarFront) => {
        front.attach((socket) => pass(socket, front.sidecarPort));
        void openWhenHealthy(front.sidecarPort);
      });
    },
    reached,
  };
}
