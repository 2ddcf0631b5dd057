// The payment service: it charges an order once its stock is reserved, and refunds it when the
// shipment fails.
//
//   GET /charges/:orderId -> { orderId, status, ledger: [{ kind: "charge" | "refund", amount }] }
//     `status` is what payment saved for the order; `ledger` is what the card network really did.
import { PUBSUB, TOPICS, type Order, type SagaEvent } from './events.js';
import { append, createServer, load, onEvent, publish, route, save } from './service.js';

/** What payment remembers about an order. */
interface Payment {
  orderId: string;
  status: 'charged' | 'declined' | 'refunded';
  amount: number;
}
interface LedgerEntry {
  kind: 'charge' | 'refund';
  amount: number;
}

const server = createServer(6003);
const client = server.client;
const paymentKey = (orderId: string) => `payment-${orderId}`;
const ledgerKey = (orderId: string) => `card-network-${orderId}`;

/**
 * The card network (provided; it stands for a real payment provider). Every call moves money:
 * call `charge` twice for an order and the customer pays twice.
 */
const cardNetwork = {
  /** Charges the order's amount. The card `declined-card` is declined: false, nothing charged. */
  async charge(order: Order): Promise<boolean> {
    if (order.paymentMethod === 'declined-card') return false;
    await append<LedgerEntry>(client, ledgerKey(order.orderId), { kind: 'charge', amount: order.amount });
    return true;
  },
  /** Gives `amount` back to the customer. */
  async refund(orderId: string, amount: number): Promise<void> {
    await append<LedgerEntry>(client, ledgerKey(orderId), { kind: 'refund', amount });
  },
};

// ---- The saga (your part) ------------------------------------------------------------------

async function charge(event: SagaEvent): Promise<void> {
  const key = paymentKey(event.orderId);
  const { value: done } = await load<Payment>(client, key);
  if (done) return; // a redelivery: this order was already charged or declined
  const accepted = await cardNetwork.charge(event);
  // A crash right here, between charging and saving, would charge again on the redelivery:
  // real providers take an idempotency key for that. It is beyond this exercise.
  await save<Payment>(client, key, { orderId: event.orderId, status: accepted ? 'charged' : 'declined', amount: event.amount });
  if (accepted) await publish(client, TOPICS.paymentCharged, event);
  else await publish(client, TOPICS.paymentDeclined, { ...event, reason: 'card declined' });
}

/** Compensation: refunds a charged order, once. */
async function refund(event: SagaEvent): Promise<void> {
  const key = paymentKey(event.orderId);
  const { value: payment } = await load<Payment>(client, key);
  if (payment?.status !== 'charged') return; // nothing charged, or already refunded
  await cardNetwork.refund(event.orderId, payment.amount);
  await save<Payment>(client, key, { ...payment, status: 'refunded' });
}

await server.pubsub.subscribe(PUBSUB, TOPICS.stockReserved, onEvent(charge));
await server.pubsub.subscribe(PUBSUB, TOPICS.shippingFailed, onEvent(refund));

// ---- The HTTP API (provided) ---------------------------------------------------------------

route(server, 'get', '/charges/:orderId', async ({ orderId }) => {
  const [{ value: payment }, { value: ledger }] = await Promise.all([
    load<Payment>(client, paymentKey(orderId!)),
    load<LedgerEntry[]>(client, ledgerKey(orderId!)),
  ]);
  return { status: 200, body: { orderId, status: payment?.status, ledger: ledger ?? [] } };
});

await server.start();
