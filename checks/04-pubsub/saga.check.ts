// Grades exercises/04-pubsub/saga: a choreographed saga between four services (order, inventory,
// payment, shipping) over pub/sub, each behind its own sidecar, with their state in Redis.
//
// Every failure is forced, not hoped for, with the switches of the provided service.ts (the task
// documents them): the independent sagas (happy path, declined card, failed shipment, out of
// stock, and races for the last units of two skus) are placed together while inventory holds its
// deliveries and writes slowly, then let in at the same instant, so racing orders all read the
// stock before any writes it. Then a compensation races a new order on one sku, its release let
// in after the reservation has read the stock. Then four orders are parked, one at each service,
// and each service in turn is killed, kept down for 2 s and restarted. Last, every event of every
// finished saga (completed, rejected, declined or failed) is published again, to services that
// remember only what they saved: nothing they saved may move and nothing may be published again.
// Assertions are made on the services' HTTP APIs and on the Redis streams.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'vitest';
import { brokerSettled } from '../lib/broker-settled.js';
import { useExercise } from '../lib/exercise.js';
import { HarnessTimeoutError } from '../../src/harness/check-api.js';
import { ExpectationFailed, eventually, getJson, must, postJson, requires } from '../lib/expect.js';
import { useRedisStreams, type StreamEvent } from '../lib/redis-streams.js';
import { componentRetryPolicy } from '../lib/resiliency.js';
import { describeRetries, retryBudgetMs } from '../lib/retry-budget.js';

const env = useExercise();
const streams = useRedisStreams(env);

const SERVICES = ['order', 'inventory', 'payment', 'shipping'] as const;
type Service = (typeof SERVICES)[number];

/** The saga's topics, and who publishes each (for messages that say where to look). */
const PUBLISHER: Record<string, string> = {
  'order.created': 'order.ts',
  'stock.reserved': 'inventory.ts',
  'stock.rejected': 'inventory.ts',
  'payment.charged': 'payment.ts',
  'payment.declined': 'payment.ts',
  'shipping.scheduled': 'shipping.ts',
  'shipping.failed': 'shipping.ts',
};
const TOPICS = Object.keys(PUBLISHER);
/** The events after which order.ts ends a saga. */
const ENDINGS = ['shipping.scheduled', 'stock.rejected', 'payment.declined', 'shipping.failed'];

/** The expectations later ones depend on, by name. */
const HAPPY = 'a happy order completes, its stock taken once and charged exactly once';
const DECLINED = 'a declined card cancels the order, releases its stock and charges nothing';

interface OrderInput {
  sku: string;
  quantity: number;
  amount: number;
  paymentMethod: string;
  address: string;
}
interface OrderView extends OrderInput {
  orderId: string;
  status: string;
  reason?: string;
}
interface PaymentView {
  status?: string;
  ledger?: { kind: string; amount: number }[];
}

const GOOD = { paymentMethod: 'card', address: '1 Main Street' };
// The failure inputs (documented in the task): a declined card, an address no carrier serves,
// more units than the stock holds.
const SCENARIOS = {
  happy: { stock: 5, order: { sku: 'sku-happy', quantity: 2, amount: 30, ...GOOD } },
  declined: { stock: 5, order: { sku: 'sku-declined', quantity: 1, amount: 20, ...GOOD, paymentMethod: 'declined-card' } },
  shipFail: { stock: 5, order: { sku: 'sku-shipfail', quantity: 1, amount: 25, ...GOOD, address: 'nowhere' } },
  scarce: { stock: 1, order: { sku: 'sku-scarce', quantity: 3, amount: 15, ...GOOD } },
} satisfies Record<string, { stock: number; order: OrderInput }>;
/** Orders racing for the last units of a sku: more orders than units. */
const RACES = [
  { sku: 'sku-last-one', units: 1, orders: 2 },
  { sku: 'sku-last-two', units: 2, orders: 3 },
];
/** A declined order's release racing a new order for the same sku. */
const MIXED = {
  sku: 'sku-mixed',
  stock: 2,
  declined: { sku: 'sku-mixed', quantity: 1, amount: 20, ...GOOD, paymentMethod: 'declined-card' },
  newcomer: { sku: 'sku-mixed', quantity: 1, amount: 22, ...GOOD },
};
/** One order parked at each service when all four go down. */
const CRASH = { sku: 'sku-crash', stock: 10, order: { sku: 'sku-crash', quantity: 1, amount: 12, ...GOOD } };

