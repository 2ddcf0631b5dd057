// The shop of the lesson "A complete flow: the shop" runs as shipped: started from its dapr.yaml
// with real sidecars and a real Redis (on free ports, so a `course run` of it may be up at the
// same time), an order placed over HTTP travels through all four services.
import { afterAll, beforeAll, describe, test } from 'vitest';
import { eventually, getJson, must, postJson } from '../../../../checks/lib/expect.js';
import { readRunFile, startEnvironment, type Environment } from '../../../../src/harness/environment.js';

interface Order {
  orderId: string;
  status: string;
}
interface Notification {
  orderId: string;
  type: string;
}

let env: Environment | undefined;

beforeAll(async () => {
  const runFile = readRunFile(import.meta.dirname);
  env = await startEnvironment({
    resourcesDir: runFile.apps[0]!.resourcesDir,
    apps: runFile.apps.map((app) => ({ appId: app.appId, command: app.command, cwd: app.dir, env: app.env })),
  });
}, 90_000);

afterAll(async () => {
  await env?.stop();
});

const url = (appId: string, path: string) => `${env!.app(appId).appUrl}${path}`;

/** Places an order, then waits until it has `status` and the notification service sent `types` for it. */
async function follow(body: unknown, status: string, types: string[]): Promise<void> {
  const answer = await postJson(url('order-service', '/orders'), body);
  must(answer.status === 201, `POST /orders answered ${answer.status}: ${answer.text}`);
  const { orderId } = JSON.parse(answer.text) as Order;
  await eventually(
    () => getJson<Order>(url('order-service', `/orders/${orderId}`)),
    (order) => order.status === status,
    (order) => `Order ${orderId} is ${order?.status ?? 'unreadable'}, not ${status}.`,
    10_000,
  );
  const typesFor = (list: Notification[] | undefined) => (list ?? []).filter((n) => n.orderId === orderId).map((n) => n.type);
  await eventually(
    () => getJson<Notification[]>(url('notification-service', '/notifications')),
    (list) => typesFor(list).length === types.length && types.every((t) => typesFor(list).includes(t)),
    (list) => `The notification service sent ${JSON.stringify(typesFor(list))} for order ${orderId}, not ${JSON.stringify(types)}.`,
  );
}

describe('the e-commerce example', () => {
  test('an order that is in stock and within the card limit ends completed, with a notification for each of its events', async () => {
    await follow({ items: [{ sku: 'mug', quantity: 2 }], total: 24 }, 'completed', [
      'order.created',
      'inventory.reserved',
      'payment.completed',
    ]);
  });

  test('an order for an item out of stock ends rejected, with a notification for each of its two events', async () => {
    await follow({ items: [{ sku: 'poster', quantity: 1 }], total: 15 }, 'rejected', ['order.created', 'inventory.rejected']);
  });
});
