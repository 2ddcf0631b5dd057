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

// Which channels each route sends on. The rules below pick the route; first match wins.
const ROUTES: Record<string, ChannelName[]> = {
  urgent: ['email', 'sms', 'push'],
  'user-registered': ['email'],
  'order-confirmed': ['email', 'push'],
  'payment-failed': ['email', 'sms'],
  'shipment-delayed': ['push'],
};

await server.pubsub.subscribeWithOptions(PUBSUB, TOPIC, {
  route: {
    rules: [
      // Most events have no `priority`: without has() the rule errors instead of being false.
      { match: 'has(event.data.priority) && event.data.priority == "high"', path: 'urgent' },
      { match: 'event.type == "user.registered"', path: 'user-registered' },
      { match: 'event.type == "order.confirmed"', path: 'order-confirmed' },
      { match: 'event.type == "payment.failed"', path: 'payment-failed' },
      { match: 'event.type == "shipment.delayed"', path: 'shipment-delayed' },
    ],
    default: 'unrouted',
  },
  deadLetterTopic: DEAD_LETTER_TOPIC,
});

for (const [route, wanted] of Object.entries(ROUTES)) {
  server.pubsub.subscribeToRoute(PUBSUB, TOPIC, route, async (data: unknown) => {
    const notification = parseNotification(data);
    // Malformed: no retry can fix it. DROP sends it straight to the dead-letter topic.
    if (!notification) return DaprPubSubStatusEnum.DROP;
    const to = wanted.filter((channel) => !notification.optOut?.includes(channel));
    try {
      // Channels skip an event they already sent, so retrying the whole event is safe.
      for (const channel of to) await channels[channel].send(notification);
      return DaprPubSubStatusEnum.SUCCESS;
    } catch (error) {
      console.warn(`sending ${notification.id} failed, asking for a retry: ${String(error)}`);
      // Not `throw`: the SDK would answer SUCCESS and the event would be lost.
      return DaprPubSubStatusEnum.RETRY;
    }
  });
}

server.pubsub.subscribeToRoute(PUBSUB, TOPIC, 'unrouted', async (data: unknown) => {
  unrouted.record(data);
  return DaprPubSubStatusEnum.SUCCESS;
});

// The dead-letter topic is an ordinary topic: subscribe to it (the SDK's deadLetterCallback never runs).
await server.pubsub.subscribe(PUBSUB, DEAD_LETTER_TOPIC, async (data: unknown) => {
  deadLetters.record(data);
  return DaprPubSubStatusEnum.SUCCESS;
});

await server.start();
