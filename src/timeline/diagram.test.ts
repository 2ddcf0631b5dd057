// The terminal diagram: lanes, arrows and answers, within the width, and the failure's few events.
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, test } from 'vitest';
import { correlate } from './correlate.js';
import { eventLine, logLinesBeside, timelineLines } from './diagram.js';
import { explain } from './explain.js';
import type { TimelineEvent } from './model.js';
import { delivery, entry, envelope, observations, publishCall, RETRY, SUCCESS } from './testdata/observed.js';

const bad = envelope('ev-bad', 'orders', { orderId: 'dl-bad', amount: -5 });
const good = envelope('ev-good', 'orders', { orderId: 'dl-good', amount: 25 });

/** A dead-letters run: a good order charged at once, a bad one retried twice, then dead-lettered. */
const run = correlate(
  observations({
    calls: [
      { app: 'checkout', exchange: publishCall(1000, 'orders', { orderId: 'dl-good', amount: 25 }) },
      { app: 'checkout', exchange: publishCall(2000, 'orders', { orderId: 'dl-bad', amount: -5 }) },
    ],
    deliveries: [
      { app: 'payments', exchange: delivery(1010, '/orders', good, 200, SUCCESS) },
      { app: 'payments', exchange: delivery(2010, '/orders', bad, 200, RETRY) },
      { app: 'payments', exchange: delivery(2060, '/orders', bad, 200, RETRY) },
      { app: 'payments', exchange: delivery(2110, '/orders', bad, 200, RETRY) },
      { app: 'payments', exchange: delivery(2120, '/dead', bad, 200, SUCCESS) },
    ],
    broker: {
      at: 3000,
      streams: [
        {
          topic: 'orders',
          entries: [
            { entryId: entry(1002), envelope: good },
            { entryId: entry(2002), envelope: bad },
          ],
          groups: [{ name: 'payments', lastDeliveredId: entry(2002), pending: [] }],
        },
        { topic: 'orders-dead', entries: [{ entryId: entry(2115), envelope: bad }], groups: [{ name: 'payments', lastDeliveredId: entry(2115), pending: [entry(2115)] }] },
      ],
    },
  }),
);

const plain = (lines: string[]) => lines.map((l) => stripVTControlCharacters(l));

