// payment-service: charges each order whose items were reserved, then says so on the `payments`
// topic: `payment.completed`, or `payment.failed` with the reason. Rejected orders are not its
// business: `inventory.rejected` takes the default route and is simply acknowledged.
import { createServer, onEvents, publishEvent } from './shop.js';

const CARD_LIMIT = 500;

const server = createServer('5103');

await onEvents(server, 'inventory', {
  'inventory.reserved': async ({ orderId, total = 0 }) => {
    if (total > CARD_LIMIT) {
      await publishEvent(server, 'payments', 'payment.failed', { orderId, reason: `${total} is over the card limit` });
      return;
    }
    await publishEvent(server, 'payments', 'payment.completed', { orderId, total });
  },
});

await server.start();
