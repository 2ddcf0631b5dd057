// The payment service: it charges an order once its stock is reserved, and refunds it when the
// shipment fails.
//
//   GET /charges/:orderId -> { orderId, status, ledger: [{ kind: "charge" | "refund", amount }] }
import { PUBSUB, TOPICS, type SagaEvent } from './events.js';
import { createServer, load, onEvent, publish, route, save } from './service.js';

interface LedgerEntry {
  kind: 'charge' | 'refund';
  amount: number;
}
interface Payment {
  orderId: string;
  status: 'charged' | 'declined' | 'refunded';
  ledger: LedgerEntry[];
}

const server = createServer(6003);
const client = server.client;
const paymentKey = (orderId: string) => `payment-${orderId}`;

/** The card network (provided): the payment method `declined-card` is always declined. */
function cardAccepts(paymentMethod: string): boolean {
  return paymentMethod !== 'declined-card';
}

// ---- The saga (your part) ------------------------------------------------------------------

async function charge(event: SagaEvent): Promise<void> {
  const key = paymentKey(event.orderId);
  const { value: done, etag } = await load<Payment>(client, key);
  if (done) return; // a redelivery: this order was already charged or declined
  const accepted = cardAccepts(event.paymentMethod);
  const payment: Payment = accepted
    ? { orderId: event.orderId, status: 'charged', ledger: [{ kind: 'charge', amount: event.amount }] }
    : { orderId: event.orderId, status: 'declined', ledger: [] };
  // No ETag to pass for a key that does not exist yet: last write wins, and the saga brings each
  // order here once (a redelivery is caught above).
  await save(client, key, payment, etag);
  if (accepted) await publish(client, TOPICS.paymentCharged, event);
  else await publish(client, TOPICS.paymentDeclined, { ...event, reason: 'card declined' });
}

/** Compensation: refunds a charged order, once. */
async function refund(event: SagaEvent): Promise<void> {
  for (;;) {
    const { value: payment, etag } = await load<Payment>(client, paymentKey(event.orderId));
    if (payment?.status !== 'charged') return; // nothing charged, or already refunded
    const charged = payment.ledger.filter((e) => e.kind === 'charge').reduce((sum, e) => sum + e.amount, 0);
    const refunded: Payment = { ...payment, status: 'refunded', ledger: [...payment.ledger, { kind: 'refund', amount: charged }] };
    if (await save(client, paymentKey(event.orderId), refunded, etag)) return;
  }
}

await server.pubsub.subscribe(PUBSUB, TOPICS.stockReserved, onEvent(charge));
await server.pubsub.subscribe(PUBSUB, TOPICS.shippingFailed, onEvent(refund));

// ---- The HTTP API (provided) ---------------------------------------------------------------

route(server, 'get', '/charges/:orderId', async ({ orderId }) => {
  const { value } = await load<Payment>(client, paymentKey(orderId!));
  return { status: 200, body: value ?? { orderId, ledger: [] } };
});

await server.start();
