// notification-service: tells the customer about every step, from all three topics. Being an
// app-id of its own, it gets its own copy of each event without slowing the others down.
//
//   GET /notifications  every notification sent so far, oldest first
import { api, createServer, onEvents, type OrderEvent } from './shop.js';

interface Notification {
  orderId: string;
  type: string;
  text: string;
}

const sent: Notification[] = [];

const server = createServer('5104');

/** A handler that sends the text `write` makes from the event (here: logs and records it). */
function notify(write: (e: OrderEvent) => string) {
  return async (event: OrderEvent, type: string) => {
    const note = { orderId: event.orderId, type, text: write(event) };
    console.log(`to the customer of order ${note.orderId}: ${note.text}`);
    sent.push(note);
  };
}

await onEvents(server, 'orders', {
  'order.created': notify(() => 'Thank you, we have your order.'),
});
await onEvents(server, 'inventory', {
  'inventory.reserved': notify(() => 'Your items are set aside for you.'),
  'inventory.rejected': notify((e) => `Sorry, we cannot fill your order: ${e.reason}.`),
});
await onEvents(server, 'payments', {
  'payment.completed': notify((e) => `Payment of ${e.total} received. Your order is on its way.`),
  'payment.failed': notify((e) => `Your payment did not go through: ${e.reason}.`),
});

api(server).get('/notifications', async (_req, res) => res.json(sent));

await server.start();