/** How long a saga may take to end: about a second each, plus slow writes; more on a busy machine. */
const SAGA_LIMIT_MS = 15_000;
/** inventory's slow writes while orders race: every stock read of a race happens before any write. */
const SLOW_SAVE_MS = 700;
/** How long the services stay down, and the retry budget the task asks for around it. */
const DOWN_MS = 2000;
const MIN_RETRY_MS = 10_000;
const PROCESSING_TIMEOUT_MS = 60_000;

const url = (appId: string, path: string) => `${env().app(appId).appUrl}${path}`;

async function seedStock(sku: string, available: number): Promise<void> {
  const answer = await postJson(url('inventory', '/stock'), { sku, available });
  must(answer.status < 300, `POST /stock on inventory (${sku}: ${available}) answered ${answer.status}: ${answer.text}`);
}

async function placeOrder(order: OrderInput): Promise<string> {
  const answer = await postJson(url('order', '/orders'), order);
  must(answer.status < 300, `POST /orders answered ${answer.status}: ${answer.text}. Look at startSaga in order.ts: it must publish without failing.`);
  const orderId = (JSON.parse(answer.text || '{}') as { orderId?: string }).orderId;
  must(orderId, `POST /orders answered ${answer.text} without an orderId.`);
  return orderId;
}

// The switches of the provided service.ts (every service has them).
const hold = (app: Service) => postJson(url(app, '/deliveries/hold'), {});
const release = (app: Service, topic?: string) => postJson(url(app, '/deliveries/release'), topic ? { topic } : {});
const slowSaves = (app: Service, ms: number) => postJson(url(app, '/state/slow'), { ms });
async function heldAt(app: Service, topic?: string): Promise<number> {
  const h = await getJson<{ held: number; byTopic: Record<string, number> }>(url(app, '/deliveries/held'));
  return topic ? (h.byTopic[topic] ?? 0) : h.held;
}
/** Waits until `app` holds at least `count` deliveries (of `topic`); false after `timeoutMs`. */
const holding = (app: Service, count: number, topic?: string, timeoutMs = 5000) =>
  eventually(() => heldAt(app, topic), (n) => n >= count, () => '', timeoutMs, 20).then(
    () => true,
    () => false,
  );

const orderOf = (id: string) => getJson<OrderView>(url('order', `/orders/${id}`));
const chargesOf = (id: string) => getJson<PaymentView>(url('payment', `/charges/${id}`));
/** How many times the carrier booked a delivery for the order (0 when shipping never saw it). */
async function bookingsOf(id: string): Promise<number> {
  const res = await fetch(url('shipping', `/shipments/${id}`), { signal: AbortSignal.timeout(3000) });
  if (res.status === 404) return 0;
  if (!res.ok) throw new ExpectationFailed(`GET /shipments/${id} on shipping answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { bookings?: unknown[] }).bookings?.length ?? 0;
}
async function stockOf(sku: string): Promise<number> {
  return (await getJson<{ available: number }>(url('inventory', `/stock/${sku}`))).available;
}

function ledger(payment: PaymentView): { charges: number[]; refunds: number[]; net: number } {
  const entries = payment.ledger ?? [];
  const charges = entries.filter((e) => e.kind === 'charge').map((e) => e.amount);
  const refunds = entries.filter((e) => e.kind === 'refund').map((e) => e.amount);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return { charges, refunds, net: sum(charges) - sum(refunds) };
}

/** `charge 30, refund 30` (the state store does not keep the order of JSON keys). */
function describeLedger(payment: PaymentView): string {
  return (payment.ledger ?? []).map((e) => `${e.kind} ${e.amount}`).join(', ') || 'empty';
}

/** The saga events published for one order, by topic, read from the Redis streams. */
async function eventsFor(orderId: string): Promise<Map<string, StreamEvent[]>> {
  const byTopic = new Map<string, StreamEvent[]>();
  for (const topic of TOPICS) {
    const mine = (await streams().events(topic)).filter((e) => (e.data as { orderId?: string } | undefined)?.orderId === orderId);
    if (mine.length) byTopic.set(topic, mine);
  }
  return byTopic;
}

/** How many events each topic's stream holds for each of the orders: `${orderId} ${topic}` -> count. */
async function publishedCounts(orderIds: string[]): Promise<Map<string, number>> {
  const wanted = new Set(orderIds);
  const counts = new Map<string, number>();
  for (const topic of TOPICS) {
    for (const { data } of await streams().events(topic)) {
      const orderId = (data as { orderId?: string } | undefined)?.orderId;
      if (orderId && wanted.has(orderId)) counts.set(`${orderId} ${topic}`, (counts.get(`${orderId} ${topic}`) ?? 0) + 1);
    }
  }
  return counts;
}

/** Where a saga stopped, in words: what was published for the order and what should have come next. */
async function whereItStopped(orderId: string, chain: string[]): Promise<string> {
  const seen = await eventsFor(orderId);
  const published = seen.size ? [...seen.keys()].join(', ') : 'nothing';
  const ending = ENDINGS.find((topic) => seen.has(topic));
  if (ending && !chain.includes(ending)) {
    return `Published for it: ${published}; \`${ending}\` ends a saga.`;
  }
  const next = chain.find((topic) => !seen.has(topic));
  if (!next) return `Published for it: ${published}, every event of its saga, the last of which order.ts handles.`;
  return `Published for it so far: ${published}. Nothing came on \`${next}\`, which ${PUBLISHER[next]} publishes.`;
}

