import { describe, expect, test } from 'vitest';
import { LearnerCodeError } from './errors.js';
import { fillBrokerAddresses, parseResources, pubsubNames } from './resources.js';

const component = (apiVersion = 'dapr.io/v1alpha1', extra = '') => `
apiVersion: ${apiVersion}
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.redis
  version: v1
  metadata:
    - name: redisHost
      value: localhost:6379
${extra}`;

const problem = (text: string) => {
  try {
    parseResources(text, 'resources/x.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(LearnerCodeError);
    return (error as Error).message;
  }
  throw new Error('no problem found');
};

describe('resource validation', () => {
  test('accepts a correct Redis component and finds its pubsub name', () => {
    const docs = parseResources(component(), 'resources/x.yaml');
    expect(pubsubNames(docs)).toEqual(['pubsub']);
  });

  test('names an apiVersion daprd would skip silently', () => {
    expect(problem(component('dapr.io/v1'))).toMatch(/apiVersion `dapr.io\/v1`.*use `dapr.io\/v1alpha1`.*skips such a file/);
  });

  test('says scopes go at the top level', () => {
    expect(problem(component(undefined, '  scopes: [orders]'))).toContain('`scopes` goes at the top level');
  });

  test('says routing rules need v2alpha1', () => {
    const sub = `
apiVersion: dapr.io/v1alpha1
kind: Subscription
metadata: { name: s }
spec:
  pubsubname: pubsub
  topic: orders
  route: /orders
  rules:
    - match: event.type == "x"
      path: /x
`;
    expect(problem(sub)).toContain('routing rules need `apiVersion: dapr.io/v2alpha1`');
  });

  test('gives the line of a YAML syntax error', () => {
    expect(problem('apiVersion: dapr.io/v1alpha1\nkind: [Component\n')).toMatch(/resources\/x.yaml line \d+: this is not valid YAML/);
  });

  test('reads several resources from one multi-document file', () => {
    const docs = parseResources(`${component()}\n---\n${component().replace('name: pubsub', 'name: other')}`, 'resources/x.yaml');
    expect(pubsubNames(docs)).toEqual(['pubsub', 'other']);
  });

  test('points Redis components at the run’s own Redis, and leaves others alone', () => {
    const docs = parseResources(
      `${component()}\n---\n${component().replace('pubsub.redis', 'pubsub.rabbitmq').replace('name: pubsub', 'name: rabbit')}`,
      'resources/x.yaml',
    );
    const filled = fillBrokerAddresses(docs, { redis: '127.0.0.1:4321' });
    const hosts = filled.map(({ doc }) => (doc.spec as { metadata: { name: string; value: string }[] }).metadata.find((m) => m.name === 'redisHost')?.value);
    expect(hosts).toEqual(['127.0.0.1:4321', 'localhost:6379']);
  });

  test('names a misspelt field in a Resiliency, which daprd would ignore', () => {
    const resiliency = `
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: r }
spec:
  policies:
    retries:
      quick: { policy: constant, duration: 50ms, maxRetriez: 2 }
  targets:
    components:
      pubsub: { inbound: { retry: quick } }
`;
    expect(problem(resiliency)).toContain('unknown field `spec.policies.retries.quick.maxRetriez`');
    expect(problem(resiliency.replace('maxRetriez', 'maxRetries').replace('retry: quick', 'retry: slow'))).toContain(
      'names the policy `slow`, which is not defined',
    );
  });
});
