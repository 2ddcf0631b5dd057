// Dapr's transactional outbox, as a check sees it on pubsub.redis. A state transaction on a store
// with `outboxPublishPubsub`/`outboxPublishTopic` first parks one message per upsert on an internal
// topic; the app's own sidecar reads it there (after about a second), checks that the transaction
// was written, and only then publishes to the real topic. So "the outbox has finished" means that
// internal topic is settled too: pass both topics to `brokerSettled`.

/** The internal topic: `<namespace><app-id><topic>outbox`; the namespace is `default` outside Kubernetes. */
export function outboxInternalTopic(appId: string, topic: string, namespace = 'default'): string {
  return `${namespace}${appId}${topic}outbox`;
}
