// The shipping service: it schedules the delivery of each paid order.
//
//   GET /shipments/:orderId -> { orderId, address, status: "scheduled" | "failed" }
import { PUBSUB, TOPICS, type SagaEvent } from './events.js';
import { createServer, load, onEvent, publish, route, save } from './service.js';

interface Shipment {
  orderId: string;
  address: string;
  status: 'scheduled' | 'failed';
}

const server = createServer(6004);
const client = server.client;
const shipmentKey = (orderId: string) => `shipment-${orderId}`;

/** The carrier (provided): it delivers anywhere but to the address `nowhere`. */
function carrierDelivers(address: string): boolean {
  return address !== 'nowhere';
}

// ---- The saga (your part) ------------------------------------------------------------------

// TODO: schedule the delivery of each paid order.
//   Subscribe with `await server.pubsub.subscribe(PUBSUB, topic, onEvent(handler))`, before
//   `server.start()`. An order's shipment is the `Shipment` record at `shipmentKey(orderId)`.
//
//   TOPICS.paymentCharged: if `carrierDelivers(event.address)`, save the shipment as 'scheduled'
//     and publish TOPICS.shippingScheduled (with `publish(client, topic, event)`). Otherwise save
//     it as 'failed' and publish TOPICS.shippingFailed with a `reason`: payment, inventory and
//     order compensate from there.
//
//   Events can be delivered twice: a shipment that exists was already decided.

// ---- The HTTP API (provided) ---------------------------------------------------------------

route(server, 'get', '/shipments/:orderId', async ({ orderId }) => {
  const { value } = await load<Shipment>(client, shipmentKey(orderId!));
  return value ? { status: 200, body: value } : { status: 404, body: { error: `no shipment for ${orderId}` } };
});

await server.start();
