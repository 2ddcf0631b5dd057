// Grades exercises/04-pubsub/redis-component: the learner's resources/pubsub.yaml is a Redis pub/sub
// component that daprd loads, under the name the apps use, pointing at localhost:6379, and that
// delivers a copy of every message to every subscribing app.
//
// Several orders, two subscribing apps (the exercise's subscriber and the check's own order-audit):
// with a shared consumer group each order reaches only one of them, so at least one of the two
// misses some, whichever wins each read. The broker says why (its consumer groups), and shows
// that each app reads in the group of its own app-id, not in one named otherwise (`{uuid}`: a new
// group at every sidecar start, which also hands every app its copy).
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { failWithCause, getJson, must, postJson, requires } from '../lib/expect.js';
import { brokerSettled } from '../lib/broker-settled.js';
import { describeComponents } from '../lib/metadata.js';
import { pubsubRedisDb, useRedisStreams } from '../lib/redis-streams.js';

// A second subscriber, living in the check: with a shared consumerID it would compete with the
// exercise's subscriber for each order instead of getting its own copy.
const env = useExercise({
  probes: [{ appId: 'order-audit', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] }],
});
const FILE = 'resources/pubsub.yaml';
// The component may keep its streams in another Redis database (`redisDB`): read them there.
const streams = useRedisStreams(env, { db: () => pubsubRedisDb(env(), FILE) });
const LISTED = 'both sidecars list a pubsub.redis component named pubsub';
const PUBLISHED = 'an order posted to the publisher reaches the subscriber';
const SUBSCRIBERS = ['subscriber', 'order-audit'];
const orders = [1, 2, 3, 4].map((n) => ({ orderId: `rc-${n}`, customer: 'grace', total: 10 + n }));
const idOf = (o: unknown) => (o as { orderId?: unknown } | null)?.orderId;

let listed = false;
let published = false;
let delivered: Promise<Record<string, unknown[]>> | undefined;

/** Posts every order to the publisher once, waits until the broker has handed out all of them, and says who got what. */
function deliverAll(): Promise<Record<string, unknown[]>> {
  delivered ??= (async () => {
    for (const order of orders) {
      const answer = await postJson(`${env().app('publisher').appUrl}/orders`, order);
      must(answer.status < 300, messages.publishFailed(answer.status, answer.text));
    }
    published = true;
    // Every group on `orders` has read and acknowledged every order: what each app got is final.
    await brokerSettled(streams(), ['orders'], 10_000);
    return {
      subscriber: await getJson<unknown[]>(`${env().app('subscriber').appUrl}/received`),
      'order-audit': env().probe('order-audit').on('orders').map((d) => d.data),
    };
  })();
  return delivered;
}

/**
 * Fails with the shared diagnosis when the subscribing apps read `orders` in fewer consumer groups
 * than there are apps: because some app's sidecar does not load `pubsub` at all, or because the
 * apps share a group.
 */
async function mustNotShareAGroup(got: Record<string, unknown[]>): Promise<void> {
  for (const app of SUBSCRIBERS) {
    const components = await env().components(app);
    if (!components.some((c) => c.name === 'pubsub')) {
      failWithCause(`${app} has no pubsub`, messages.notLoaded(app, got[app]!.length, describeComponents(components)));
    }
  }
  const groups = (await streams().groups('orders')).map((g) => g.name);
  if (groups.length >= SUBSCRIBERS.length) return;
  const counts = SUBSCRIBERS.map((app) => `${app} got ${got[app]!.length} of ${orders.length}`).join(', ');
  failWithCause('one consumer group for every app', messages.sharedGroup(groups, counts));
}

