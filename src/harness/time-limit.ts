// Time limits that fire whatever the garbage collector does. On Node 20, an `AbortSignal.timeout`
// that nothing but `AbortSignal.any` refers to can be collected before it fires: the composite
// holds its sources weakly and the timer holds its signal weakly, so the limit silently never
// comes. Here the timer's callback holds the controller, so the signal lives until it has fired.

/** Aborts after `ms` (with a TimeoutError, as `AbortSignal.timeout` does), or when a parent aborts. */
export function timeLimit(ms: number, ...parents: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  // unref: a pending limit never keeps the process alive on its own.
  setTimeout(() => controller.abort(new DOMException(`The limit of ${ms} ms passed`, 'TimeoutError')), ms).unref();
  return parents.length === 0 ? controller.signal : AbortSignal.any([controller.signal, ...parents]);
}
