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
  // TODO: start the saga: announce the order on TOPICS.orderCreated, so that inventory reserves
  //   its stock. `publish(client, topic, event)` publishes as JSON and throws if the sidecar refuses.
  void order;
}

// TODO: follow each order to its end. Subscribe to the events that end a saga and set the order's
//   status, with `await server.pubsub.subscribe(PUBSUB, topic, onEvent(handler))` (register them
//   before `server.start()`):
//     TOPICS.shippingScheduled -> 'completed'
//     TOPICS.stockRejected     -> 'rejected'   (out of stock: nothing was charged)
//     TOPICS.paymentDeclined   -> 'cancelled'
//     TOPICS.shippingFailed    -> 'cancelled'
//   Keep the event's `reason` on the order. Read and write the order with `load` and `save`
//   (key `orderKey(orderId)`). An event can be delivered twice: only a `pending` order may change.

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
