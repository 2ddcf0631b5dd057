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

async function schedule(event: SagaEvent): Promise<void> {
  const key = shipmentKey(event.orderId);
  const { value: done } = await load<Shipment>(client, key);
  if (done) return; // a redelivery: this order was already scheduled or failed
  const booked = await carrier.book(event);
  await save<Shipment>(client, key, { orderId: event.orderId, status: booked ? 'scheduled' : 'failed' });
  if (booked) await publish(client, TOPICS.shippingScheduled, event);
  else await publish(client, TOPICS.shippingFailed, { ...event, reason: `no carrier delivers to ${event.address}` });
}

await server.pubsub.subscribe(PUBSUB, TOPICS.paymentCharged, onEvent(schedule));

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
