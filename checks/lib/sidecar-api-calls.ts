// The calls an app made to its own sidecar's HTTP API, as the sidecar counted them (its Prometheus
// metric `dapr_http_server_request_count`, per method, path and status). Checks use it to see what
// the learner's code asked of Dapr: one bulk publish or a loop of single ones, a save to a store of
// another name, saves the sidecar refused.
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
