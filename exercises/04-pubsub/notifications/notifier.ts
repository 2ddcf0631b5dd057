// The notification service: it reads events from the `notifications` topic and sends each one on
// the channels its routing rules pick. The senders and stores are in channels.ts (provided).
import { CommunicationProtocolEnum, DaprPubSubStatusEnum, DaprServer } from '@dapr/dapr';
import { attachChannels, channels, deadLetters, parseNotification, unrouted, type ChannelName } from './channels.js';

const PUBSUB = 'pubsub';
const TOPIC = 'notifications';
const DEAD_LETTER_TOPIC = 'notifications-dlq';

const server = new DaprServer({
  serverHost: '127.0.0.1',
  serverPort: process.env.APP_PORT ?? '5030',
  communicationProtocol: CommunicationProtocolEnum.HTTP,
  clientOptions: { daprHost: '127.0.0.1', daprPort: process.env.DAPR_HTTP_PORT ?? '3530' },
});

// Provided: records every delivery and serves GET /sent, /attempts, /unrouted, /dead-letters,
// /deliveries. Keep it first, before any subscription.
attachChannels(server);

// TODO: subscribe to TOPIC on PUBSUB with routing rules (server.pubsub.subscribeWithOptions,
// `route: { rules, default }`). First matching rule wins, so put them in this order:
//   data.priority is "high"   -> every channel: email, sms, push
//   type user.registered      -> email
//   type order.confirmed      -> email, push
//   type payment.failed       -> email, sms
//   type shipment.delayed     -> push
//   anything else (default)   -> no channel: record it with `unrouted.record(data)`
// Set the subscription's `deadLetterTopic` to DEAD_LETTER_TOPIC.

// TODO: a handler per route (server.pubsub.subscribeToRoute). Each one:
//   - answers DROP when `parseNotification(data)` says the event is malformed;
//   - skips the channels listed in the event's `optOut`;
//   - sends on the others with `await channels[name].send(notification)`;
//   - answers RETRY when a send throws (a thrown error would be answered SUCCESS by the SDK,
//     and the event lost), SUCCESS otherwise.

// TODO: the dead-letter consumer: subscribe to DEAD_LETTER_TOPIC and `deadLetters.record(data)`.

await server.start();
