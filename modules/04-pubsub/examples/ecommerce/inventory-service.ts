// inventory-service: reserves the items of each new order, then says so on the `inventory` topic:
// `inventory.reserved`, or `inventory.rejected` with the reason.
import { createServer, onEvents, publishEvent } from './shop.js';

// The stock, in memory to keep the example short (it starts over with the service).
const stock: Record<string, number> = { mug: 10, tshirt: 5, poster: 0 };

const server = createServer('5102');

await onEvents(server, 'orders', {
  'order.created': async ({ orderId, items = [], total }) => {
    const missing = items.find((item) => (stock[item.sku] ?? 0) < item.quantity);
    if (missing) {
      await publishEvent(server, 'inventory', 'inventory.rejected', { orderId, reason: `${missing.sku} is out of stock` });
      return;
    }
    for (const item of items) stock[item.sku] -= item.quantity;
    await publishEvent(server, 'inventory', 'inventory.reserved', { orderId, items, total });
  },
});

await server.start();
