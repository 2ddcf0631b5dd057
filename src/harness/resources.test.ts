import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LearnerCodeError } from './errors.js';
import { checkRedisAddresses, fillBrokerAddresses, parseResources, pubsubNames } from './resources.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');

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

  test('a routing rule needs a path; without a match it matches every event, as in daprd', () => {
    const sub = (rule: string) => `
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: s }
spec:
  pubsubname: pubsub
  topic: orders
  routes:
    rules:
${rule}
    default: /orders
`;
    expect(parseResources(sub('      - path: /everything'), 'resources/x.yaml')).toHaveLength(1);
    expect(problem(sub('      - match: event.type == "x"'))).toContain('`spec.routes.rules[0]` needs a `path`');
    expect(problem(sub('      - match: true\n        path: /x'))).toContain("quote it: `match: 'true'`");
  });

  test('gives the line of a YAML syntax error, shown', () => {
    expect(problem('apiVersion: dapr.io/v1alpha1\nkind: [Component\n')).toMatch(/^resources\/x.yaml line \d+ is not valid YAML: .*\.\n\d+ \| /);
  });

  describe('YAML mistakes at their exact line', () => {
    // The starter of redis-component, with the learner's `version: v1` on line 17.
    const starter = readFileSync(path.join(REPO, 'exercises/04-pubsub/redis-component/resources/pubsub.yaml'), 'utf8').split('\n');
    const withLine17 = (text: string) => starter.map((line, i) => (i === 16 ? text : line)).join('\n');

    test('a line indented deeper than a `key: value` line above it', () => {
      for (const indent of ['   ', '    ', '      ']) {
        expect(problem(withLine17(`${indent}version: v1`))).toBe(
          'resources/x.yaml line 17 is not valid YAML: this line is indented deeper than line 16 (`type: pubsub.redis`), ' +
            'which already has its value. Line it up with the keys it belongs with.\n' +
            `17 | ${indent}version: v1\n` +
            `   | ${indent}^`,
        );
      }
    });

    test('a line indented less than its siblings, a tab, a colon without its space', () => {
      expect(problem(withLine17(' version: v1'))).toMatch(/^resources\/x.yaml line 17 is not valid YAML: this line does not line up with the lines it belongs with\.\n17 \|  version: v1\n   \|  \^$/);
      expect(problem(withLine17('\tversion: v1'))).toMatch(/^resources\/x.yaml line 17 is not valid YAML: a tab indents this line; YAML indents with spaces only\./);
      expect(problem(withLine17('  version:v1'))).toMatch(/^resources\/x.yaml line 17 is not valid YAML: a key needs a space after its colon \(`key: value`\)\./);
    });

    test('a line indented less than the lines around it', () => {
      expect(problem(withLine17('version: v1'))).toBe(
        'resources/x.yaml line 17 is not valid YAML: this line is indented less than lines 16 and 18 around it, ' +
          'so it ends the block they are in. Line it up with them.\n17 | version: v1\n   | ^',
      );
    });

    test('always a sentence, never a dangling colon', () => {
      for (const text of ['   version: v1', ' version: v1', 'version: v1', '  version: v1: x', '\tversion: v1', '  version:v1']) {
        expect(problem(withLine17(text)).split('\n')[0]).toMatch(/^resources\/x.yaml line 17 is not valid YAML: [a-z].*\.$/);
      }
    });
  });

  describe('redisHost', () => {
    const withHost = (value: string, port?: string) =>
      parseResources(component().replace('localhost:6379', `"${value}"`) + (port ? `    - name: redisPort\n      value: "${port}"\n` : ''), 'resources/x.yaml');

    test('the standard local address, in any form daprd reads as it, is pointed at the run’s Redis', () => {
      for (const [host, port] of [['localhost:6379'], ['127.0.0.1:6379'], ['localhost'], ['localhost', '6379'], ['[::1]:6379']] as const) {
        const [filled] = fillBrokerAddresses(withHost(host, port), { redis: '127.0.0.1:4321' });
        expect((filled!.doc.spec as { metadata: unknown[] }).metadata).toEqual([{ name: 'redisHost', value: '127.0.0.1:4321' }]);
      }
    });

    test('any other address is the learner’s mistake, named with its file and value', () => {
      for (const [host, port] of [['redis:6379'], ['localhost:6380'], ['localhost', '6380'], ['10.0.0.5:6379']] as const) {
        const docs = withHost(host, port);
        expect(() => checkRedisAddresses(docs)).toThrow(LearnerCodeError);
        expect(() => fillBrokerAddresses(docs, { redis: '127.0.0.1:4321' })).toThrow(
          new RegExp(`^resources/x.yaml: component \`pubsub\` has \`redisHost: ${host.replace(/[.[\]]/g, '\\$&')}\``),
        );
      }
    });
  });

  test('a file far bigger than any resource is refused before it is parsed', () => {
    const huge = component() + Array.from({ length: 6000 }, (_, i) => `    - name: s${i}\n      value: "${'x'.repeat(40)}"`).join('\n');
    const started = Date.now();
    expect(problem(huge)).toMatch(/^resources\/x.yaml is 0\.\d MB, with 6,001 `- name:` entries\. .*too big to load \(the limit is 256 KB\)/);
    expect(Date.now() - started).toBeLessThan(2000);
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
