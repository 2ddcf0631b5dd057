// Grades exercises/04-pubsub/bulk-publish: POST /orders/batch publishes every order of the batch
// with one bulk request, and answers how many were published and which failed.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { must, postJson } from '../lib/expect.js';

const env = useExercise({
  probes: [{ appId: 'order-watcher', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }],
});

const batch = [
  { orderId: 'bulk-1', customer: 'ada', total: 10 },
  { orderId: 'bulk-2', customer: 'bob', total: 20.5 },
  { orderId: 'bulk-3', customer: 'cy', total: 7 },
];
// checkout-sandbox runs the same code, but resources/pubsub.yaml's publishingScopes lets it
// publish to no topic: its sidecar refuses the whole bulk request (403 ERR_PUBSUB_FORBIDDEN).
const refusedBatch = [
  { orderId: 'sandbox-1', customer: 'dee', total: 1 },
  { orderId: 'sandbox-2', customer: 'eve', total: 2 },
];

const idOf = (data: unknown) => (data as { orderId?: unknown } | null)?.orderId;
// daprd re-encodes JSON data (its keys come out sorted): compare field by field.
const sameFields = (data: unknown, sent: Record<string, unknown>) =>
  Object.keys(data as object).length === Object.keys(sent).length &&
  Object.entries(sent).every(([k, v]) => (data as Record<string, unknown>)[k] === v);
const ids = (list: { orderId: string }[]) => list.map((o) => o.orderId);
let answer: { status: number; text: string } | undefined;

type Report = { published?: unknown; failed?: unknown };

/** The service's answer to POST /orders/batch, as the report it should be. */
function reportOf(appId: string, res: { status: number; text: string } | undefined): Report {
  must(res, 'POST /orders/batch was not answered, so its report cannot be checked.');
  must(res.status === 200, `POST /orders/batch to ${appId} answered ${res.status}: ${res.text}`);
  try {
    return JSON.parse(res.text) as Report;
  } catch {
    throw new Error(`POST /orders/batch to ${appId} answered ${res.text}, not JSON.`);
  }
}

describe('bulk-publish', () => {
  test('every order of a batch posted to /orders/batch arrives on the orders topic', async () => {
    answer = await postJson(`${env().app('checkout').appUrl}/orders/batch`, batch);
    must(answer.status === 200, `POST /orders/batch answered ${answer.status}: ${answer.text}`);
    const probe = env().probe('order-watcher');
    const arrived = () => probe.on('orders').map((d) => d.data);
    const all = await probe.waitUntil(() => ids(batch).every((id) => arrived().some((data) => idOf(data) === id)), 3000);
    must(
      all || !arrived().some(Array.isArray),
      'The whole batch arrived as ONE event carrying an array. Publish each order as its own message: give publishBulk the array, it sends one entry per element.',
    );
    must(
      all,
      `Not every order of the batch arrived on \`orders\` (arrived: ${JSON.stringify(arrived().map(idOf))}, expected ${JSON.stringify(ids(batch))}). ` +
        "Does publishBatch call client.pubsub.publishBulk('pubsub', 'orders', orders)?",
    );
  });

  test('each order arrives as its own JSON object', () => {
    const deliveries = env().probe('order-watcher').on('orders');
    must(deliveries.length > 0, 'No order arrived, so their content cannot be checked.');
    for (const d of deliveries) {
      must(
        d.event.datacontenttype === 'application/json' && typeof d.data === 'object' && !Array.isArray(d.data),
        `An event arrived as ${String(d.event.datacontenttype)} carrying ${JSON.stringify(d.data)}; each event should carry one order as a JSON object. Give publishBulk the order objects themselves (not JSON.stringify'd).`,
      );
      const sent = batch.find((o) => o.orderId === idOf(d.data));
      must(sent, `An event carried ${JSON.stringify(d.data)}, which is not one of the orders posted.`);
      must(
        sameFields(d.data, sent),
        `Order ${sent.orderId} arrived as ${JSON.stringify(d.data)}, not as it was posted (${JSON.stringify(sent)}).`,
      );
    }
  });

  test('the answer reports how many orders were published', () => {
    const body = reportOf('checkout', answer);
    must(
      body.published === batch.length && Array.isArray(body.failed) && body.failed.length === 0,
      `POST /orders/batch with ${batch.length} orders answered ${JSON.stringify(body)}; expected {"published":${batch.length},"failed":[]}. ` +
        'Count the orders publishBulk did not report in failedMessages.',
    );
  });

  test('a batch the sidecar refuses reports every order as failed', async () => {
    const body = reportOf('checkout-sandbox', await postJson(`${env().app('checkout-sandbox').appUrl}/orders/batch`, refusedBatch));
    const failed = Array.isArray(body.failed) ? [...(body.failed as unknown[])].map(String).sort() : body.failed;
    must(
      body.published === 0 && JSON.stringify(failed) === JSON.stringify(ids(refusedBatch).sort()),
      `checkout-sandbox's sidecar refuses every publish (publishingScopes in resources/pubsub.yaml), yet POST /orders/batch answered ` +
        `${JSON.stringify(body)}; expected {"published":0,"failed":${JSON.stringify(ids(refusedBatch))}}. ` +
        "publishBulk reports the refused entries in failedMessages (it does not throw): each one's `message.event` is the order.",
    );
  });
});