/** Waits until the order has left `pending`; fails with where the saga stopped. */
/**
 * A race's losers may each be redelivered by the pubsub's retry policy (a correct answer: throw on
 * an ETag conflict): in a race of n orders, up to n - 1 rounds of conflicts, each one interval
 * later. The task allows intervals of seconds; bounded, so a wrong answer still fails in time.
 */
function raceRetryAllowanceMs(): number {
  const intervalMs = componentRetryPolicy(env().resources, 'pubsub')?.intervalMs ?? 0;
  const rounds = Math.max(...RACES.map((r) => r.orders)) - 1;
  return Math.min(rounds * intervalMs, 10_000);
}

async function ended(orderId: string, deadline: number, chain: string[], what: string): Promise<OrderView> {
  let lastError: unknown;
  for (;;) {
    try {
      const order = await orderOf(orderId);
      if (order.status !== 'pending') return order;
      lastError = undefined;
    } catch (error) {
      lastError = error; // the order service may be restarting
    }
    if (Date.now() >= deadline) break;
    await sleep(50);
  }
  if (lastError) throw lastError;
  throw new ExpectationFailed(`The ${what} (${orderId}) is still \`pending\`. ${await whereItStopped(orderId, chain)}`);
}

/** Waits for the order to end and requires `status` (and, for an order that failed, its reason). */
async function endsAs(orderId: string, status: string, deadline: number, chain: string[], what: string): Promise<OrderView> {
  const order = await ended(orderId, deadline, chain, what);
  must(
    order.status === status,
    `The ${what} ended \`${order.status}\`${order.reason ? ` (${order.reason})` : ''}, not \`${status}\`. ${await whereItStopped(orderId, chain)}`,
  );
  must(
    status === 'completed' || (typeof order.reason === 'string' && order.reason.length > 0),
    `The ${what} ended \`${status}\` but GET /orders/${orderId} gives no \`reason\`. Look at what order.ts keeps from the event that ends an order.`,
  );
  return order;
}

/**
 * Whether the state store refused a write of the sku's stock: Dapr's Redis store refuses a write
 * without an ETag to a key that was once written with one (first-write wins), every time.
 */
const stockWriteRefused = (sku: string) => env().log.all().some((l) => l.text.includes(`failed to set key inventory||stock-${sku}`));

/** Waits for a compensation to put a sku's stock back to what it was seeded with. */
async function stockBackTo(sku: string, seeded: number, deadline: number, releasedOn: string): Promise<void> {
  await eventually(
    () => stockOf(sku),
    (n) => n === seeded,
    (n) =>
      `${sku} has ${n} units, not the ${seeded} it had before the order: look at what inventory.ts does on \`${releasedOn}\` (put the reservation back, once).` +
      (stockWriteRefused(sku)
        ? ' The state store refused its writes of the stock ("failed to set key", in the log below): Dapr\'s Redis store refuses a write without an ETag to a record once written with one.'
        : ''),
    Math.max(1000, deadline - Date.now()),
  );
}

interface Placed {
  ids: Record<keyof typeof SCENARIOS, string>;
  races: string[][];
  deadline: number;
}
let placing: Promise<Placed> | undefined;

/**
 * Seeds the stock and places every independent order at once (the first expectation does it).
 * Inventory holds the `order.created` deliveries until all have arrived and writes slowly, then
 * lets them into the handlers at the same instant: the racing orders all read the stock before
 * any of them writes it (documented in the task).
 */
