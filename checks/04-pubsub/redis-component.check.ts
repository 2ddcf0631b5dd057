// Grades exercises/04-pubsub/redis-component: the learner's resources/pubsub.yaml is a Redis pub/sub
// component that daprd loads, under the name the apps use, and that delivers a copy of each
// message to every subscribing app.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { deliveredWithin, eventually, getJson, must, postJson } from '../lib/expect.js';
import { describeComponents } from '../lib/metadata.js';

// A second subscriber, living in the check: with a shared consumerID it would compete with the
// exercise's subscriber for each order instead of getting its own copy.
const env = useExercise({
  probes: [{ appId: 'order-audit', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }],
});

const order = { orderId: 'rc-1001', customer: 'grace', total: 12.5 };
let published = false;
const hasOrder = (list: unknown[]) => list.some((o) => (o as { orderId?: string })?.orderId === order.orderId);

describe('redis-component', () => {
  test('resources/pubsub.yaml is a component daprd loads', () => {
    // The harness validates every resource file before starting daprd (a file with an apiVersion
    // daprd does not know would be skipped without a word): if that failed, this failed with its reason.
    const files = env().resources.filter((r) => r.doc.kind === 'Component').map((r) => r.file);
    must(files.includes('resources/pubsub.yaml'), `No Component in resources/pubsub.yaml (components found in: ${files.join(', ') || 'no file'}).`);
  });

  test('both sidecars list a pubsub.redis component named pubsub', async () => {
    for (const appId of ['publisher', 'subscriber']) {
      const components = await env().components(appId);
      const pubsub = components.find((c) => c.name === 'pubsub');
      must(
        pubsub,
        `The sidecar of ${appId} has no component named \`pubsub\` (its /v1.0/metadata lists: ${describeComponents(components)}). ` +
          'publisher.ts and subscriber.ts use the name `pubsub`: set it in `metadata.name`.',
      );
      must(pubsub.type === 'pubsub.redis', `The component \`pubsub\` has type \`${pubsub.type}\`; this exercise uses \`pubsub.redis\`.`);
    }
  });

  test('an order posted to the publisher reaches the subscriber', async () => {
    const answer = await postJson(`${env().app('publisher').appUrl}/orders`, order);
    must(answer.status < 300, `The publisher could not publish (POST /orders answered ${answer.status}): ${answer.text}`);
    published = true;
    const subscriber = `${env().app('subscriber').appUrl}/received`;
    await eventually(
      () => getJson<unknown[]>(subscriber),
      hasOrder,
      (last) =>
        hasOrder(env().probe('order-audit').on('orders').map((d) => d.data))
          ? "The order went to the check's own subscriber (order-audit) instead of to the subscriber: the two apps share one " +
            'Redis consumer group, so they compete for each message. Look at `consumerID` in resources/pubsub.yaml.'
          : `The subscriber never received order ${order.orderId} (GET /received: ${JSON.stringify(last ?? null)}). Is the component's redisHost localhost:6379?`,
    );
  });

  test('every subscribing app gets its own copy of the order', async () => {
    must(published, 'The publisher could not publish the order, so whether every subscriber gets a copy cannot be checked.');
    await deliveredWithin(
      env().probe('order-audit'),
      (d) => hasOrder(d.map((x) => x.data)),
      "The check's own subscriber (app-id order-audit) never got the order, although it subscribes to `orders` too. " +
        'Apps that share a Redis consumer group (`consumerID`) split the messages between them; ' +
        'without consumerID each app reads with its own app-id and gets every message.',
      3000,
    );
  });
});
