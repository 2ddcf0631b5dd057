// The order processor: it subscribes to the `orders` topic and keeps the latest version of each
// order in the state store `statestore`, under its orderId, for other services to read.
//
// Try it by hand (with `dapr run -f .` running):
//   dapr publish --publish-app-id order-processor --pubsub pubsub --topic orders \
//     --data '{"orderId":"o-1","customer":"ada","total":10,"status":"placed"}'
//   curl localhost:3501/v1.0/state/statestore/o-1
import { DaprPubSubStatusEnum, DaprServer } from '@dapr/dapr';

interface Order {
  orderId: string;
  customer: string;
  total: number;
  status: string;
}

const server = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: process.env.APP_PORT ?? '5001',
  clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT ?? '3501' },
});

await server.pubsub.subscribe('pubsub', 'orders', async (order: Order) => {
  // Last write wins: a later event for the same orderId replaces the saved order.
  const result = await server.client.state.save('statestore', [{ key: order.orderId, value: order }]);
  if (result.error) {
    console.error(`could not save order ${order.orderId}: ${result.error.message}`);
    return DaprPubSubStatusEnum.RETRY;
  }
  return DaprPubSubStatusEnum.SUCCESS;
});

await server.start();
