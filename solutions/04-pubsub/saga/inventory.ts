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

async function reserveStock(event: SagaEvent): Promise<void> {
  for (;;) {
    const { value: stock, etag } = await load<Stock>(client, stockKey(event.sku));
    const done = stock?.reservations[event.orderId];
    if (done) return; // a redelivery: this order was already decided
    if (!stock || stock.available < event.quantity) {
      if (stock) {
        stock.reservations[event.orderId] = { quantity: event.quantity, state: 'rejected' };
        if (!(await save(client, stockKey(event.sku), stock, etag))) continue;
      }
      await publish(client, TOPICS.stockRejected, { ...event, reason: 'out of stock' });
      return;
    }
    stock.available -= event.quantity;
    stock.reservations[event.orderId] = { quantity: event.quantity, state: 'reserved' };
    // With the ETag, the write fails if another order took stock since we read it: read again.
    if (!(await save(client, stockKey(event.sku), stock, etag))) continue;
    await publish(client, TOPICS.stockReserved, event);
    return;
  }
}

/** Compensation: puts a reserved quantity back, once. */
async function releaseStock(event: SagaEvent): Promise<void> {
  for (;;) {
    const { value: stock, etag } = await load<Stock>(client, stockKey(event.sku));
    const reservation = stock?.reservations[event.orderId];
    if (!stock || reservation?.state !== 'reserved') return; // nothing held, or already released
    stock.available += reservation.quantity;
    stock.reservations[event.orderId] = { ...reservation, state: 'released' };
    if (await save(client, stockKey(event.sku), stock, etag)) return;
  }
}

await server.pubsub.subscribe(PUBSUB, TOPICS.orderCreated, onEvent(reserveStock));
await server.pubsub.subscribe(PUBSUB, TOPICS.paymentDeclined, onEvent(releaseStock));
await server.pubsub.subscribe(PUBSUB, TOPICS.shippingFailed, onEvent(releaseStock));

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
