// The calls an app made to its own sidecar's HTTP API, as the sidecar counted them (its Prometheus
// metric `dapr_http_server_request_count`, per method, path and status). Checks use it to see what
// the learner's code asked of Dapr: one bulk publish or a loop of single ones, a save to a store of
// another name, saves the sidecar refused. An app may as well use the gRPC API (a DaprClient with
// `communicationProtocol: GRPC`): `grpcApiCalls` reads those calls (`dapr_grpc_io_server_completed_rpcs`,
// per method and status), which the HTTP count does not see.
import { sidecarMetrics } from './metrics.js';
import type { Environment } from './exercise.js';

export interface ApiCall {
  method: string;
  /** e.g. `/v1.0/state/statestore`, `/v1.0-alpha1/publish/bulk/pubsub/orders`. */
  path: string;
  status: number;
  count: number;
}

/** Every call to the sidecar's API whose path starts with `prefix`, grouped by method, path and status. */
export async function apiCalls(env: Environment, appId: string, prefix = '/'): Promise<ApiCall[]> {
  return (await sidecarMetrics(env, appId))
    .filter((s) => s.name === 'dapr_http_server_request_count' && (s.labels.path ?? '').startsWith(prefix))
    .map((s) => ({ method: s.labels.method ?? '', path: s.labels.path!, status: Number(s.labels.status), count: s.value }));
}

/** `POST /v1.0/state/x (204) ×2, …` or `none`, for messages. */
export function describeApiCalls(calls: ApiCall[]): string {
  return calls.length ? calls.map((c) => `${c.method} ${c.path} (${c.status})${c.count > 1 ? ` ×${c.count}` : ''}`).join(', ') : 'none';
}

/** A call to the sidecar's gRPC API, as the sidecar counted it. */
export interface GrpcApiCall {
  /** e.g. `BulkPublishEventAlpha1`, `PublishEvent`, `SaveState` (the service's prefix dropped). */
  method: string;
  /** The gRPC status name, e.g. `OK`, `PERMISSION_DENIED`. */
  status: string;
  count: number;
}

/** Every call the app made to its sidecar's gRPC API (`dapr.proto.runtime.v1.Dapr`), grouped by method and status. */
export async function grpcApiCalls(env: Environment, appId: string): Promise<GrpcApiCall[]> {
  const prefix = '/dapr.proto.runtime.v1.Dapr/';
  return (await sidecarMetrics(env, appId))
    .filter((s) => s.name === 'dapr_grpc_io_server_completed_rpcs' && (s.labels.grpc_server_method ?? '').startsWith(prefix))
    .map((s) => ({ method: s.labels.grpc_server_method!.slice(prefix.length), status: s.labels.grpc_server_status ?? '', count: s.value }));
}

/** `gRPC BulkPublishEventAlpha1 (OK) ×2, …`, for messages (nothing when there are none). */
export function describeGrpcApiCalls(calls: GrpcApiCall[]): string {
  return calls.map((c) => `gRPC ${c.method} (${c.status})${c.count > 1 ? ` ×${c.count}` : ''}`).join(', ');
}
