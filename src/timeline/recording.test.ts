// The recording on the real daprd 1.18.2 and Redis: with the hops in place daprd delivers exactly as
// without them (attempts per answer, dead letters, acknowledgements), and the timeline records each
// attempt with the answer daprd acted on. Also proves the API checks use: env().timeline.
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { startEnvironment, type Environment } from '../harness/environment.js';
import type { ProbeAnswer } from '../harness/probe.js';
import { quickRetries } from '../harness/testdata/quick-retries.js';
import { fieldsOf } from './broker.js';

const testdata = path.join(import.meta.dirname, '..', 'harness', 'testdata');

/** Each topic's subscriber answers one way; every failing one dead-letters to `dlq`. */
const ANSWERS: Record<string, ProbeAnswer> = {
  't-retry': { status: 200, body: { status: 'RETRY' } },
  't-500': { status: 500, body: 'boom' },
  't-unknown': { status: 200, body: { status: 'processed' } },
  't-drop': { status: 200, body: { status: 'DROP' } },
  't-404': { status: 404 },
  't-ok': { status: 200, body: { status: 'SUCCESS' } },
  't-empty': { status: 204 },
};
const TOPICS = Object.keys(ANSWERS);

let env: Environment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
  delete process.env.COURSE_TIMELINE;
});

async function scenario(timeline: 'on' | 'off'): Promise<{ env: Environment; observed: Record<string, unknown> }> {
  process.env.COURSE_TIMELINE = timeline;
  env = await startEnvironment({
    resourcesDir: path.join(testdata, 'redis-pubsub'),
    extraResources: [quickRetries(2)],
    apps: [
      { appId: 'publisher' },
      { appId: 'sdk', command: ['npx', 'tsx', 'sdk-subscriber.ts'], cwd: testdata, env: { HANDLER_MODE: 'throw' } },
      {
        appId: 'probe',
        probe: [
          ...TOPICS.map((topic) => ({ pubsubname: 'pubsub', topic, deadLetterTopic: 'dlq' })),
          { pubsubname: 'pubsub', topic: 'dlq' },
        ],
      },
    ],
  });
  const probe = env.probe('probe');
  probe.respond = (d) => ANSWERS[d.topic] ?? { status: 200, body: { status: 'SUCCESS' } };
  for (const topic of TOPICS) await env.publish('publisher', 'pubsub', topic, { topic });
  await env.publish('publisher', 'pubsub', 'orders', { id: 'thrown' });
  // Done when every failing topic's event reached the dead-letter topic and the broker holds
  // nothing pending or unread.
  const failing = TOPICS.filter((t) => !['t-ok', 't-empty'].includes(t)).length;
  expect(await probe.waitUntil((d) => d.filter((x) => x.topic === 'dlq').length === failing, 15_000)).toBe(true);
  expect(await settled(env, [...TOPICS, 'orders', 'dlq'], 10_000)).toBe(true);
  const perTopic = Object.fromEntries(TOPICS.map((t) => [t, probe.on(t).length]));
  const deadLettered = probe.on('dlq').map((d) => d.event.topic).sort();
  const sdkAttempts = await (await fetch(`${env.app('sdk').appUrl}/attempts`)).json();
  const metrics = await (await fetch(`http://127.0.0.1:${env.app('probe').sidecar.ports.metrics}/metrics`)).text();
  const outcomes = [...metrics.matchAll(/^dapr_component_pubsub_ingress_count\{([^}]*)\} (\S+)/gm)]
    .map(([, labels, value]) => `${/topic="([^"]+)"/.exec(labels!)![1]} ${/process_status="([^"]+)"/.exec(labels!)![1]} ${value}`)
    .sort();
  return { env, observed: { perTopic, deadLettered, sdkAttempts, outcomes } };
}

/** Every consumer group of these topics has read everything and has nothing pending. */
async function settled(env: Environment, topics: string[], timeoutMs: number): Promise<boolean> {
  const redis = new Redis({ host: env.redis!.host, port: env.redis!.port });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let idle = true;
      for (const topic of topics) {
        const [last] = await redis.xrevrange(topic, '+', '-', 'COUNT', 1);
        const groups = ((await redis.xinfo('GROUPS', topic).catch(() => [])) as unknown[][]).map(fieldsOf);
        if (groups.some((g) => Number(g.pending) > 0 || (last && g['last-delivered-id'] !== last[0]))) idle = false;
      }
      if (idle) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    redis.disconnect();
  }
}

