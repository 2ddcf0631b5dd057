// order-service: takes orders on POST /orders, keeps each one in the state store `statestore`, and
// announces it on the `orders` topic of `pubsub`, so that shipping and billing can react.
//
// Try it by hand (with `dapr run -f .` or `npx course run order-outbox` running):
//   curl -X POST localhost:5001/orders -H 'content-type: application/json' \
//     -d '{"orderId":"o-1","customer":"ada","total":42,"card":"4242 4242 4242 4242"}'
//   curl localhost:5001/orders/o-1      # what was saved
//   curl localhost:5002/events          # what arrived on `orders`
import type { DaprClient } from '@dapr/dapr';
import { STATESTORE, startOrderService, type Order } from './service.js';

// One write: a state transaction. The sidecar saves the order and, through the outbox turned on
// in resources/statestore.yaml, publishes the transaction's upsert to `orders` afterwards, even if
// this process dies the moment the transaction returns. The second upsert is a projection: it
// says what to publish instead of the saved value (the order without its card, as JSON) and is
// itself not saved. A transaction that fails throws.
async function placeOrder(client: DaprClient, order: Order): Promise<void> {
  const { card: _card, ...announcement } = order;
  await client.state.transaction(STATESTORE, [
    { operation: 'upsert', request: { key: order.orderId, value: order } },
    {
      operation: 'upsert',
      request: {
        key: order.orderId,
        value: announcement,
        metadata: { 'outbox.projection': 'true', contentType: 'application/json' },
      },
    },
  ]);
}

await startOrderService(placeOrder);
