// The retry policy a run's Resiliency resources give a component, read from the YAML the sidecars
// loaded. Checks use it to expect exactly 1 + maxRetries attempts, whatever number the learner chose,
// and to size their waits from the policy instead of guessing.
import type { ResourceDoc } from '../../src/harness/check-api.js';

export interface RetryPolicy {
  /** The policy's name under spec.policies.retries. */
  name: string;
  /** The Resiliency resource's metadata.name and the file it came from. */
  resource: string;
  file: string;
  policy: 'constant' | 'exponential' | string;
  /** -1 (Dapr's default) retries for ever. */
  maxRetries: number;
  /** Wait between attempts: `duration` for constant, `maxInterval` (or 60 s) for exponential. */
  intervalMs: number;
}

/**
 * The retry policy on `targets.components.<component>.<direction>.retry`, if any resource sets one;
 * with `appId`, only from resources that app's sidecar loads (daprd skips a Resiliency whose
 * `scopes` leave its app out: pkg/resiliency FromConfigurations).
 */
export function componentRetryPolicy(
  resources: ResourceDoc[],
  component: string,
  direction: 'inbound' | 'outbound' = 'inbound',
  appId?: string,
): RetryPolicy | undefined {
  for (const { file, doc } of resources) {
    if (doc.kind !== 'Resiliency' || (appId !== undefined && scopedAway(doc, appId))) continue;
    const spec = (doc.spec ?? {}) as {
      policies?: { retries?: Record<string, Record<string, unknown>> };
      targets?: { components?: Record<string, Record<string, { retry?: unknown }>> };
    };
    const name = spec.targets?.components?.[component]?.[direction]?.retry;
    if (typeof name !== 'string') continue;
    const retry = spec.policies?.retries?.[name];
    if (!retry) continue;
    // daprd reads the kind case-insensitively (dapr/kit retry.PolicyType.DecodeString): `Constant` is constant.
    const policy = String(retry.policy ?? 'constant').toLowerCase();
    const interval = policy === 'exponential' ? (retry.maxInterval ?? '60s') : (retry.duration ?? '5s');
    return {
      name,
      resource: String((doc.metadata as { name?: unknown } | undefined)?.name ?? ''),
      file,
      policy,
      maxRetries: retry.maxRetries === undefined ? -1 : Number(retry.maxRetries),
      intervalMs: durationMs(interval),
    };
  }
  return undefined;
}

/** The Resiliency resources `appId`'s sidecar does not load, their scopes leaving it out: `\`name\` (file), whose scopes name only a, b`. */
export function resiliencyScopedAway(resources: ResourceDoc[], appId: string): string[] {
  return resources
    .filter(({ doc }) => doc.kind === 'Resiliency' && scopedAway(doc, appId))
    .map(({ file, doc }) => `\`${String((doc.metadata as { name?: unknown } | undefined)?.name ?? '')}\` (${file}), whose scopes name only ${(doc.scopes as unknown[]).join(', ')}`);
}

function scopedAway(doc: ResourceDoc['doc'], appId: string): boolean {
  const scopes = doc.scopes;
  return Array.isArray(scopes) && scopes.length > 0 && !scopes.includes(appId);
}

/**
 * A Go duration (`50ms`, `1s`, `1m30s`) or a number of milliseconds (also as a string of digits, as
 * dapr/kit's config decoder reads `"50"`), in milliseconds; NaN if unreadable.
 */
export function durationMs(value: unknown): number {
  if (typeof value === 'number') return value;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return Number.NaN;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0);
}
