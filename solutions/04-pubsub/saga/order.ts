// The order service: it takes orders, starts the saga, and follows each order to its end.
//
//   POST /orders { sku, quantity, amount, paymentMethod, address } -> 201 { orderId }
//   GET  /orders/:id -> the order with its status: pending | completed | cancelled | rejected
import { randomUUID } from 'node:crypto';
import { PUBSUB, TOPICS, type Order, type SagaEvent } from './events.js';
import { createServer, load, onEvent, publish, route, save } from './service.js';

type Status = 'pending' | 'completed' | 'cancelled' | 'rejected';
interface OrderRecord extends Order {
  status: Status;
  reason?: string;
}

const server = createServer(6001);
const client = server.client;
const orderKey = (orderId: string) => `order-${orderId}`;

// ---- The saga (your part) ------------------------------------------------------------------

async function startSaga(order: Order): Promise<void> {
  await publish(client, TOPICS.orderCreated, order);
}

/** Moves a pending order to its final status; an order that already ended stays as it is. */
function finishOrder(status: Status) {
  return async (event: SagaEvent): Promise<void> => {
    for (;;) {
      const { value: order, etag } = await load<OrderRecord>(client, orderKey(event.orderId));
      if (!order) throw new Error(`order ${event.orderId} is not known (yet)`);
      if (order.status !== 'pending') return; // a redelivery, or a late event: it already ended
      const finished: OrderRecord = { ...order, status, ...(event.reason ? { reason: event.reason } : {}) };
      if (await save(client, orderKey(order.orderId), finished, etag)) return;
      // another event changed the order in between: read it again
    }
  };
}

await server.pubsub.subscribe(PUBSUB, TOPICS.shippingScheduled, onEvent(finishOrder('completed')));
await server.pubsub.subscribe(PUBSUB, TOPICS.stockRejected, onEvent(finishOrder('rejected')));
await server.pubsub.subscribe(PUBSUB, TOPICS.paymentDeclined, onEvent(finishOrder('cancelled')));
await server.pubsub.subscribe(PUBSUB, TOPICS.shippingFailed, onEvent(finishOrder('cancelled')));

// ---- The HTTP API (provided) ---------------------------------------------------------------

route(server, 'post', '/orders', async (_params, body) => {
  const input = (body ?? {}) as Partial<Order>;
  const order: Order = {
    orderId: randomUUID(),
    sku: String(input.sku ?? ''),
    quantity: Number(input.quantity ?? 1),
    amount: Number(input.amount ?? 10),
    paymentMethod: String(input.paymentMethod ?? 'card'),
    address: String(input.address ?? '1 Main Street'),
  };
  if (!order.sku || !Number.isInteger(order.quantity) || order.quantity < 1 || !(order.amount > 0)) {
    return { status: 400, body: { error: 'send { "sku": "...", "quantity": 1, "amount": 10, "paymentMethod": "card", "address": "..." }' } };
  }
  await save<OrderRecord>(client, orderKey(order.orderId), { ...order, status: 'pending' });
  await startSaga(order);
  return { status: 201, body: { orderId: order.orderId } };
});

route(server, 'get', '/orders/:id', async ({ id }) => {
  const { value } = await load<OrderRecord>(client, orderKey(id!));
  return value ? { status: 200, body: value } : { status: 404, body: { error: `no order ${id}` } };
});

await server.start();
