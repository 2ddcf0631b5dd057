// A learner's Resiliency resources, read as daprd reads them: durations (Go's time.ParseDuration,
// or a bare number of milliseconds as dapr/kit's decoder takes it), and scopes.
import { describe, expect, test } from 'vitest';
import { componentRetryPolicy, durationMs, resiliencyScopedAway } from '../checks/lib/resiliency.js';

describe('a retry policy duration', () => {
  test.each([
    ['50ms', 50],
    ['1s', 1000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['1.s', 1000],
    ['50', 50],
    [50, 50],
  ] as const)('%s is %i ms', (text, ms) => expect(durationMs(text)).toBe(ms));

  test.each(['', 'fast', '5 s', '5sec', '-'])('%j is unreadable', (text) => expect(durationMs(text)).toBeNaN());
});

describe('a Resiliency resource with scopes', () => {
  const resiliency = (scopes?: string[]) => ({
    file: 'resources/resiliency.yaml',
    doc: {
      kind: 'Resiliency',
      metadata: { name: 'retries' },
      spec: {
        policies: { retries: { twice: { policy: 'constant', duration: '50ms', maxRetries: 2 } } },
        targets: { components: { pubsub: { inbound: { retry: 'twice' } } } },
      },
      ...(scopes ? { scopes } : {}),
    },
  });

  test('applies only to the apps it names, as daprd loads it only in their sidecars', () => {
    expect(componentRetryPolicy([resiliency(['checkout'])], 'pubsub', 'inbound', 'payments')).toBeUndefined();
    expect(componentRetryPolicy([resiliency(['checkout'])], 'pubsub', 'inbound', 'checkout')?.maxRetries).toBe(2);
    expect(componentRetryPolicy([resiliency()], 'pubsub', 'inbound', 'payments')?.name).toBe('twice');
    expect(componentRetryPolicy([resiliency([])], 'pubsub', 'inbound', 'payments')?.name).toBe('twice');
    expect(resiliencyScopedAway([resiliency(['checkout', 'audit'])], 'payments')).toEqual(['`retries` (resources/resiliency.yaml), whose scopes name only checkout, audit']);
    expect(resiliencyScopedAway([resiliency(['payments'])], 'payments')).toEqual([]);
  });
});
