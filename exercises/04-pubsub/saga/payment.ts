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

// TODO: charge each order whose stock is reserved, and refund it when its shipment fails.
//   Subscribe with `await server.pubsub.subscribe(PUBSUB, topic, onEvent(handler))`, before
//   `server.start()`. An order's payment is the `Payment` record at `paymentKey(orderId)`.
//
//   TOPICS.stockReserved: if `cardAccepts(event.paymentMethod)`, save a payment with status
//     'charged' and one ledger entry { kind: 'charge', amount: event.amount }, then publish
//     TOPICS.paymentCharged (with `publish(client, topic, event)`). Otherwise save it with status
//     'declined' and an empty ledger, and publish TOPICS.paymentDeclined with reason 'card declined'.
//   TOPICS.shippingFailed (compensation): add { kind: 'refund', amount } for what was charged, and
//     set the status to 'refunded'.
//
//   Events can be delivered twice: charge an order once and refund it once, whatever arrives.

// ---- The HTTP API (provided) ---------------------------------------------------------------

route(server, 'get', '/charges/:orderId', async ({ orderId }) => {
  const { value } = await load<Payment>(client, paymentKey(orderId!));
  return { status: 200, body: value ?? { orderId, ledger: [] } };
});

await server.start();