function placed(): Promise<Placed> {
  placing ??= (async () => {
    const entries = Object.entries(SCENARIOS) as [keyof typeof SCENARIOS, (typeof SCENARIOS)[keyof typeof SCENARIOS]][];
    await Promise.all([
      ...entries.map(([, s]) => seedStock(s.order.sku, s.stock)),
      ...RACES.map((r) => seedStock(r.sku, r.units)),
      seedStock(MIXED.sku, MIXED.stock),
      seedStock(CRASH.sku, CRASH.stock),
    ]);
    await slowSaves('inventory', SLOW_SAVE_MS);
    await hold('inventory');
    let ids: string[];
    let races: string[][];
    try {
      [races, ids] = await Promise.all([
        Promise.all(RACES.map((r) => Promise.all(Array.from({ length: r.orders }, (_, i) => placeOrder({ sku: r.sku, quantity: 1, amount: 10 + i, ...GOOD }))))),
        Promise.all(entries.map(([, s]) => placeOrder(s.order))),
      ]);
      // Until every order.created has reached inventory; if some never come, the expectations say so.
      await holding('inventory', entries.length + RACES.reduce((n, r) => n + r.orders, 0), 'order.created');
    } finally {
      await release('inventory');
    }
    return {
      ids: Object.fromEntries(entries.map(([name], i) => [name, ids[i]])) as Placed['ids'],
      races,
      deadline: Date.now() + SAGA_LIMIT_MS + raceRetryAllowanceMs(),
    };
  })();
  return placing;
}

let mixing: Promise<{ declined: string; newcomer: string; deadline: number }> | undefined;
/**
 * A declined order's `payment.declined` (its release of the stock) and a new order's
 * `order.created`, on one sku: the new order is let in first and reads the stock; while its
 * (slow) write waits, the release is let in and reads the same stock. Whichever writes last
 * without the ETag wipes out the other's change.
 */
function mixed(): Promise<{ declined: string; newcomer: string; deadline: number }> {
  mixing ??= (async () => {
    await slowSaves('inventory', SLOW_SAVE_MS);
    await hold('inventory');
    try {
      const declined = await placeOrder(MIXED.declined);
      await holding('inventory', 1, 'order.created');
      await release('inventory', 'order.created');
      requires(
        await holding('inventory', 1, 'payment.declined'),
        DECLINED,
        `The order paid with \`declined-card\` on ${MIXED.sku} never brought a \`payment.declined\` to inventory, so there is no release to race.`,
      );
      const newcomer = await placeOrder(MIXED.newcomer);
      await holding('inventory', 1, 'order.created');
      await release('inventory', 'order.created');
      // The new order has read the stock and waits to write it: now the release reads it too.
      await eventually(() => getJson<{ waiting: number }>(url('inventory', '/state/slow')), (s) => s.waiting > 0, () => '', 3000, 10).catch(() => undefined);
      return { declined, newcomer, deadline: Date.now() + SAGA_LIMIT_MS };
    } finally {
      await release('inventory');
    }
  })();
  return mixing;
}

const HAPPY_CHAIN = ['order.created', 'stock.reserved', 'payment.charged', 'shipping.scheduled'];
const DECLINED_CHAIN = ['order.created', 'stock.reserved', 'payment.declined'];
const SHIPFAIL_CHAIN = ['order.created', 'stock.reserved', 'payment.charged', 'shipping.failed'];
const SCARCE_CHAIN = ['order.created', 'stock.rejected'];

/**
 * Orders whose saga met its expectation: the redelivery judges only these, so that a mistake
 * already reported is not reported again as a change that a duplicate made.
 */
const judged = new Set<string>();

/**
 * For each service in turn: kills it, then lets an order's next event reach its sidecar while it is
 * down (held one step upstream until the kill, so that no delivery to it is under way when it
 * dies), keeps it down for DOWN_MS once its sidecar has taken that event, and starts it again. Its
 * sidecar retries the delivery for as long as its retry policy lets it. Returns the orders, and how
 * long each service was down, start-up included.
 *
 * Never killed with a delivery under way: daprd 1.18 then sometimes takes a later attempt, refused
 * by the dead app, for an empty 200 and acknowledges the event (seen in the debug log: "skipping
 * status check due to empty response body", then "Recovered ... after 2 attempts" while the app
 * was down), which would lose the event of a correct solution.
 */