describe('the terminal diagram', () => {
  test('draws a lane per app, an arrow per attempt with its answer, the dead letter and what is left pending', () => {
    const lines = plain(timelineLines(run, 80));
    expect(lines[0]).toMatch(/^\s+checkout\s+payments$/);
    const rows = lines.slice(1).join('\n');
    expect(rows).toMatch(/●\s+│\s+A publish orders \{"orderId":"dl-good"/);
    expect(rows).toMatch(/├─+▶\s+B orders #1 RETRY/);
    expect(rows).toMatch(/├─+▶\s+B orders #2 RETRY/);
    expect(rows).toMatch(/├─+▶\s+B orders #3 RETRY/);
    expect(rows).toMatch(/✗\s+B dead-lettered to orders-dead/);
    expect(rows).toMatch(/↻\s+B orders-dead #1 SUCCESS/);
    expect(rows).toMatch(/!\s+B still pending at payments on orders-dead/);
    // Acknowledged messages say nothing more: no broker row for them.
    expect(rows).not.toMatch(/A .*pending|A .*never read/);
    expect(lines.indexOf(lines.find((l) => l.includes('#3 RETRY'))!)).toBeLessThan(lines.indexOf(lines.find((l) => l.includes('dead-lettered'))!));
  });

  test.each([40, 60, 80, 120])('no line is wider than %i columns', (width) => {
    for (const line of plain(timelineLines(run, width))) expect(line.length).toBeLessThanOrEqual(width);
  });

  test('too many lanes for the width: one line per event instead', () => {
    const apps = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf'];
    const events: TimelineEvent[] = apps.map((app, i) => ({ at: 1000 + i, kind: 'delivery', app, from: 'check', topic: 't', eventId: 'x', attempt: 1, answer: { outcome: 'success', label: 'SUCCESS', durationMs: 1 } }));
    const lines = plain(timelineLines(events, 80));
    expect(lines).toHaveLength(apps.length);
    expect(lines[0]).toMatch(/0ms A check → alpha: t #1 SUCCESS$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  test('a long answer wraps under its row, the lanes drawn through', () => {
    const events: TimelineEvent[] = [
      { at: 0, kind: 'delivery', app: 'payments', from: 'check', topic: 'orders', eventId: 'x', attempt: 1, answer: { outcome: 'success', label: 'SUCCESS', threw: 'Error: cannot charge -5 for order dl-bad because the card was declined', durationMs: 1 } },
    ];
    const lines = plain(timelineLines(events, 60));
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[2]).toMatch(/^\s+│\s+│\s+\S/);
    expect(lines.join(' ')).toMatch(/the handler\s.*threw: Error: cannot charge/);
  });

  test('five or more attempts that got the same answer, one after the other: the first, one row for those between, the last', () => {
    const attempts: TimelineEvent[] = Array.from({ length: 18 }, (_, i) => ({
      at: 1000 + i * 200,
      kind: 'delivery',
      app: 'shipping',
      from: 'payment',
      topic: 'payment.charged',
      eventId: 'x',
      attempt: i + 1,
      answer: i < 17 ? { outcome: 'error', label: 'no answer', durationMs: 1 } : { outcome: 'success', label: 'SUCCESS', durationMs: 1 },
    }));
    const lines = plain(timelineLines(attempts, 80)).slice(1);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\s+0ms .* A payment\.charged #1 no answer$/);
    expect(lines[1]).toMatch(/^\s+3\.00s .* A payment\.charged #2–#16 no answer, each time$/);
    expect(lines[2]).toMatch(/^\s+3\.20s .* A payment\.charged #17 no answer$/);
    expect(lines[3]).toMatch(/^\s+3\.40s .* A payment\.charged #18 SUCCESS$/);
    // Four alike (a retry policy's few attempts) are each drawn.
    expect(plain(timelineLines(attempts.slice(13), 80)).slice(1)).toHaveLength(5);
  });

  test('one line per event for course run', () => {
    const lines = run.filter((e) => e.kind !== 'broker').map((e) => stripVTControlCharacters(eventLine(e)));
    expect(lines[0]).toBe('checkout ● publish orders {"orderId":"dl-good","amount":25} id ev-good');
    expect(lines).toContain('checkout → payments orders #2 RETRY (2 ms) id ev-bad');
    expect(lines).toContain('payments dead-lettered to orders-dead (from orders) id ev-bad');
  });
});

describe('the events that explain a failure', () => {
  test('are the stories of the messages active in its time window, the one that went wrong first', () => {
    const chosen = explain(run, 2000, 2200);
    expect(new Set(chosen.map((e) => e.eventId))).toEqual(new Set(['ev-bad']));
    expect(chosen.some((e) => e.kind === 'dead-letter')).toBe(true);
    expect(chosen.some((e) => e.kind === 'broker' && e.state === 'pending')).toBe(true);
  });

  test('keep whole stories within the limit, troubled ones first', () => {
    const chosen = explain(run, 0, 5000, 8);
    expect(new Set(chosen.map((e) => e.eventId))).toEqual(new Set(['ev-bad']));
    expect(explain(run, 0, 5000, 20).length).toBe(run.filter((e) => e.kind !== 'state' && e.kind !== 'subscriptions').length);
  });

  test('a window with nothing in it explains nothing', () => {
    expect(explain(run, 5000, 6000)).toEqual([]);
  });

  test('about what the failure names: the messages that carry it, though another had more trouble', () => {
    expect(new Set(explain(run, 0, 5000, 14, ['dl-good']).map((e) => e.eventId))).toEqual(new Set(['ev-good']));
    expect(new Set(explain(run, 0, 5000, 14, ['ev-good']).map((e) => e.eventId))).toEqual(new Set(['ev-good']));
    // A value only part of a field does not count, and naming nothing found falls back to the trouble.
    expect(new Set(explain(run, 0, 5000, 8, ['dl']).map((e) => e.eventId))).toEqual(new Set(['ev-bad']));
  });

  test('about several things: the first named first, each story from the window on after the publish that began it', () => {
    // Both stories fit in 14 events; in 8, only the first named does, though it had less trouble.
    expect(new Set(explain(run, 0, 5000, 8, ['dl-good', 'dl-bad']).map((e) => e.eventId))).toEqual(new Set(['ev-good']));
    expect(new Set(explain(run, 0, 5000, 8, ['dl-bad', 'dl-good']).map((e) => e.eventId))).toEqual(new Set(['ev-bad']));
    // From 2100 on: the publish at 2000, then only the last attempt, the dead letter and the broker's state.
    const late = explain(run, 2100, 5000, 14, ['dl-bad']);
    expect(late[0]).toMatchObject({ kind: 'publish', at: 2000 });
    expect(late.filter((e) => e.kind === 'delivery').map((e) => e.at)).toEqual([2110, 2120]);
    // Named, but all of it before the window (a duplicate a later test found): the whole story.
    const before = explain(run, 5000, 6000, 14, ['dl-bad']);
    expect(before.filter((e) => e.kind === 'delivery').map((e) => e.at)).toEqual([2010, 2060, 2110, 2120]);
  });

  test('log lines the diagram says are left out beside it; the apps own lines stay', () => {
    const excerpt = [
      '[payments] charging order dl-bad (-5)',
      '[daprd payments] warning: encountered a retriable error while publishing a subscribed message to topic orders, err: <nil>',
      '[daprd payments] warning: Error processing operation component[pubsub] input. Retrying in 50ms…',
      '[daprd payments] error: Error processing Redis message 1-0: RETRY status returned from app while processing pub/sub event x: retriable error occurred',
      '[daprd payments] warning: component pubsub: something else',
    ];
    expect(logLinesBeside(excerpt, run)).toEqual([excerpt[0], excerpt[4]]);
    expect(logLinesBeside(excerpt, [])).toEqual(excerpt);
  });
});
