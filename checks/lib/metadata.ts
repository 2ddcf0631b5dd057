// What a sidecar says about itself on `GET /v1.0/metadata`: the components it loaded and the
// subscriptions it runs. Checks use it to tell "daprd never loaded your file" apart from
// "daprd loaded it, but the messages went elsewhere".
import type { Environment } from './exercise.js';

export interface SidecarComponent {
  name: string;
  type: string;
  version: string;
}

/** The components an app's sidecar has loaded. */
export async function sidecarComponents(env: Environment, appId: string): Promise<SidecarComponent[]> {
  const res = await fetch(`${env.app(appId).daprUrl}/v1.0/metadata`, { signal: AbortSignal.timeout(3000) });
  const meta = (await res.json()) as { components?: SidecarComponent[] };
  return meta.components ?? [];
}

/** `name (type version), …` or `none`, for messages. */
export function describeComponents(components: SidecarComponent[]): string {
  return components.length ? components.map((c) => `\`${c.name}\` (${c.type} ${c.version})`).join(', ') : 'none';
}

/** `pubsub/orders, …` or `none`, for messages. */
export function describeSubscriptions(subscriptions: { pubsubname: string; topic: string }[]): string {
  return subscriptions.length ? subscriptions.map((s) => `${s.pubsubname}/${s.topic}`).join(', ') : 'none';
}
