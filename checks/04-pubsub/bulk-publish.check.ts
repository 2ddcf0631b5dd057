// Grades exercises/04-pubsub/bulk-publish: POST /orders/batch publishes every order of the batch
// with one bulk request, and answers how many were published and which failed.
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { orderIdIn } from '../lib/order-id.js';
import { must, postJson, requires } from '../lib/expect.js';
import { publishGate } from '../lib/publish-gate.js';
import { apiCalls, describeApiCalls, describeGrpcApiCalls, grpcApiCalls } from '../lib/sidecar-api-calls.js';
import { isJsonContentType } from '../lib/content-type.js';

// checkout-sandbox's bulk publishes wait at a gate before its sidecar while the check posts two
// batches at once, until both are in flight: both batches have started before either is answered,
// in every run (publish-gate.ts).
const sandboxGate = publishGate('checkout-sandbox', { bulk: true });
const env = useExercise({
  probes: [{ appId: 'order-watcher', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }],
  beforeStart: sandboxGate.install,
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

const idOf = orderIdIn;
// daprd re-encodes JSON data (its keys come out sorted): compare field by field.
const sameFields = (data: unknown, sent: Record<string, unknown>) =>
  Object.keys(data as object).length === Object.keys(sent).length &&
  Object.entries(sent).every(([k, v]) => (data as Record<string, unknown>)[k] === v);
const ids = (list: { orderId: string }[]) => list.map((o) => o.orderId);
// Second batches, of other sizes: each answer must describe its own batch only, not what the
// service published or failed before (a result kept outside publishBatch adds the batches up).
const secondBatch = [
  { orderId: 'bulk-4', customer: 'fay', total: 3 },
  { orderId: 'bulk-5', customer: 'gus', total: 4.5 },
];
// Two batches posted to checkout-sandbox at the same time, both refused: each answer must name its
// own orders only (a report shared by the service mixes them up).
const sameTimeBatches = [
  [{ orderId: 'sandbox-3', customer: 'hal', total: 5 }],
  [
    { orderId: 'sandbox-4', customer: 'ida', total: 6 },
    { orderId: 'sandbox-5', customer: 'jo', total: 7.5 },
  ],
];
/** Lets the first batch's bulk request through first (the body is the SDK's list of entries). */
const bySameTimeBatch = (body: unknown) => {
  const first = ids(sameTimeBatches[0]);
  const entries = Array.isArray(body) ? (body as { event?: { orderId?: unknown } }[]) : [];
  return entries.some((e) => first.includes(String(e?.event?.orderId))) ? 0 : 1;
};
let answer: { status: number; text: string } | undefined;
let arrived = false;
const ARRIVED = 'every order of a batch posted to /orders/batch arrives on the orders topic';
const REPORTS = 'the answer reports how many orders were published';
const REFUSED = 'a batch the sidecar refuses reports every order as failed';
/** The first answer of each service was right: a second one can be compared with it. */
let reported = false;
let refusedReported = false;

type Report = { published?: unknown; failed?: unknown };

/** The service's answer to POST /orders/batch, as the report it should be. */
function reportOf(appId: string, res: { status: number; text: string } | undefined): Report {
  must(res, 'POST /orders/batch was not answered, so its report cannot be checked.');
  must(res.status === 200, messages.not200(appId, res.status, res.text));
  let body: Report | undefined;
  try {
    body = JSON.parse(res.text) as Report;
  } catch {
    body = undefined;
  }
  must(body && typeof body === 'object', messages.notJson(appId, res.text));
  return body;
}

describe('bulk-publish', () => {
  test(ARRIVED, async () => {
    answer = await postJson(`${env().app('checkout').appUrl}/orders/batch`, batch);
    must(answer.status === 200, messages.not200('checkout', answer.status, answer.text));
    const probe = env().probe('order-watcher');
    const got = () => probe.on('orders').map((d) => d.data);
    const all = await probe.waitUntil(() => ids(batch).every((id) => got().some((data) => idOf(data) === id)), 10_000);
    must(all || !got().some(Array.isArray), messages.oneEventForAll);
    must(all, messages.notAll(got().map(idOf)));
    arrived = true;
  });

  test('the batch is published in one bulk request', async () => {
    requires(arrived, ARRIVED, messages.nothingArrived('how it was sent'));
    const calls = (await apiCalls(env(), 'checkout', '/v1.0')).filter((c) => c.method === 'POST' && c.path.includes('/publish/'));
    // A DaprClient over gRPC makes the same request on the sidecar's gRPC API.
    const grpcCalls = (await grpcApiCalls(env(), 'checkout')).filter((c) => c.method.includes('Publish'));
    const bulk =
      calls.filter((c) => c.path === '/v1.0-alpha1/publish/bulk/pubsub/orders').reduce((n, c) => n + c.count, 0) +
      grpcCalls.filter((c) => c.method === 'BulkPublishEventAlpha1').reduce((n, c) => n + c.count, 0);
    const seen = [describeApiCalls(calls), describeGrpcApiCalls(grpcCalls)].filter((d) => d && !(d === 'none' && grpcCalls.length > 0)).join(', ');
    must(
      bulk === 1 && calls.every((c) => c.path.includes('/publish/bulk/')) && grpcCalls.every((c) => c.method === 'BulkPublishEventAlpha1'),
      messages.notOneRequest(batch.length, seen),
    );
  });

  test('each order arrives as its own JSON object', () => {
    requires(arrived, ARRIVED, messages.nothingArrived('their content'));
    for (const d of env().probe('order-watcher').on('orders')) {
      must(
        isJsonContentType(d.event.datacontenttype) && typeof d.data === 'object' && !Array.isArray(d.data),
        messages.notAnObject(String(d.event.datacontenttype), d.data),
      );
      const sent = batch.find((o) => o.orderId === (d.data as { orderId?: unknown }).orderId);
      must(sent, messages.notPosted(d.data));
      must(sameFields(d.data, sent), messages.changed(sent.orderId, d.data, sent));
    }
  });

  test(REPORTS, () => {
    const body = reportOf('checkout', answer);
    must(allPublished(body, batch), messages.wrongReport(batch.length, body));
    reported = true;
  });

  test(REFUSED, async () => {
    const body = reportOf('checkout-sandbox', await postJson(`${env().app('checkout-sandbox').appUrl}/orders/batch`, refusedBatch));
    must(allFailed(body, refusedBatch), messages.refusedNotReported(body, refusedBatch));
    refusedReported = true;
  });

  test('each answer reports only its own batch', async () => {
    requires(reported, REPORTS, messages.firstReportWrong('checkout'));
    requires(refusedReported, REFUSED, messages.firstReportWrong('checkout-sandbox'));
    const second = reportOf('checkout', await postJson(`${env().app('checkout').appUrl}/orders/batch`, secondBatch));
    must(allPublished(second, secondBatch), messages.notOwnBatch('checkout', second, { published: secondBatch.length, failed: [] }));
    const sandbox = `${env().app('checkout-sandbox').appUrl}/orders/batch`;
    const answers = await sandboxGate.together(
      sameTimeBatches.length,
      () => Promise.all(sameTimeBatches.map((b) => postJson(sandbox, b))),
      bySameTimeBatch,
    );
    sameTimeBatches.forEach((b, i) => {
      const refused = reportOf('checkout-sandbox', answers[i]);
      must(allFailed(refused, b), messages.notOwnSameTimeBatch(b, sameTimeBatches[1 - i], refused));
    });
  });
});

/** The report says every order of `sent` was published, and none failed. */
const allPublished = (body: Report, sent: { orderId: string }[]) =>
  body.published === sent.length && Array.isArray(body.failed) && body.failed.length === 0;
/** The report says no order was published, and names exactly the orders of `sent` as failed. */
const allFailed = (body: Report, sent: { orderId: string }[]) => {
  const failed = Array.isArray(body.failed) ? [...(body.failed as unknown[])].map(String).sort() : body.failed;
  return body.published === 0 && JSON.stringify(failed) === JSON.stringify(ids(sent).sort());
};

const messages = {
  not200: (appId: string, status: number, text: string) =>
    `POST /orders/batch to ${appId} answered ${status}${text ? `: ${text}` : ''}. The service answers 200 with a report whatever happened, ` +
    'and 500 only when publishBatch throws.',
  notJson: (appId: string, text: string) => `POST /orders/batch to ${appId} answered ${text}, not a JSON report.`,
  oneEventForAll:
    'The whole batch arrived as ONE event carrying an array.',
  notAll: (got: unknown[]) =>
    `Not every order of the batch arrived on \`orders\` (arrived: ${JSON.stringify(got)}, expected ${JSON.stringify(ids(batch))}).`,
  nothingArrived: (what: string) => `The orders of the batch never all arrived, so ${what} cannot be checked.`,
  notOneRequest: (size: number, calls: string) =>
    `For one batch of ${size} orders, checkout's sidecar received ${calls} (its own count of calls to its API). ` +
    'The task asks for one bulk request per batch.',
  notAnObject: (contentType: string, data: unknown) =>
    `An event arrived as ${contentType} carrying ${JSON.stringify(data)}; each event should carry one order as a JSON object.`,
  notPosted: (data: unknown) => `An event carried ${JSON.stringify(data)}, which is not one of the orders posted.`,
  changed: (orderId: string, data: unknown, sent: unknown) =>
    `Order ${orderId} arrived as ${JSON.stringify(data)}, not as it was posted (${JSON.stringify(sent)}).`,
  wrongReport: (size: number, body: Report) =>
    `POST /orders/batch with ${size} orders, all published, answered ${JSON.stringify(body)}; expected {"published":${size},"failed":[]}.`,
  refusedNotReported: (body: Report, sent: { orderId: string }[]) =>
    "checkout-sandbox's sidecar refuses every publish (publishingScopes in resources/pubsub.yaml), yet POST /orders/batch answered " +
    `${JSON.stringify(body)}; expected {"published":0,"failed":${JSON.stringify(ids(sent))}}.`,
  firstReportWrong: (appId: string) => `${appId}'s answer to the first batch was already wrong, so a second answer cannot be compared with it.`,
  notOwnBatch: (appId: string, body: Report, expected: Report) =>
    `A second batch posted to ${appId} (${expected.published === 0 ? 'refused by its sidecar' : 'all published'}) answered ${JSON.stringify(body)}; ` +
    `expected ${JSON.stringify(expected)}, the report of that batch alone. The answer counts orders of earlier batches too.`,
  notOwnSameTimeBatch: (sent: { orderId: string }[], other: { orderId: string }[], body: Report) =>
    `Two batches were posted to checkout-sandbox at the same time, ${JSON.stringify(ids(sent))} and ${JSON.stringify(ids(other))} ` +
    `(both refused by its sidecar; the check held their bulk requests before the sidecar until both were sent). ` +
    `The answer to ${JSON.stringify(ids(sent))} was ${JSON.stringify(body)}; expected ` +
    `${JSON.stringify({ published: 0, failed: ids(sent) })}, the report of that batch alone, whatever the other batch holds.`,
};
