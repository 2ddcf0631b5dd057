// A Resiliency for tests: every pubsub.redis delivery retried `maxRetries` times, 50 ms apart.
export const quickRetries = (maxRetries: number): string => `
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: quick-retries
spec:
  policies:
    retries:
      quick:
        policy: constant
        duration: 50ms
        maxRetries: ${maxRetries}
  targets:
    components:
      pubsub:
        inbound:
          retry: quick
`;
