// order-service: takes orders on POST /orders, keeps each one in the state store `statestore`, and
// announces it on the `orders` topic of `pubsub`, so that shipping and billing can react.
//
// Try it by hand (with `dapr run -f .` or `npx course run order-outbox` running):
//   curl -X POST localhost:5001/orders -H 'content-type: application/json' \
//     -d '{"orderId":"o-1","customer":"ada","total":42,"card":"4242 4242 4242 4242"}'
//   curl localhost:5001/orders/o-1      # what was saved
//   curl localhost:5002/events          # what arrived on `orders`
import type { DaprClient } from '@dapr/dapr';
import { PUBSUB, STATESTORE, TOPIC, startOrderService, type Order } from './service.js';

// TODO: placeOrder writes twice: it saves the order, then publishes it. If the service dies
//   between the two writes, the order is saved and never announced; nothing tells anyone. Make
//   it a single write: one state transaction, which the sidecar publishes for you through the
//   outbox once you turn it on in resources/statestore.yaml. Then publish nothing yourself.
// TODO: subscribers must still receive the order as a JSON object, without its `card`.
async function placeOrder(client: DaprClient, order: Order): Promise<void> {
  const saved = await client.state.save(STATESTORE, [{ key: order.orderId, value: order }]);
  if (saved.error) throw saved.error;
  const { card: _card, ...announcement } = order;
  const published = await client.pubsub.publish(PUBSUB, TOPIC, announcement);
  if (published.error) throw published.error;
}

await startOrderService(placeOrder);
