// Builders of what the hops and the broker observe, for the timeline's unit tests: the shapes are
// those seen on daprd 1.18.2 (see src/timeline/recording.test.ts for the real thing).
import type { BrokerSnapshot } from '../broker.js';
import type { Observations } from '../correlate.js';
import type { Exchange } from '../hop.js';

export function envelope(id: string, topic: string, data: unknown, source = 'checkout'): Record<string, unknown> {
  return { id, topic, pubsubname: 'pubsub', source, type: 'com.dapr.event.sent', specversion: '1.0', datacontenttype: 'application/json', data };
}

/** daprd POSTing an event to the app, and the app's answer. */
export function delivery(at: number, route: string, event: Record<string, unknown>, status: number | undefined, body = '', durationMs = 2): Exchange {
  return {
    startedAt: at,
    endedAt: at + durationMs,
    method: 'POST',
    url: route,
    requestHeaders: { 'content-type': 'application/cloudevents+json' },
    requestBody: JSON.stringify(event),
    status,
    responseBody: body,
    ...(status === undefined ? { error: 'ECONNREFUSED' } : {}),
  };
}

/** The app publishing through its sidecar's API. */
export function publishCall(at: number, topic: string, data: unknown, metadata: Record<string, string> = {}, status = 204): Exchange {
  const query = new URLSearchParams(Object.entries(metadata).map(([k, v]) => [`metadata.${k}`, v])).toString();
  return {
    startedAt: at,
    endedAt: at + 3,
    method: 'POST',
    url: `/v1.0/publish/pubsub/${topic}${query ? `?${query}` : ''}`,
    requestHeaders: { 'content-type': 'application/json' },
    requestBody: JSON.stringify(data),
    status,
    responseBody: '',
  };
}

export function stateSave(at: number, keys: string[]): Exchange {
  return {
    startedAt: at,
    endedAt: at + 1,
    method: 'POST',
    url: '/v1.0/state/statestore',
    requestHeaders: { 'content-type': 'application/json' },
    requestBody: JSON.stringify(keys.map((key) => ({ key, value: 1 }))),
    status: 204,
    responseBody: '',
  };
}

export const RETRY = '{"status":"RETRY"}';
export const SUCCESS = '{"status":"SUCCESS"}';

/** A stream entry id stored at `at` ms. */
export const entry = (at: number, seq = 0) => `${Math.floor(at)}-${seq}`;

export function observations(partial: Partial<Observations> & { broker?: BrokerSnapshot }): Observations {
  return {
    apps: [
      { name: 'checkout', appId: 'checkout' },
      { name: 'payments', appId: 'payments' },
    ],
    deliveries: [],
    calls: [],
    checkPublishes: [],
    handlerErrors: [],
    subscriptions: {
      payments: [
        { pubsubname: 'pubsub', topic: 'orders', deadLetterTopic: 'orders-dead', paths: ['/orders'] },
        { pubsubname: 'pubsub', topic: 'orders-dead', paths: ['/dead'] },
      ],
    },
    ...partial,
  };
}