async function crashEveryService(): Promise<{ parked: Record<Service, string>; downMs: Record<Service, number> }> {
  await slowSaves('inventory', 0);
  // Who hands each service its next event of the happy saga; order.created comes from POST /orders.
  const feeder: Record<Service, Service | undefined> = { inventory: undefined, payment: 'inventory', shipping: 'payment', order: 'shipping' };
  const nextEvent: Record<Service, string> = {
    order: 'shipping.scheduled',
    inventory: 'order.created',
    payment: 'stock.reserved',
    shipping: 'payment.charged',
  };
  const parked = {} as Record<Service, string>;
  const downMs = {} as Record<Service, number>;
  for (const service of SERVICES) {
    // The order parked before goes on once its service is back: a service killed while it handles
    // that order's event would be caught mid-handler, which the task does not ask to survive.
    await brokerSettled(streams(), TOPICS, 5000);
    const from = feeder[service];
    const readBefore = await lastReadBy(service);
    if (from) await hold(from);
    let down = 0;
    try {
      if (!from) {
        down = Date.now();
        await env().killApp(service);
      }
      parked[service] = await placeOrder(CRASH.order);
      if (from) {
        // Any event held there will do: a saga written differently may send it another one.
        requires(
          await holding(from, 1),
          HAPPY,
          `An order never got as far as ${from}, so its next event (\`${nextEvent[service]}\`) cannot reach ${service} while ${service} is down. ${await whereItStopped(parked[service], HAPPY_CHAIN)}`,
        );
        down = Date.now();
        await env().killApp(service);
      }
    } finally {
      if (from) await release(from);
    }
    // The hold-down counts from when the sidecar has read the event from the broker.
    const taken = await eventually(() => lastReadBy(service), (read) => read !== readBefore, () => '', 5000, 20).then(
      () => true,
      () => false,
    );
    if (!taken) {
      await env().restartApp(service);
      requires(
        false,
        HAPPY,
        `An order never brought an event (\`${nextEvent[service]}\`) to ${service} while it was down, so it cannot be caught there mid-saga. ${await whereItStopped(parked[service], HAPPY_CHAIN)}`,
      );
    }
    await sleep(DOWN_MS);
    await env().restartApp(service);
    downMs[service] = Date.now() - down;
  }
  return { parked, downMs };
}

/** The last entry the service's sidecar has read on each topic (its consumer group's position). */
async function lastReadBy(service: Service): Promise<string> {
  const groups = await Promise.all(TOPICS.map((topic) => streams().groups(topic)));
  return groups.map((onTopic) => onTopic.find((g) => g.name === service)?.lastDeliveredId ?? '-').join(' ');
}

