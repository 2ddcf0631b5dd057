// Saying in a failure message what a sidecar reported about itself (read with
// env().components(appId) and env().subscriptions(appId)), so a learner can tell "daprd never
// loaded your file" from "daprd loaded it, but the messages went elsewhere".
import type { SidecarMetadata } from '../../src/harness/check-api.js';

type SidecarComponent = NonNullable<SidecarMetadata['components']>[number];

/** `name (type version), …` or `none`, for messages. */
export function describeComponents(components: SidecarComponent[]): string {
  return components.length ? components.map((c) => `\`${c.name}\` (${c.type} ${c.version})`).join(', ') : 'none';
}

/** `pubsub/orders, …` or `none`, for messages. */
export function describeSubscriptions(subscriptions: { pubsubname: string; topic: string }[]): string {
  return subscriptions.length ? subscriptions.map((s) => `${s.pubsubname}/${s.topic}`).join(', ') : 'none';
}
