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

async function schedule(event: SagaEvent): Promise<void> {
  const key = shipmentKey(event.orderId);
  const { value: done } = await load<Shipment>(client, key);
  if (done) return; // a redelivery: this order was already scheduled or failed
  const delivers = carrierDelivers(event.address);
  await save<Shipment>(client, key, { orderId: event.orderId, address: event.address, status: delivers ? 'scheduled' : 'failed' });
  if (delivers) await publish(client, TOPICS.shippingScheduled, event);
  else await publish(client, TOPICS.shippingFailed, { ...event, reason: `no carrier delivers to ${event.address}` });
}

await server.pubsub.subscribe(PUBSUB, TOPICS.paymentCharged, onEvent(schedule));

// ---- The HTTP API (provided) ---------------------------------------------------------------

route(server, 'get', '/shipments/:orderId', async ({ orderId }) => {
  const { value } = await load<Shipment>(client, shipmentKey(orderId!));
  return value ? { status: 200, body: value } : { status: 404, body: { error: `no shipment for ${orderId}` } };
});

await server.start();
