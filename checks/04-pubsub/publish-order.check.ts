// Grades exercises/04-pubsub/publish-order: the checkout service publishes each order it is given.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { deliveredWithin, must, postJson } from '../lib/expect.js';

const env = useExercise({
  probes: [{ appId: 'order-watcher', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }],
});

const order = { orderId: 'order-1001', customer: 'ada', total: 42.5 };

describe('publish-order', () => {
  test('an order posted to /orders is published to the orders topic', async () => {
    const answer = await postJson(`${env().app('checkout').appUrl}/orders`, order);
    must(answer.status < 300, `POST /orders answered ${answer.status}: ${answer.text}`);
    await deliveredWithin(
      env().probe('order-watcher'),
      (d) => d.some((x) => x.topic === 'orders'),
      'Nothing arrived on the `orders` topic of `pubsub` after POST /orders. Does publishOrder call client.pubsub.publish?',
    );
  });

  test('the order arrives as a JSON object, not a string', () => {
    const [delivery] = env().probe('order-watcher').on('orders');
    must(delivery, 'No order arrived, so its content cannot be checked.');
    must(
      delivery.event.datacontenttype === 'application/json' && typeof delivery.data === 'object',
      `The event's data arrived as ${delivery.event.datacontenttype} (${typeof delivery.data}). Publish the order object itself, not JSON.stringify(order).`,
    );
    must(
      (delivery.data as { orderId?: string }).orderId === order.orderId,
      `The event's data is ${JSON.stringify(delivery.data)}, not the order that was posted.`,
    );
  });

  test('its CloudEvent type is order.created', () => {
    const [delivery] = env().probe('order-watcher').on('orders');
    must(delivery, 'No order arrived, so its type cannot be checked.');
    must(
      delivery.event.type === 'order.created',
      `The CloudEvent type is \`${String(delivery.event.type)}\`. Set it with the publish metadata \`cloudevent.type\`.`,
    );
  });

  test('its CloudEvent id is the order id', () => {
    const [delivery] = env().probe('order-watcher').on('orders');
    must(delivery, 'No order arrived, so its id cannot be checked.');
    must(
      delivery.event.id === order.orderId,
      `The CloudEvent id is \`${String(delivery.event.id)}\`, not \`${order.orderId}\`. Set it with the publish metadata \`cloudevent.id\`.`,
    );
  });
});
