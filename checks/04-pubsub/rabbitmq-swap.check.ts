// Grades exercises/04-pubsub/rabbitmq-swap: the same subscriber, unchanged, receives orders through
// RabbitMQ once resources/pubsub.yaml says pubsub.rabbitmq. The broker is the machine's own RabbitMQ,
// shared by every run: this run publishes to a topic of its own (the subscriber reads ORDERS_TOPIC),
// so its queue and exchange are new and nothing from another run can reach it. A second subscriber of
// the check's own (order-auditor) reads the same topic through the same component: each app-id has a
// queue of its own, so each gets every order. Last, the broker itself is asked (a passive declare,
// which creates nothing) whether the queues are the task's `<app-id>-<topic>`.
import { randomUUID } from 'node:crypto';
import { describe, test } from 'vitest';
import { useExercise } from '../lib/exercise.js';
import { eventually, getJson, must, requires } from '../lib/expect.js';
import { describeComponents } from '../lib/metadata.js';
import { queueStates, useRabbitMQ, type QueueState } from '../lib/rabbitmq.js';

const topic = `orders-${randomUUID().slice(0, 8)}`;

useRabbitMQ();
const AUDITOR = 'order-auditor';
const env = useExercise({
  probes: [
    // A sidecar with no app: the check publishes through it, as another service would.
    { appId: 'order-source' },
    // Another service subscribed to the same topic through the same component file.
    { appId: AUDITOR, probe: [{ pubsubname: 'pubsub', topic }] },
  ],
  env: { ORDERS_TOPIC: topic },
});

const FILE = 'resources/pubsub.yaml';
const IS_RABBITMQ = 'the pubsub component is pubsub.rabbitmq';
const orders = [1, 2, 3].map((n) => ({ orderId: `rmq-${n}`, total: 10 * n }));
let rabbit = false;

/**
 * True when `url` names the task's RabbitMQ: amqp, localhost or 127.0.0.1, port 5672, logging in as
 * guest with password guest (see loginOf), the default vhost (no path, `/`, or `/` written out
 * URL-encoded as `/%2f`).
 */
function isTheTasksBroker(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const { user, password } = loginOf(url, u);
  return (
    u.protocol === 'amqp:' &&
    ['localhost', '127.0.0.1'].includes(u.hostname) &&
    ['', '5672'].includes(u.port) &&
    user === 'guest' &&
    password === 'guest' &&
    ['', '/'].includes(vhostOf(u))
  );
}

/**
 * Who the AMQP client logs in as, read as daprd's (amqp091-go ParseURI) reads the URL: guest/guest
 * when it names no user; the user it names, with the password it names, or still guest when it
 * names none (`amqp://guest@localhost` logs in as guest/guest). WHATWG URL cannot tell `guest@`
 * from `guest:@` (an empty password), so the user info is looked at as written.
 */
function loginOf(url: string, u: URL): { user: string; password: string } {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? '';
  const at = authority.lastIndexOf('@');
  if (at < 0) return { user: 'guest', password: 'guest' };
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  return { user: decode(u.username), password: authority.slice(0, at).includes(':') ? decode(u.password) : 'guest' };
}

/** The vhost an AMQP URL names: its path without the leading `/`, URL-decoded ('' when none). */
function vhostOf(u: URL): string {
  try {
    return decodeURIComponent(u.pathname.slice(1));
  } catch {
    return u.pathname;
  }
}

const ids = (list: { orderId?: string }[] | undefined) => (list ?? []).map((o) => o.orderId);
const auditorGot = () => env().probe(AUDITOR).on(topic).map((d) => (d.data as { orderId?: string } | null)?.orderId);

