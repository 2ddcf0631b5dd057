// Grades exercises/04-pubsub/rabbitmq-swap: the same subscriber, unchanged, receives orders through
// RabbitMQ once resources/pubsub.yaml says pubsub.rabbitmq. The broker is the machine's own RabbitMQ,
// shared by every run: this run publishes to a topic of its own (the subscriber reads ORDERS_TOPIC),
// so its queue and exchange are new and nothing from another run can reach it.
import { randomUUID } from 'node:crypto';
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { eventually, getJson, must } from '../lib/expect.js';
import { describeComponents } from '../lib/metadata.js';
import { useRabbitMQ } from '../lib/rabbitmq.js';

const topic = `orders-${randomUUID().slice(0, 8)}`;

useRabbitMQ();
const env = useExercise({
  // A sidecar with no app: the check publishes through it, as another service would.
  probes: [{ appId: 'order-source' }],
  env: { ORDERS_TOPIC: topic },
});

const orders = [1, 2, 3].map((n) => ({ orderId: `rmq-${n}`, total: 10 * n }));

describe('rabbitmq-swap', () => {
  test('the pubsub component is pubsub.rabbitmq', async () => {
    const components = await env().components('order-subscriber');
    const pubsub = components.find((c) => c.name === 'pubsub');
    must(
      pubsub,
      `The subscriber's sidecar has no component named \`pubsub\` (its /v1.0/metadata lists: ${describeComponents(components)}). ` +
        'The subscriber uses that name: keep `metadata.name: pubsub`.',
    );
    must(
      pubsub.type === 'pubsub.rabbitmq',
      `The component \`pubsub\` is still \`${pubsub.type}\`. Set \`spec.type: pubsub.rabbitmq\` and replace its metadata with ` +
        '`connectionString: amqp://guest:guest@localhost:5672`.',
    );
  });

  test('orders published to pubsub reach the subscriber, each once', async () => {
    for (const order of orders) await env().publish('order-source', 'pubsub', topic, order);
    const ids = (list: { orderId?: string }[] | undefined) => (list ?? []).map((o) => o.orderId);
    const received = await eventually(
      () => getJson<{ orderId?: string }[]>(`${env().app('order-subscriber').appUrl}/received`),
      (list) => orders.every((o) => ids(list).includes(o.orderId)),
      (list) =>
        `The subscriber received ${JSON.stringify(ids(list))} of the orders ${JSON.stringify(ids(orders))} published to ` +
        `\`${topic}\` (GET /received). Is the component's connectionString amqp://guest:guest@localhost:5672?`,
    );
    must(
      received.length === orders.length,
      `The subscriber received ${received.length} orders for the ${orders.length} published: ${JSON.stringify(ids(received))}.`,
    );
  });
});
