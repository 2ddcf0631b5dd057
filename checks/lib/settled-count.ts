// A sidecar's count of deliveries, read once it has stopped moving. daprd records each call to its
// app in its metrics a moment after the call ends, and on a loaded machine that moment can come
// after the broker already shows the message acknowledged: a count read at once can be short.
import type { Environment } from './exercise.js';
import { deliveryCount } from './metrics.js';

/**
 * `deliveryCount` read until it has not changed for `stableMs` (and at most `timeoutMs`). Call it
 * once the deliveries being counted are over (the broker shows them acknowledged).
 */
export async function settledDeliveryCount(
  env: Environment,
  appId: string,
  paths: string[],
  stableMs = 300,
  timeoutMs = 3000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let count = await deliveryCount(env, appId, paths);
  let since = Date.now();
  while (Date.now() - since < stableMs && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const again = await deliveryCount(env, appId, paths);
    if (again !== count) {
      count = again;
      since = Date.now();
    }
  }
  return count;
}
