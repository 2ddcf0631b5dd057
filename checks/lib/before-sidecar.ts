// Puts a server of the check's between an app and its sidecar's HTTP or gRPC API, before the run
// starts: the app is given the server's port as DAPR_HTTP_PORT (or DAPR_GRPC_PORT), and the server
// forwards to the sidecar's real port, chosen here so that it is known before daprd starts. With
// the timeline on, the recording hop sits between the app and the HTTP server. Used by
// sidecar-gate.ts and publish-gate.ts.
import type net from 'node:net';
import { freePort, type EnvironmentSpec } from '../../src/harness/check-api.js';

/** Listens with `server` on a port of its own, in front of `appId`'s sidecar; returns the sidecar's port for `api`. */
export async function placeBeforeSidecar(spec: EnvironmentSpec, appId: string, server: net.Server, who: string, api: 'http' | 'grpc' = 'http'): Promise<number> {
  const app = spec.apps.find((a) => a.appId === appId);
  if (!app) throw new Error(`${who}: the run has no app \`${appId}\``);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const own = (server.address() as net.AddressInfo).port;
  if (api === 'grpc') {
    const target = app.daprGrpcPort ?? (await freePort());
    app.daprGrpcPort = target;
    app.daprGrpcPortForApp = own;
    return target;
  }
  const target = app.daprHttpPort ?? (await freePort());
  app.daprHttpPort = target;
  app.daprHttpPortForApp = own;
  return target;
}