describe('recording on the real daprd', { timeout: 120_000 }, () => {
  test('daprd delivers, retries, drops and dead-letters the same with the recording hops as without them', async () => {
    const { env: unrecorded, observed: without } = await scenario('off');
    // Off means off: no hop, nothing recorded, and a check that needs the timeline says so.
    expect(unrecorded.timeline.enabled).toBe(false);
    expect(unrecorded.timeline.events()).toEqual([]);
    expect([...unrecorded.apps.values()].every((a) => a.recording === undefined)).toBe(true);
    expect(() => unrecorded.timeline.requireEnabled()).toThrow('COURSE_TIMELINE=off');
    await env!.stop();
    env = undefined;
    const { env: recorded, observed } = await scenario('on');
    expect(observed).toEqual(without);
    // And what that is, as daprd 1.18.2 does it: maxRetries 2 makes 3 attempts of a retried answer.
    expect(without.perTopic).toEqual({ 't-retry': 3, 't-500': 3, 't-unknown': 3, 't-drop': 1, 't-404': 1, 't-ok': 1, 't-empty': 1 });
    expect(without.deadLettered).toEqual(['t-404', 't-500', 't-drop', 't-retry', 't-unknown']);
    expect(without.sdkAttempts).toEqual({ thrown: 1 });
    expect(recorded.timeline.enabled).toBe(true);
    expect(() => recorded.timeline.requireEnabled()).not.toThrow();
  });

  test('the timeline records every attempt with the answer daprd acted on, the dead letters and the acknowledgements', async () => {
    const { env: run } = await scenario('on');
    const { timeline } = run;
    const labels = (topic: string) => timeline.deliveries({ app: 'probe', topic }).map((d) => `#${d.attempt} ${d.answer?.label}`);
    expect(labels('t-retry')).toEqual(['#1 RETRY', '#2 RETRY', '#3 RETRY']);
    expect(labels('t-500')).toEqual(['#1 HTTP 500', '#2 HTTP 500', '#3 HTTP 500']);
    expect(labels('t-unknown')).toEqual(['#1 "processed" (unknown: retried)', '#2 "processed" (unknown: retried)', '#3 "processed" (unknown: retried)']);
    expect(labels('t-drop')).toEqual(['#1 DROP']);
    expect(labels('t-404')).toEqual(['#1 HTTP 404 (dropped)']);
    expect(labels('t-ok')).toEqual(['#1 SUCCESS']);
    expect(labels('t-empty')).toEqual(['#1 204 (empty: success)']);

    // A handler that throws: one delivery, answered SUCCESS by the SDK, marked as thrown.
    const [thrown, ...more] = timeline.deliveries({ app: 'sdk', topic: 'orders' });
    expect(more).toEqual([]);
    expect(thrown!.answer).toMatchObject({ outcome: 'success', label: 'SUCCESS', threw: 'Error: cannot process thrown' });

    const all = await timeline.settle();
    // Each publish got its CloudEvent id, the check as its publisher, through the publisher's sidecar.
    const publishes = all.filter((e) => e.kind === 'publish');
    expect(publishes).toHaveLength(TOPICS.length + 1);
    expect(publishes.every((p) => p.app === 'check' && p.via === 'publisher' && p.status === 204 && typeof p.eventId === 'string')).toBe(true);
    for (const d of all.filter((e) => e.kind === 'delivery' && e.topic !== 'dlq')) {
      expect(publishes.find((p) => p.eventId === d.eventId)?.topic).toBe(d.topic);
    }
    // After the last failed attempt, the dead letter, then its delivery, from the probe's sidecar.
    const retried = publishes.find((p) => p.topic === 't-retry')!.eventId;
    const story = all.filter((e) => e.eventId === retried && e.kind !== 'broker').map((e) => `${e.kind} ${e.topic}${e.attempt ? ` #${e.attempt}` : ''}`);
    expect(story).toEqual(['publish t-retry', 'delivery t-retry #1', 'delivery t-retry #2', 'delivery t-retry #3', 'dead-letter dlq', 'delivery dlq #1']);
    expect(all.find((e) => e.kind === 'delivery' && e.eventId === retried && e.topic === 'dlq')).toMatchObject({ from: 'probe', answer: { label: 'SUCCESS' } });
    expect(all.filter((e) => e.kind === 'dead-letter').map((e) => e.fromTopic).sort()).toEqual(['t-404', 't-500', 't-drop', 't-retry', 't-unknown']);
    // The broker holds everything acknowledged by every subscriber.
    const held = all.filter((e) => e.kind === 'broker');
    expect(held.length).toBeGreaterThan(0);
    expect(held.filter((e) => e.state !== 'acked')).toEqual([]);
  });

  test('checks can wait on the timeline, and a late publish is recorded as it happens', async () => {
    const { env: run } = await scenario('on');
    await run.publish('publisher', 'pubsub', 't-retry', { late: true });
    const thirdAttempt = (events: { kind: string; attempt?: number; data?: unknown }[]) =>
      events.some((e) => e.kind === 'delivery' && e.attempt === 3 && (e.data as { late?: boolean } | undefined)?.late === true);
    expect(await run.timeline.waitFor(thirdAttempt, 10_000)).toBe(true);
    expect(run.timeline.deliveries({ topic: 't-retry', data: (d) => d?.late === true }).map((d) => d.answer?.outcome)).toEqual(['retry', 'retry', 'retry']);
    expect(await run.timeline.waitFor(() => false, 50)).toBe(false);
  });
});