describe('rabbitmq-swap', () => {
  test(IS_RABBITMQ, async () => {
    const components = await env().components('order-subscriber');
    const pubsub = components.find((c) => c.name === 'pubsub');
    must(pubsub, messages.noPubsub(describeComponents(components)));
    must(pubsub.type === 'pubsub.rabbitmq', messages.stillOther(pubsub.type));
    rabbit = true;
  });

  test('it connects with connectionString amqp://guest:guest@localhost:5672', () => {
    requires(rabbit, IS_RABBITMQ, messages.notRabbit);
    const doc = env().resources.find((r) => r.file === FILE && r.doc.kind === 'Component')?.doc;
    const items = ((doc?.spec as { metadata?: { name?: string; value?: unknown }[] } | undefined)?.metadata ?? []);
    const value = (name: string) => items.find((m) => m.name === name)?.value;
    must(value('host') === undefined || value('connectionString') !== undefined, messages.onlyHost);
    must(value('connectionString') !== undefined, messages.noConnectionString(items.map((m) => String(m.name))));
    must(isTheTasksBroker(String(value('connectionString'))), messages.otherBroker(String(value('connectionString'))));
    must(value('host') === undefined, messages.deprecatedHost);
  });

  test('orders published to pubsub reach the subscriber, each once', async () => {
    for (const order of orders) await env().publish('order-source', 'pubsub', topic, order);
    const received = await eventually(
      () => getJson<{ orderId?: string }[]>(`${env().app('order-subscriber').appUrl}/received`),
      (list) => orders.every((o) => ids(list).includes(o.orderId)),
      (list) => messages.missed(ids(list), auditorGot()),
      10_000,
    );
    must(received.length === orders.length, messages.duplicates(ids(received)));
  });

  test('a second app subscribed to the topic gets every order too', async () => {
    const everyOrder = () => orders.every((o) => auditorGot().includes(o.orderId));
    const all = await env().probe(AUDITOR).waitUntil(everyOrder, 5000);
    if (all) return;
    let subscriber: (string | undefined)[] = [];
    try {
      subscriber = ids(await getJson<{ orderId?: string }[]>(`${env().app('order-subscriber').appUrl}/received`));
    } catch {
      // said as "nothing" below
    }
    must(all, messages.auditorMissed(auditorGot(), subscriber));
  });

  test('each subscribing app-id reads from its own queue, <app-id>-<topic>', async () => {
    requires(rabbit, IS_RABBITMQ, messages.notRabbitQueues);
    // Each sidecar declared its queue when it subscribed, before the run was up: asking now finds it, whatever its name.
    const names = ['order-subscriber', AUDITOR].map((appId) => `${appId}-${topic}`);
    const states = await queueStates(names);
    must(names.every((name) => states.get(name)), messages.noQueue(states));
  });
});

const messages = {
  noPubsub: (listed: string) =>
    `The subscriber's sidecar has no component named \`pubsub\` (its /v1.0/metadata lists: ${listed}). ` +
    'The subscriber uses that name.',
  stillOther: (type: string) => `The component \`pubsub\` is \`${type}\`, not RabbitMQ's pub/sub component.`,
  notRabbit: 'The component is not RabbitMQ yet, so how it connects to RabbitMQ cannot be checked.',
  noConnectionString: (names: string[]) => {
    // RabbitMQ's component also builds its URL from separate entries (contrib pubsub/rabbitmq metadata.go connectionURI).
    const parts = names.filter((n) => ['protocol', 'hostname', 'username', 'password'].includes(n));
    return (
      `${FILE} has no \`connectionString\` entry (its spec.metadata has: ${names.join(', ') || 'nothing'}). ` +
      (parts.length
        ? `The component builds the broker's URL from ${parts.map((n) => `\`${n}\``).join(', ')} instead; the task asks for the one \`connectionString\` URL.`
        : 'Without one the component quietly falls back to a default address, which happened to work here.')
    );
  },
  onlyHost:
    `${FILE} gives the broker's address in \`host\`, the deprecated name of the entry the task asks for.`,
  otherBroker: (url: string) =>
    `The connectionString is \`${url}\`, not the task's RabbitMQ (localhost, port 5672, user and password guest). Look at each part of the URL.`,
  deprecatedHost:
    `${FILE} still has a \`host\` entry beside connectionString. RabbitMQ's component reads connectionString; \`host\` is its deprecated name.`,
  missed: (got: (string | undefined)[], auditor: (string | undefined)[]) =>
    `The subscriber received ${JSON.stringify(got)} of the orders ${JSON.stringify(orders.map((o) => o.orderId))} published to ` +
    `\`${topic}\` (GET /received)` +
    (auditor.some((id) => !got.includes(id))
      ? `; ${AUDITOR}, a second app-id subscribed to the same topic through the same component, received ${JSON.stringify(auditor)}.`
      : '.'),
  duplicates: (got: (string | undefined)[]) =>
    `The subscriber received ${got.length} orders for the ${orders.length} published: ${JSON.stringify(got)}. Each should arrive once.`,
  notRabbitQueues: 'The component is not RabbitMQ yet, so there are no RabbitMQ queues to look at.',
  noQueue: (states: Map<string, QueueState | undefined>) =>
    `RabbitMQ (asked with a passive declare, which creates nothing) has ${[...states]
      .map(([name, state]) =>
        state ? `a queue \`${name}\` (${state.consumers} consumer(s), ${state.messages} message(s) waiting)` : `no queue \`${name}\``,
      )
      .join(' and ')}, though both apps subscribed to \`${topic}\`. ` +
    'The sidecars read the topic from queues named otherwise: two replicas of one app-id would then not share one queue, ' +
    'and an app that restarts would not find its queue again.',
  auditorMissed: (auditor: (string | undefined)[], subscriber: (string | undefined)[]) =>
    `${AUDITOR}, a second app-id subscribed to \`${topic}\` through the same component, received ${JSON.stringify(auditor)} of the ` +
    `orders ${JSON.stringify(orders.map((o) => o.orderId))} within 5 s; order-subscriber received ${JSON.stringify(subscriber)}. ` +
    'Each subscribing app-id should get every order.',
};
