// What a sidecar counted, read from its Prometheus endpoint (the harness gives each daprd its own
// --metrics-port). daprd counts every call it makes to its app, per path and answer, and every
// message it takes from a topic, per outcome. Checks use this to count deliveries themselves, at
// the sidecar, instead of trusting the learner's service to count them.
import { EnvironmentError } from '../../src/harness/check-api.js';
import type { Environment } from './exercise.js';

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample the app's sidecar reports now. */
export async function sidecarMetrics(env: Environment, appId: string): Promise<MetricSample[]> {
  const res = await fetch(`http://127.0.0.1:${env.app(appId).sidecar.ports.metrics}/metrics`, {
    signal: AbortSignal.timeout(3000),
  });
  return parsePrometheus(await res.text());
}

/** Prometheus text format: `name{label="value",…} number`; comments and blank lines skipped. */
export function parsePrometheus(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels have the given values. */
export function sumOf(samples: MetricSample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * How many times the sidecar POSTed to its app on `paths`: one per delivery attempt, whatever the
 * app answered. A subscription's paths are on `/v1.0/metadata` (see `subscriptionPaths`).
 */
export async function deliveryCount(env: Environment, appId: string, paths: string[]): Promise<number> {
  const samples = await sidecarMetrics(env, appId);
  const calls = samples.filter((s) => s.name === 'dapr_http_client_completed_count');
  // Per-path labels need `spec.metric.http.increasedCardinality`, on by default in Dapr 1.18.
  if (calls.length > 0 && !calls.some((s) => s.labels.path)) {
    throw new EnvironmentError(`The sidecar of ${appId} does not label its calls to the app with their path, so the check cannot count deliveries.`);
  }
  return paths.reduce((sum, path) => sum + sumOf(samples, 'dapr_http_client_completed_count', { method: 'POST', path }), 0);
}

/**
 * How the sidecar recorded the messages it took from `topic`, by outcome: `success` (the app
 * answered SUCCESS or an empty 2xx), `retry` (an attempt failed), `drop` (DROP, 404, or no route).
 * A message that fails can add more than one record, so this tells outcomes apart; it is not a
 * count of deliveries (use `deliveryCount`).
 */
export async function ingressOutcomes(env: Environment, appId: string, topic: string): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  for (const s of await sidecarMetrics(env, appId)) {
    if (s.name !== 'dapr_component_pubsub_ingress_count' || s.labels.topic !== topic) continue;
    const outcome = s.labels.process_status ?? 'unknown';
    outcomes[outcome] = (outcomes[outcome] ?? 0) + s.value;
  }
  return outcomes;
}

/** The HTTP paths daprd delivers a topic's messages to, for an app (its rules and default route). */
export async function subscriptionPaths(env: Environment, appId: string, topic: string): Promise<string[]> {
  const subscription = (await env.subscriptions(appId)).find((s) => s.topic === topic);
  const rules = (subscription?.rules ?? []) as { path?: string }[];
  return [...new Set(rules.map((r) => r.path).filter((p): p is string => typeof p === 'string'))];
}
