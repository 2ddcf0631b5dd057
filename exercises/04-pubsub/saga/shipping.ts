// The shipping service: it books the delivery of each paid order with the carrier.
//
//   GET /shipments/:orderId -> { orderId, status: "scheduled" | "failed", bookings: [{ address }] }
//     `status` is what shipping saved for the order; `bookings` is what the carrier really booked.
import { PUBSUB, TOPICS, type Order, type SagaEvent } from './events.js';
import { append, createServer, load, onEvent, publish, route, save } from './service.js';

/** What shipping remembers about an order. */
interface Shipment {
  orderId: string;
  status: 'scheduled' | 'failed';
}
interface Booking {
  address: string;
}

const server = createServer(6004);
const client = server.client;
const shipmentKey = (orderId: string) => `shipment-${orderId}`;
const bookingsKey = (orderId: string) => `carrier-${orderId}`;

/**
 * The carrier (provided; it stands for a real delivery company). Every successful call books a
 * van: call it twice for an order and two vans come.
 */
const carrier = {
  /** Books the delivery. No carrier delivers to the address `nowhere`: false, nothing booked. */
  async book(order: Order): Promise<boolean> {
    if (order.address === 'nowhere') return false;
    await append<Booking>(client, bookingsKey(order.orderId), { address: order.address });
    return true;
  },
};

// ---- The saga (your part) ------------------------------------------------------------------

// TODO: book the delivery of each paid order.
//   Subscribe with `await server.pubsub.subscribe(PUBSUB, topic, onEvent(handler))`, before
//   `server.start()`. What shipping remembers about an order is the `Shipment` record at
//   `shipmentKey(orderId)` (read and write it with `load` and `save`).
//
//   TOPICS.paymentCharged: book it with `await carrier.book(event)`. If it was booked, save the
//     shipment as 'scheduled' and publish TOPICS.shippingScheduled (with
//     `publish(client, topic, event)`); if not, save it as 'failed' and publish
//     TOPICS.shippingFailed with a `reason`: payment, inventory and order compensate from there.
//
//   Events can be delivered twice: the carrier books a van on every call, so look at the saved
//   Shipment first and book each order once.

// ---- The HTTP API (provided) ---------------------------------------------------------------

route(server, 'get', '/shipments/:orderId', async ({ orderId }) => {
  const [{ value: shipment }, { value: bookings }] = await Promise.all([
    load<Shipment>(client, shipmentKey(orderId!)),
    load<Booking[]>(client, bookingsKey(orderId!)),
  ]);
  if (!shipment && !bookings) return { status: 404, body: { error: `no shipment for ${orderId}` } };
  return { status: 200, body: { orderId, status: shipment?.status, bookings: bookings ?? [] } };
});

await server.start();
