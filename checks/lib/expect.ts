// Assertions that fail in plain words. A check states what should have happened, so a learner
// reads "bob never received alice's message in general", not "expected [] to have length 1".
import type { Delivery, Probe } from '../../src/harness/check-api.js';

export class ExpectationFailed extends Error {
  override name = 'ExpectationFailed';
  /**
   * Set when this failure is a consequence of another: the name of the earlier expectation whose
   * failure makes this one fail (or impossible to verify). Reports state the cause once and list
   * the blocked expectations under it.
   */
  blockedBy?: string;
  /**
   * A diagnosis shared by several failures (e.g. "a routing rule fails to evaluate"): failures
   * with the same rootCause are reported once, under the first.
   */
  rootCause?: string;
  /**
   * What the failure is about (order ids, event ids): the timeline under it then shows the
   * messages that carry them, not merely the ones with the most trouble in its time.
   */
  about?: string[];
}

/** What a failure names, for the timeline drawn under it (see ExpectationFailed.about). */
export interface FailureSubject {
  about?: string[];
}

/** Fails the expectation with `message` unless `condition` holds. */
export function must(condition: unknown, message: string, subject: FailureSubject = {}): asserts condition {
  if (condition) return;
  const error = new ExpectationFailed(message);
  if (subject.about?.length) error.about = subject.about;
  throw error;
}

/**
 * Fails as a consequence of the earlier expectation `expectation` (named exactly as its test)
 * unless `condition` holds: `requires(order, 'an order posted to /orders is published', 'No
 * order arrived, so its type cannot be checked.')`.
 */
export function requires(condition: unknown, expectation: string, message: string): asserts condition {
  if (condition) return;
  const error = new ExpectationFailed(message);
  error.blockedBy = expectation;
  throw error;
}

/** Fails with `message`, attributing it to a diagnosis several expectations share. */
export function failWithCause(rootCause: string, message: string): never {
  const error = new ExpectationFailed(message);
  error.rootCause = rootCause;
  throw error;
}

/**
 * Waits (event-driven, on each delivery) until the probe's deliveries satisfy `predicate`;
 * otherwise fails with `message`.
 */
export async function deliveredWithin(
  probe: Probe,
  predicate: (deliveries: Delivery[]) => boolean,
  message: string,
  timeoutMs = 5000,
): Promise<Delivery[]> {
  const ok = await probe.waitUntil(predicate, timeoutMs);
  must(ok, message);
  return probe.deliveries;
}

/**
 * Polls `read` until `accept` holds on its result. For state that lives behind an HTTP API
 * (the learner's service or the state store), where there is no event to wait on.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  message: (last: T | undefined) => string,
  timeoutMs = 5000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch {
      // the service may be restarting; keep asking until the deadline
    }
    if (Date.now() >= deadline) throw new ExpectationFailed(message(last));
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Fetches JSON from a learner's service, with a readable failure. */
export async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await askService('GET', url, undefined, 3000);
  if (!res.ok) throw new ExpectationFailed(`GET ${new URL(url).pathname} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Posts JSON to a learner's service; returns status and body text. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await askService('POST', url, JSON.stringify(body), 5000);
  return { status: res.status, text: await res.text() };
}

/** One request to a learner's service; a service that does not answer in time, or at all, is said so. */
async function askService(method: 'GET' | 'POST', url: string, body: string | undefined, limitMs: number): Promise<Response> {
  const what = `${method} ${new URL(url).pathname}`;
  try {
    return await fetch(url, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
      signal: AbortSignal.timeout(limitMs),
    });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError') throw new ExpectationFailed(`${what} did not answer within ${limitMs / 1000} s.`);
    const code = ((error as { cause?: { code?: string } }).cause ?? {}).code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
      throw new ExpectationFailed(`${what}: the service ${code === 'ECONNREFUSED' ? 'no longer listens' : 'closed the connection without an answer'} (${code}).`);
    }
    throw error;
  }
}