describe('redis-component', () => {
  test(`${FILE} is a component daprd loads`, () => {
    // The harness validates every resource file before starting daprd (a file with an apiVersion
    // daprd does not know would be skipped without a word): if that failed, this failed with its reason.
    const files = env().resources.filter((r) => r.doc.kind === 'Component').map((r) => r.file);
    must(files.includes(FILE), messages.noComponent(files));
  });

  test('the component points at the Redis on localhost:6379', () => {
    // The check points every Redis component at a Redis of its own, so the file's own address is
    // read from the file: it is what `dapr run -f .` would use.
    const doc = env().resources.find((r) => r.file === FILE && r.doc.kind === 'Component')?.doc;
    requires(doc, `${FILE} is a component daprd loads`, messages.noFileToRead);
    const items = ((doc.spec as { metadata?: { name?: string; value?: unknown }[] }).metadata ?? []);
    const host = items.find((m) => m.name === 'redisHost')?.value;
    must(host !== undefined, messages.noRedisHost(items.map((m) => String(m.name))));
    must(['localhost:6379', '127.0.0.1:6379'].includes(String(host)), messages.wrongRedisHost(String(host)));
  });

  test(LISTED, async () => {
    for (const appId of ['publisher', 'subscriber']) {
      const components = await env().components(appId);
      const pubsub = components.find((c) => c.name === 'pubsub');
      must(pubsub, messages.noPubsub(appId, describeComponents(components)));
      must(pubsub.type === 'pubsub.redis', messages.wrongType(pubsub.type));
    }
    listed = true;
  });

  test(PUBLISHED, async () => {
    requires(listed, LISTED, messages.cannotPublish);
    const got = await deliverAll();
    const missing = orders.filter((o) => !got.subscriber!.some((r) => idOf(r) === o.orderId));
    if (missing.length === 0) return;
    await mustNotShareAGroup(got);
    must(false, messages.subscriberMissed(missing.map((o) => o.orderId), got.subscriber!.map(idOf)));
  });

  test('every subscribing app gets its own copy of every order', async () => {
    requires(listed, LISTED, messages.cannotPublish);
    const got = await deliverAll().catch(() => undefined);
    requires(got && published, PUBLISHED, messages.notPublished);
    const short = SUBSCRIBERS.filter((app) => orders.some((o) => !got[app]!.some((r) => idOf(r) === o.orderId)));
    if (short.length === 0) return;
    await mustNotShareAGroup(got);
    must(false, messages.auditMissed(short.join(' and ')));
  });

  test('each subscribing app reads orders in the consumer group of its app-id', async () => {
    // A group of another name (one per sidecar start, say) hands every app its copy just as well,
    // in this run; the broker's consumer groups show it: a restarted app would find no group of its
    // own and read the stream again from its start, and two instances of one app would not share.
    requires(listed, LISTED, messages.cannotPublish);
    const got = await deliverAll().catch(() => undefined);
    requires(got && published, PUBLISHED, messages.notPublished);
    await mustNotShareAGroup(got);
    const groups = (await streams().groups('orders')).map((g) => g.name).sort();
    must(
      groups.length === SUBSCRIBERS.length && SUBSCRIBERS.every((app) => groups.includes(app)),
      messages.groupsNotAppIds(groups),
    );
  });
});

const messages = {
  noComponent: (files: string[]) => `No Component in ${FILE} (components found in: ${files.join(', ') || 'no file'}).`,
  noFileToRead: `${FILE} holds no component daprd loads, so its Redis address cannot be read.`,
  noRedisHost: (names: string[]) =>
    `${FILE} has no \`redisHost\` entry in \`spec.metadata\` (it has: ${names.join(', ') || 'none'}). ` +
    'The check filled in its own Redis, so this run worked, but `dapr run -f .` would have no address to connect to.',
  wrongRedisHost: (host: string) =>
    `${FILE} points at \`${host}\`. The check replaced it with a Redis of its own, so this run worked, but with \`dapr run -f .\` ` +
    'the sidecars would look for Redis there.',
  noPubsub: (appId: string, components: string) =>
    `The sidecar of ${appId} has no component named \`pubsub\` (its /v1.0/metadata lists: ${components}).`,
  wrongType: (type: string) => `The component \`pubsub\` has type \`${type}\`; this exercise needs Redis pub/sub.`,
  cannotPublish: 'The apps have no `pubsub` component to publish or subscribe through, so no order can travel.',
  publishFailed: (status: number, text: string) =>
    `The publisher could not publish (POST /orders answered ${status}): ${text}. It publishes through its sidecar's component \`pubsub\`.`,
  notPublished: 'The publisher could not publish the orders, so whether every subscriber gets a copy cannot be checked.',
  notLoaded: (app: string, count: number, components: string) =>
    `${app}${app === 'order-audit' ? ", the check's own second subscriber to `orders`," : ''} got ${count} of ${orders.length} orders: ` +
    `its sidecar has no component \`pubsub\` (its /v1.0/metadata lists: ${components}), though any app that subscribes to \`orders\` ` +
    `should be able to. Look at which apps ${FILE} lets load the component.`,
  sharedGroup: (groups: string[], counts: string) =>
    `Both subscribing apps read \`orders\` in one Redis consumer group, ${groups.map((g) => `\`${g}\``).join(', ') || 'none'} ` +
    `(the broker's XINFO GROUPS), so each order went to only one of them: ${counts}. ` +
    `Look at what decides the consumer group in ${FILE}.`,
  subscriberMissed: (missing: string[], got: unknown[]) =>
    `The subscriber never received ${missing.join(', ')} (GET /received: ${JSON.stringify(got)}), although the publisher published them.`,
  groupsNotAppIds: (groups: string[]) =>
    `The consumer groups on \`orders\` are ${groups.map((g) => `\`${g}\``).join(', ') || 'none'} (the broker's XINFO GROUPS), ` +
    `but the subscribing apps are ${SUBSCRIBERS.map((app) => `\`${app}\``).join(' and ')}. A group is created at the start of the stream ` +
    'the first time a sidecar reads in it: a restarted app that does not find its group again receives every order ever published once more, ' +
    `and two instances of one app that are not in one group each get every order. Look at what decides the consumer group in ${FILE}.`,
  auditMissed: (apps: string) =>
    `${apps} did not get a copy of every order, although each subscribes to \`orders\` in a consumer group of its own.`,
};
