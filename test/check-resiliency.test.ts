// Durations in a learner's Resiliency resource, read as daprd reads them (Go's time.ParseDuration,
// or a bare number of milliseconds as dapr/kit's decoder takes it).
import { describe, expect, test } from 'vitest';
import { durationMs } from '../checks/lib/resiliency.js';

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
