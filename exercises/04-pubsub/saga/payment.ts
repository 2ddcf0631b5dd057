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

// TODO: charge each order whose stock is reserved, and refund it when its shipment fails.
//   Subscribe with `await server.pubsub.subscribe(PUBSUB, topic, onEvent(handler))`, before
//   `server.start()`. What payment remembers about an order is the `Payment` record at
//   `paymentKey(orderId)` (read and write it with `load` and `save`).
//
//   TOPICS.stockReserved: charge the order with `await cardNetwork.charge(event)`. If it was
//     accepted, save a payment with status 'charged' and publish TOPICS.paymentCharged (with
//     `publish(client, topic, event)`); if it was declined, save it as 'declined' and publish
//     TOPICS.paymentDeclined with reason 'card declined'.
//   TOPICS.shippingFailed (compensation): refund a 'charged' order with
//     `await cardNetwork.refund(orderId, amount)`, and save its status as 'refunded'.
//
//   Events can be delivered twice, and payment can be restarted in between: the card network
//   moves money on every call, so look at the saved Payment first and charge an order once,
//   refund it once. Anything kept only in memory is gone after a restart.

// ---- The HTTP API (provided) ---------------------------------------------------------------

route(server, 'get', '/charges/:orderId', async ({ orderId }) => {
  const [{ value: payment }, { value: ledger }] = await Promise.all([
    load<Payment>(client, paymentKey(orderId!)),
    load<LedgerEntry[]>(client, ledgerKey(orderId!)),
  ]);
  return { status: 200, body: { orderId, status: payment?.status, ledger: ledger ?? [] } };
});

await server.start();
