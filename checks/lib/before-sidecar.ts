// Puts a server of the check's between an app and its sidecar's HTTP or gRPC API: the harness
// listens for it (a front, src/harness/sidecar-front.ts) and gives the app the front's port as
// DAPR_HTTP_PORT (DAPR_GRPC_PORT); `onFront` attaches the check to each front before the app
// starts. The run's spec says only which APIs have a front, the same in every run, so a re-check
// takes the run started ahead for it. With the timeline on, the recording hop sits between the app
// and the HTTP front. Used by sidecar-gate.ts and publish-gate.ts.
import type { EnvironmentSpec, SidecarApi, SidecarFront } from '../../src/harness/check-api.js';

export function placeBeforeSidecar(spec: EnvironmentSpec, appId: string, apis: SidecarApi[], who: string, onFront: (front: SidecarFront) => void): void {
  const app = spec.apps.find((a) => a.appId === appId);
  if (!app) throw new Error(`${who}: the run has no app \`${appId}\``);
  app.fronts = apis;
  app.onFront = onFront;
}
