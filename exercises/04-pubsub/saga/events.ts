// The saga's vocabulary, shared by the four services: the pubsub and state store names, the topics,
// and the event every topic carries. You do not need to change this file.
//
//   order      --order.created-->       inventory   reserves the stock
//   inventory  --stock.reserved-->      payment     charges the card
//   inventory  --stock.rejected-->      order       rejects the order (out of stock)
//   payment    --payment.charged-->     shipping    schedules the delivery
//   payment    --payment.declined-->    inventory   releases the stock;  order cancels
//   shipping   --shipping.scheduled-->  order       completes the order
//   shipping   --shipping.failed-->     payment     refunds;  inventory releases;  order cancels

export const PUBSUB = 'pubsub';
export const STATESTORE = 'statestore';

export const TOPICS = {
  orderCreated: 'order.created',
  stockReserved: 'stock.reserved',
  stockRejected: 'stock.rejected',
  paymentCharged: 'payment.charged',
  paymentDeclined: 'payment.declined',
  shippingScheduled: 'shipping.scheduled',
  shippingFailed: 'shipping.failed',
} as const;

/** What a customer ordered. */
export interface Order {
  orderId: string;
  sku: string;
  quantity: number;
  /** The price to charge. */
  amount: number;
  /** `declined-card` is always declined by payment. */
  paymentMethod: string;
  /** `nowhere` cannot be shipped to. */
  address: string;
}

/**
 * Every saga event carries the whole order, so each service has what it needs without asking
 * another one; `reason` says why a step failed. The order id is what makes a redelivered
 * event recognisable: handle each (topic, orderId) once.
 */
export interface SagaEvent extends Order {
  reason?: string;
}
