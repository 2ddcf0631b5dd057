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

// TODO: subscribe to the topic `orders` of the pubsub component `pubsub`. Subscribe before
//   start(): daprd asks the app for its subscriptions once, when it finds it.
// TODO: for each order, save it in `statestore` under the key `order.orderId` with
//   server.client.state.save. A later event for the same orderId replaces the saved order.
// TODO: state.save returns `{ error }` instead of throwing. If the save failed, return
//   DaprPubSubStatusEnum.RETRY (a handler that throws gets its message acknowledged, and lost);
//   otherwise DaprPubSubStatusEnum.SUCCESS.

await server.start();
