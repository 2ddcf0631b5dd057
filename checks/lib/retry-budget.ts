// How long a retry policy keeps retrying, from the policy daprd loaded (read with
// componentRetryPolicy): what decides whether a delivery outlasts a service that is down, and
// whether it outlasts the Redis component's processingTimeout (after which Redis delivers the
// same message again, concurrently).
import type { RetryPolicy } from './resiliency.js';

/**
 * The time between the first attempt and the last retry, in ms; Infinity when it never stops
 * (maxRetries -1, Dapr's default). An exponential policy starts at 500 ms and grows by 1.5 up to
 * its maxInterval (daprd's fixed defaults; each wait is then randomised by ±50 %, ignored here).
 */
export function retryBudgetMs(policy: RetryPolicy): number {
  if (policy.maxRetries < 0) return Infinity;
  if (policy.policy !== 'exponential') return policy.maxRetries * policy.intervalMs;
  let total = 0;
  for (let k = 0, wait = 500; k < policy.maxRetries; k++, wait *= 1.5) total += Math.min(wait, policy.intervalMs);
  return total;
}

/** `5 retries 200 ms apart (1.0 s)`, for messages. */
export function describeRetries(policy: RetryPolicy): string {
  const budget = retryBudgetMs(policy);
  if (budget === Infinity) return `retries without end (no maxRetries, or -1)`;
  const apart = policy.policy === 'exponential' ? `growing to at most ${policy.intervalMs} ms apart` : `${policy.intervalMs} ms apart`;
  return `${policy.maxRetries} retries ${apart} (${(budget / 1000).toFixed(1)} s)`;
}
