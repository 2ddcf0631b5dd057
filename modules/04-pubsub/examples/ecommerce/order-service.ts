// order-service: takes orders over HTTP, keeps them in the state store, and announces each one
// with `order.created`. It learns how an order ended from the other services' events.
//
//   POST /orders      {"items":[{"sku":"mug","quantity":2}],"total":24}  ->  201 the order
//   GET  /orders/:id  the order and its status: pending, completed, rejected or payment-failed
import { randomUUID } from 'node:crypto';
import { api, createServer, onEvents, publishEvent, STATESTORE, type Item } from './shop.js';

interface Order {
  orderId: string;
  items: Item[];
  total: number;
  status: 'pending' | 'completed' | 'rejected' | 'payment-failed';
}

const server = createServer('5101');

async function saveOrder(order: Order): Promise<void> {
  const { error } = await server.client.state.save(STATESTORE, [{ key: order.orderId, value: order }]);
  if (error) throw new Error(`saving order ${order.orderId} failed: ${error.message}`);
}

async function loadOrder(orderId: string): Promise<Order | undefined> {
  // A missing key reads as "".
  return ((await server.client.state.get(STATESTORE, orderId)) || undefined) as Order | undefined;
}

api(server).post('/orders', async (req, res) => {
  const { items = [], total = 0 } = req.body as Partial<Order>;
  const order: Order = { orderId: randomUUID(), items, total, status: 'pending' };
  await saveOrder(order);
  // The rest of the flow reacts to this event; nothing here waits for it.
  await publishEvent(server, 'orders', 'order.created', { orderId: order.orderId, items, total });
  res.status(201).json(order);
});

api(server).get('/orders/:id', async (req, res) => {
  const order = await loadOrder(req.params.id);
  if (order) res.json(order);
  else res.status(404).json({ error: `no order ${req.params.id}` });
});

// Each order ends with exactly one of these events, so they never overwrite one another.
async function setStatus(orderId: string, status: Order['status']): Promise<void> {
  const order = await loadOrder(orderId);
  if (!order) throw new Error(`no order ${orderId}`);
  await saveOrder({ ...order, status });
  console.log(`order ${orderId} is ${status}`);
}

await onEvents(server, 'inventory', {
  'inventory.rejected': (e) => setStatus(e.orderId, 'rejected'),
});
await onEvents(server, 'payments', {
  'payment.completed': (e) => setStatus(e.orderId, 'completed'),
  'payment.failed': (e) => setStatus(e.orderId, 'payment-failed'),
});

await server.start();
