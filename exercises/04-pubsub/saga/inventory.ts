// The inventory service: it holds the stock of each sku and reserves it for orders.
//
//   POST /stock { sku, available } -> sets how many units of a sku are available
//   GET  /stock/:sku               -> { sku, available, reservations }
import { PUBSUB, TOPICS, type SagaEvent } from './events.js';
import { createServer, load, onEvent, publish, route, save } from './service.js';

/** What inventory did for one order: `rejected` orders reserved nothing. */
interface Reservation {
  quantity: number;
  state: 'reserved' | 'released' | 'rejected';
}
interface Stock {
  sku: string;
  available: number;
  /** By order id. */
  reservations: Record<string, Reservation>;
}

const server = createServer(6002);
const client = server.client;
const stockKey = (sku: string) => `stock-${sku}`;

// ---- The saga (your part) ------------------------------------------------------------------

// TODO: reserve stock for each new order, and give it back when the saga fails further on.
//   Subscribe with `await server.pubsub.subscribe(PUBSUB, topic, onEvent(handler))`, before
//   `server.start()`. The stock of a sku is the `Stock` record at `stockKey(sku)`.
//
//   TOPICS.orderCreated: if `available` covers the order's quantity, take it off `available`,
//     record the reservation in `reservations[orderId]` and publish TOPICS.stockReserved (with
//     `publish(client, topic, event)`). If it does not, reserve nothing and publish
//     TOPICS.stockRejected with reason 'out of stock'.
//   TOPICS.paymentDeclined and TOPICS.shippingFailed (compensations): put the order's reserved
//     quantity back into `available`, and mark the reservation released.
//
//   Events can be delivered twice: `reservations[orderId]` says what was already done for an
//   order, so a redelivered event changes nothing. And two orders can race for the last unit:
//   `load` gives you the record's ETag; `save(client, key, value, etag)` writes only if nobody
//   changed the record since, and returns false otherwise; then load it again and decide again.

// ---- The HTTP API (provided) ---------------------------------------------------------------

route(server, 'post', '/stock', async (_params, body) => {
  const { sku, available } = (body ?? {}) as { sku?: unknown; available?: unknown };
  if (typeof sku !== 'string' || !sku || !Number.isInteger(available) || (available as number) < 0) {
    return { status: 400, body: { error: 'send { "sku": "...", "available": 5 }' } };
  }
  const { value, etag } = await load<Stock>(client, stockKey(sku));
  const stock: Stock = { sku, reservations: {}, ...value, available: available as number };
  if (!(await save(client, stockKey(sku), stock, etag))) {
    return { status: 409, body: { error: 'the stock changed while it was being set: try again' } };
  }
  return { status: 200, body: stock };
});

route(server, 'get', '/stock/:sku', async ({ sku }) => {
  const { value } = await load<Stock>(client, stockKey(sku!));
  return value ? { status: 200, body: value } : { status: 404, body: { error: `no stock of ${sku}` } };
});

await server.start();