describe('saga', () => {
  test('the four services answer on their HTTP APIs', async () => {
    const { ids } = await placed();
    const order = await orderOf(ids.happy);
    must(typeof order.status === 'string', `GET /orders/${ids.happy} answered ${JSON.stringify(order)}, without a status.`);
    const available = await stockOf(SCENARIOS.happy.order.sku);
    must(typeof available === 'number', `GET /stock/${SCENARIOS.happy.order.sku} did not answer how many units are available.`);
    const payment = await chargesOf(ids.happy);
    must(Array.isArray(payment.ledger), `GET /charges/${ids.happy} answered ${JSON.stringify(payment)}, without a ledger.`);
    const shipments = await fetch(url('shipping', '/shipments/no-such-order'), { signal: AbortSignal.timeout(3000) });
    must(shipments.status === 404, `GET /shipments/no-such-order on shipping answered ${shipments.status}, not 404.`);
  });

  test(HAPPY, async () => {
    const { ids, deadline } = await placed();
    const { sku, quantity, amount } = SCENARIOS.happy.order;
    await endsAs(ids.happy, 'completed', deadline, HAPPY_CHAIN, 'happy order');
    const expected = SCENARIOS.happy.stock - quantity;
    await eventually(
      () => stockOf(sku),
      (n) => n === expected,
      (n) => `${sku} has ${n} units after an order for ${quantity} of ${SCENARIOS.happy.stock}: expected ${expected}, the stock taken once. Look at inventory.ts.`,
      Math.max(1000, deadline - Date.now()),
    );
    const { charges, refunds } = ledger(await chargesOf(ids.happy));
    must(
      charges.length === 1 && charges[0] === amount && refunds.length === 0,
      `GET /charges/${ids.happy} shows charges [${charges.join(', ')}] and refunds [${refunds.join(', ')}]: expected exactly one charge of ${amount} and no refund. Look at payment.ts.`,
    );
    const bookings = await bookingsOf(ids.happy);
    must(bookings === 1, `The carrier booked ${bookings} deliveries for the happy order (GET /shipments/${ids.happy}): expected one. Look at shipping.ts.`);
    judged.add(ids.happy);
  });

  test(DECLINED, async () => {
    const { ids, deadline } = await placed();
    const { sku } = SCENARIOS.declined.order;
    await endsAs(ids.declined, 'cancelled', deadline, DECLINED_CHAIN, 'order paid with `declined-card`');
    await stockBackTo(sku, SCENARIOS.declined.stock, deadline, 'payment.declined');
    const { charges, net } = ledger(await chargesOf(ids.declined));
    must(charges.length === 0 && net === 0, `GET /charges/${ids.declined} shows charges [${charges.join(', ')}] for a declined card: expected none. Look at payment.ts.`);
    judged.add(ids.declined);
  });

  test('a failed shipment cancels the order, refunds the charge and releases the stock', async () => {
    const { ids, deadline } = await placed();
    const { sku } = SCENARIOS.shipFail.order;
    await endsAs(ids.shipFail, 'cancelled', deadline, SHIPFAIL_CHAIN, 'order shipped to `nowhere`');
    await eventually(
      () => chargesOf(ids.shipFail).then(ledger),
      (l) => l.net === 0 && l.charges.length <= 1,
      (l) =>
        `GET /charges/${ids.shipFail} shows charges [${l?.charges.join(', ')}] and refunds [${l?.refunds.join(', ')}]: ` +
        'after a failed shipment the charge must be refunded, once.',
      Math.max(1000, deadline - Date.now()),
    );
    await stockBackTo(sku, SCENARIOS.shipFail.stock, deadline, 'shipping.failed');
    judged.add(ids.shipFail);
  });

  test('an order for more than the stock is rejected, with no charge attempted', async () => {
    const { ids, deadline } = await placed();
    const { sku, quantity } = SCENARIOS.scarce.order;
    await endsAs(ids.scarce, 'rejected', deadline, SCARCE_CHAIN, `order for ${quantity} units of ${sku} (${SCENARIOS.scarce.stock} in stock)`);
    // A charge would come after the rejection, if at all: let every handler finish first.
    await brokerSettled(streams(), TOPICS);
    const seen = await eventsFor(ids.scarce);
    must(!seen.has('stock.reserved'), `inventory published \`stock.reserved\` for an order it could not fill.`);
    must((await stockOf(sku)) === SCENARIOS.scarce.stock, `${sku} should still have its ${SCENARIOS.scarce.stock} unit: a rejected order takes nothing. Look at inventory.ts.`);
    const payment = await chargesOf(ids.scarce);
    must(
      !payment.ledger?.length && !payment.status,
      `GET /charges/${ids.scarce} shows a payment (${payment.status}: [${describeLedger(payment)}]) for an order that was out of stock: payment should never see it. Look at the topics payment.ts subscribes to.`,
    );
    judged.add(ids.scarce);
  });

  test('of concurrent orders for the last units, as many complete as there are units', async () => {
    const { races, deadline } = await placed();
    for (const [i, race] of RACES.entries()) {
      const ids = races[i]!;
      const orders = await Promise.all(ids.map((id) => ended(id, deadline, HAPPY_CHAIN, `order for the last units of ${race.sku}`)));
      const completed = orders.filter((o) => o.status === 'completed');
      const charges = (await Promise.all(ids.map((id) => chargesOf(id)))).flatMap((p) => ledger(p).charges);
      const left = await stockOf(race.sku);
      must(
        completed.length === race.units && charges.length === race.units && left === 0,
        `${race.orders} orders for the ${race.units} last unit(s) of ${race.sku}, let into inventory at the same instant: ${completed.length} completed, ` +
          `${charges.length} charged, ${left} unit(s) left; expected ${race.units}, ${race.units} and 0.` +
          (completed.length > race.units || charges.length > race.units
            ? ' The same unit was sold twice: every handler read the stock before any wrote it, and a later write replaced an earlier one.'
            : ''),
      );
      const losers = orders.filter((o) => o.status !== 'completed');
      must(
        losers.every((o) => o.status === 'rejected'),
        `The orders that lost the race for ${race.sku} ended ${losers.map((o) => `\`${o.status}\``).join(', ')}, not \`rejected\` (out of stock). Look at inventory.ts.`,
      );
    }
    for (const id of races.flat()) judged.add(id);
  });

  test('a release racing a new order for the same sku loses neither', async () => {
    const { declined, newcomer, deadline } = await mixed();
    const [cancelled, completed] = await Promise.all([
      ended(declined, deadline, DECLINED_CHAIN, `declined order on ${MIXED.sku}`),
      ended(newcomer, deadline, HAPPY_CHAIN, `order on ${MIXED.sku} placed while a declined one was being released`),
    ]);
    requires(cancelled.status === 'cancelled', DECLINED, `The declined order on ${MIXED.sku} ended \`${cancelled.status}\`.`);
    must(completed.status === 'completed', `The order placed on ${MIXED.sku} (2 units, 1 reserved by a declined order) ended \`${completed.status}\`, not \`completed\`. Look at inventory.ts.`);
    // The side that lost the ETag race may have answered RETRY and be waiting for its sidecar's
    // next try: nothing is lost while it waits, so give it one retry interval to land.
    const retryInterval = componentRetryPolicy(env().resources, 'pubsub')?.intervalMs ?? 0;
    await brokerSettled(streams(), TOPICS, 3000 + Math.min(retryInterval, 30_000));
    const left = await stockOf(MIXED.sku);
    must(
      left === MIXED.stock - MIXED.newcomer.quantity,
      `${MIXED.sku} has ${left} unit(s); expected ${MIXED.stock - MIXED.newcomer.quantity}: ${MIXED.stock} in stock, the declined order's unit given back, the new order's taken. ` +
        "The new order read the stock and, while it wrote it, the release read the same stock: the release's write then replaced the reservation (or the other way round).",
    );
    judged.add(declined).add(newcomer);
  });

  test('each service restarted mid-saga leaves no order stuck', async () => {
    await placed();
    const { parked, downMs } = await crashEveryService();
    const policy = componentRetryPolicy(env().resources, 'pubsub');
    const budget = policy ? retryBudgetMs(policy) : 0;
    const deadline = Date.now() + SAGA_LIMIT_MS;
    for (const service of SERVICES) {
      const id = parked[service];
      const what = `order whose next event reached ${service} while it was down for ${DOWN_MS / 1000} s`;
      const order = await ended(id, deadline, HAPPY_CHAIN, what).catch(async (error: Error) => {
        if (!policy) {
          throw new ExpectationFailed(
            `${error.message} No Resiliency resource gives the \`pubsub\` component an inbound retry policy, so ${service}'s sidecar tried the delivery once, ` +
              'failed, and acknowledged it: the event was lost.',
          );
        }
        if (budget < MIN_RETRY_MS) {
          throw new ExpectationFailed(
            `${error.message} The retry policy \`${policy.name}\` gives up after ${describeRetries(policy)}, and ${service} was down for ` +
              `${(downMs[service] / 1000).toFixed(1)} s, start-up included.`,
          );
        }
        if (downMs[service] >= budget) {
          throw new HarnessTimeoutError(
            `Restarting ${service} took ${(downMs[service] / 1000).toFixed(1)} s on this machine, longer than your retry policy's ` +
              `${(budget / 1000).toFixed(1)} s, so the check cannot judge it: run it again when the machine is less busy.`,
          );
        }
        throw error;
      });
      must(order.status === 'completed', `The ${what} ended \`${order.status}\`, not \`completed\`.`);
      const { charges } = ledger(await chargesOf(id));
      must(charges.length === 1, `The ${what} was charged ${charges.length} times: expected exactly once. Look at payment.ts.`);
      const bookings = await bookingsOf(id);
      must(bookings === 1, `The carrier booked ${bookings} deliveries for the ${what}: expected one. Look at shipping.ts.`);
    }
    const left = CRASH.stock - SERVICES.length;
    must((await stockOf(CRASH.sku)) === left, `${CRASH.sku} should have ${left} units left after ${SERVICES.length} orders of one unit: the stock taken once each. Look at inventory.ts.`);
    must(policy, 'Every order completed, yet no retry policy for `pubsub` was found in resources/resiliency.yaml.');
    must(
      budget >= MIN_RETRY_MS && budget < PROCESSING_TIMEOUT_MS,
      `Every order completed this time, but the retry policy \`${policy.name}\` makes ${describeRetries(policy)}. ` +
        (budget < MIN_RETRY_MS
          ? `The task asks for at least ${MIN_RETRY_MS / 1000} s, so that a slower restart is outlasted too.`
          : `The task asks for less than ${PROCESSING_TIMEOUT_MS / 1000} s, the Redis component's processingTimeout: a delivery still retried after that is delivered again by Redis, at the same time.`),
    );
    for (const id of Object.values(parked)) judged.add(id);
  });

  // After the restart, so that duplicates are judged by processes that remember nothing but what
  // they saved in the state store.
  test('redelivered events change nothing', async () => {
    // The sagas that met their expectations, every topic among them; a saga that went wrong is
    // reported by its own expectation.
    const finished = [...judged];
    requires(finished.length > 0, HAPPY, 'No saga has ended as it should, so there is nothing finished to redeliver.');
    must(await brokerSettled(streams(), TOPICS), 'The services were still busy with the earlier sagas after 3 s, so duplicates cannot be judged yet.');
    const skus = [...Object.values(SCENARIOS).map((s) => s.order.sku), ...RACES.map((r) => r.sku), MIXED.sku, CRASH.sku];
    const snapshot = async () => ({
      statuses: await Promise.all(finished.map((id) => orderOf(id).then((o) => o.status))),
      stock: await Promise.all(skus.map(stockOf)),
      ledgers: await Promise.all(finished.map((id) => chargesOf(id).then(describeLedger))),
      bookings: await Promise.all(finished.map(bookingsOf)),
    });
    const before = await snapshot();
    // What the services had published for those orders: a redelivery must not make them publish again.
    const publishedBefore = await publishedCounts(finished);

    // Publish every event of those sagas again, as the broker would redeliver it: same CloudEvent, same id.
    // Every ending is among them: completed, rejected, declined and failed sagas alike.
    const originals = (await Promise.all(finished.map(eventsFor))).flatMap((byTopic) =>
      [...byTopic].flatMap(([topic, events]) => events.map(({ event }) => ({ topic, event }))),
    );
    const republished = new Map<string, number>();
    for (const { topic, event } of originals) {
      const key = `${(event.data as { orderId?: string } | undefined)?.orderId} ${topic}`;
      republished.set(key, (republished.get(key) ?? 0) + 1);
    }
    await Promise.all(
      originals.map(({ topic, event }) => env().publish('order', 'pubsub', topic, event, { contentType: 'application/cloudevents+json' })),
    );
    const duplicates = originals.length;
    must(
      await brokerSettled(streams(), TOPICS, 5000),
      `The services were still busy 5 s after ${duplicates} redelivered events. An event a handler answers with RETRY (or throws on) comes back again and again: look at what each handler answers for an event it has already handled.`,
    );
    const after = await snapshot();
    const publishedAfter = await publishedCounts(finished);
    const changes: string[] = [];
    // What changed, by order id or sku: the timeline under the failure shows their messages.
    const changedFor = new Set<string>();
    const change = (about: string, what: string) => (changes.push(what), changedFor.add(about));
    finished.forEach((id, i) => {
      if (after.statuses[i] !== before.statuses[i]) change(id, `order ${id} went from \`${before.statuses[i]}\` to \`${after.statuses[i]}\` (order.ts)`);
      for (const topic of TOPICS) {
        const key = `${id} ${topic}`;
        const had = publishedBefore.get(key) ?? 0;
        const again = (publishedAfter.get(key) ?? 0) - had - (republished.get(key) ?? 0);
        if (again > 0) {
          change(
            id,
            `${PUBLISHER[topic]} published \`${topic}\` again for order ${id}: ${had + again} on the stream besides the check's copies, ${had} before`,
          );
        }
      }
      if (after.ledgers[i] !== before.ledgers[i]) change(id, `the card network's ledger of order ${id} went from [${before.ledgers[i]}] to [${after.ledgers[i]}] (payment.ts)`);
      if (after.bookings[i] !== before.bookings[i]) change(id, `the carrier's bookings for order ${id} went from ${before.bookings[i]} to ${after.bookings[i]} (shipping.ts)`);
    });
    skus.forEach((sku, i) => {
      if (after.stock[i] !== before.stock[i]) change(sku, `${sku} went from ${before.stock[i]} to ${after.stock[i]} units (inventory.ts)`);
    });
    must(
      changes.length === 0,
      `After ${duplicates} events of finished sagas were delivered a second time: ${changes.slice(0, 5).join('; ')}${changes.length > 5 ? `; and ${changes.length - 5} more changes` : ''}.`,
      { about: [...changedFor] },
    );
  });
});
