// The orderId an event's data carries, whether daprd delivered it as an object or as JSON text
// (what a content-type mistake makes of it): reading the id is not where that mistake is reported.

/** `data.orderId`, also when `data` is JSON text; undefined when there is none. */
export function orderIdIn(data: unknown): unknown {
  if (typeof data === 'string') {
    try {
      return orderIdIn(JSON.parse(data));
    } catch {
      return undefined;
    }
  }
  return (data as { orderId?: unknown } | null)?.orderId;
}
