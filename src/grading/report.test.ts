import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import { toJUnit } from './junit.js';
import type { TimelineEvent } from '../timeline/model.js';
import { outcomeOf, type CheckResult, type ExpectationResult } from './result.js';
import { groupFailures, outcomeMessage, reportLines, summaryLine } from './text-report.js';

const result: CheckResult = {
  exerciseId: 'greet',
  dir: '/w',
  outcome: 'code',
  expectations: [
    { name: 'exports greet', passed: true, durationMs: 12 },
    {
      name: 'greets by name',
      passed: false,
      kind: 'code',
      message: 'expected "Hello" to be <"Hello, Ada!"> & more',
      logExcerpt: ['app | \u001b[31mboom\u001b[39m'],
      durationMs: 2500,
    },
  ],
  timings: { environmentMs: 1, servicesMs: 2, assertionsMs: 3, totalMs: 3100 },
};

const visible = (line: string) => line.replace(/\u001b\[[0-9;]*m/g, '');

function failing(name: string, extra: Partial<ExpectationResult> = {}): ExpectationResult {
  return { name, passed: false, kind: 'code', message: `${name}: no`, durationMs: 5, ...extra };
}

describe('text report', () => {
  it('lists what passed, then each failure with its reason, where to look and the logs that matter', () => {
    const { exercise } = fixtureCourse();
    const lines = reportLines(result, exercise('greet'), { width: 80 });
    expect(lines.slice(0, 5)).toEqual([
      '✓ exports greet',
      '✗ greets by name (2.5 s)',
      '    expected "Hello" to be <"Hello, Ada!"> & more',
      '    Where to look: In greet.ts, the string `greet` returns.',
      '    │ app | \u001b[31mboom\u001b[39m',
    ]);
    expect(lines).toContain('1 passed, 1 failed');
  });

  it('states a shared cause once and names the expectations it fails under it', () => {
    const { exercise } = fixtureCourse();
    const hook = 'The environment did not start: redis-server exited.';
    const cause = 'a routing rule fails to evaluate, so nothing is delivered';
    const expectations = [
      pass('exports greet'),
      failing('one', { rootCause: cause, message: 'nothing arrived on email' }),
      failing('two', { blockedBy: 'one', message: 'no event, so its type cannot be checked' }),
      failing('three', { rootCause: cause, message: 'nothing arrived on sms' }),
      failing('four', { message: hook }),
      failing('five', { message: hook }),
      failing('six', { blockedBy: 'exports greet' }),
    ];
    const groups = groupFailures(expectations.filter((e) => !e.passed));
    expect(groups.map((g) => [g.head.name, g.rootCause, g.others.map((o) => o.name)])).toEqual([
      ['one', cause, ['two', 'three']],
      ['four', undefined, ['five']],
      ['six', undefined, []],
    ]);
    const text = reportLines(resultWith(expectations), exercise('greet'), { width: 80 }).join('\n');
    expect(text).not.toContain('fails to evaluate'); // the label groups; the head's message says it in full
    expect(text.match(/redis-server exited/g)).toHaveLength(1);
    expect(text).not.toContain('nothing arrived on sms');
    expect(text).toMatch(/✗ one\n {4}nothing arrived on email\n {4}These 2 also fail, for the same reason:\n {6}✗ two\n {6}✗ three/);
    expect(text).toContain('Your code did not pass 6 checks, for 3 reasons.');
  });

  it('gives no expectation\'s pointer under a diagnosis the check named: its message says where to look', () => {
    const { exercise } = fixtureCourse();
    const named = [failing('greets by name', { rootCause: 'no subscription', message: 'The app subscribes to nothing: look at its subscribe call.' })];
    expect(reportLines(resultWith(named), exercise('greet'), { width: 80 }).join('\n')).not.toContain('Where to look');
    const plain = [failing('greets by name', { message: 'expected "Hello" to be "Hello, Ada!"' })];
    expect(reportLines(resultWith(plain), exercise('greet'), { width: 80 }).join('\n')).toContain('Where to look: In greet.ts');
  });

  it('wraps every line to the width at word boundaries, never inside code', () => {
    const { exercise } = fixtureCourse();
    const message = 'The notifier\'s sidecar has no subscription to `notifications` on `pubsub` (it has: none). Subscribe with `server.pubsub.subscribeWithOptions` before `server.start()`.';
    const expectations = [failing('each event type reaches exactly its channels, whatever the priority says', { message })];
    for (const width of [40, 80]) {
      const lines = reportLines(resultWith(expectations), exercise('greet'), { width }).map(visible);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(width);
      expect(lines.join('\n')).toContain('`server.pubsub.subscribeWithOptions`');
    }
  });

  it('leaves out daprd start-up noise from the log lines', () => {
    const { exercise } = fixtureCourse();
    const logExcerpt = [
      "[daprd notifier] warning: The default value for 'spec.metric.http.increasedCardinality' will change to 'false' in Dapr 1.15 or later",
      '[daprd notifier] warning: mTLS is disabled. Skipping certificate request and tls validation',
      '[notifier] TypeError: channels.sms.send is not a function',
    ];
    const text = reportLines(resultWith([failing('one', { logExcerpt })]), exercise('greet'), { width: 100 }).join('\n');
    expect(text).toContain('TypeError: channels.sms.send');
    expect(text).not.toContain('increasedCardinality');
    expect(text).not.toContain('mTLS');
  });

  it('names a type error as the likely cause, with file:line and plain words', () => {
    const { exercise } = fixtureCourse();
    const typeProblems = [
      {
        file: 'greet.ts',
        line: 16,
        column: 5,
        code: 'TS2353',
        message: "Object literal may only specify known properties, and ''cloudevent.type'' does not exist in type 'PubSubPublishOptions'.",
      },
    ];
    const text = reportLines(resultWith([failing('one')]), exercise('greet'), { width: 80, typeProblems }).map(visible).join('\n');
    expect(text).toContain('TypeScript finds a mistake in your files, the likely cause:');
    expect(text).toContain('  greet.ts:16:5 an object with a property its type does not have: is it at the\n    right nesting?\n    TS2353: Object literal may only specify known properties');
    expect(text).toContain("''cloudevent.type'' does not exist in type 'PubSubPublishOptions'.");
  });

  it('never breaks a course command across lines, so it can be copied whole', () => {
    const { exercise } = fixtureCourse();
    const passed = resultWith([{ name: 'greets by name', passed: true, durationMs: 5 }]);
    for (const width of [40, 60, 80]) {
      const lines = reportLines(passed, exercise('greet'), { width, watching: true }).map(visible);
      expect(lines.some((line) => line.includes('npx course solution greet')), lines.join('\n')).toBe(true);
    }
  });

  it('closes with the counts, words the outcome by who is to blame, and counts the hints', () => {
    const { exercise } = fixtureCourse();
    const greet = exercise('greet');
    expect(summaryLine(result.expectations)).toBe('1 passed, 1 failed');
    expect(outcomeMessage('passed', greet, 0)).toContain('npx course next');
    expect(outcomeMessage('code', greet, 1)).toMatch(/Your code did not pass one check[\s\S]*npx course hint greet \(hint 1 of 3\)/);
    expect(outcomeMessage('code', greet, 1, false, { hintsSeen: 2 })).toContain('(hint 3 of 3)');
    expect(outcomeMessage('code', greet, 1, false, { hintsSeen: 3 })).toContain('seen all 3 hints');
    expect(outcomeMessage('environment', greet, 1)).toMatch(/environment failed, not your code[\s\S]*npx course doctor/);
    expect(outcomeMessage('timeout', greet, 1)).toContain('timed out');
  });

  it('never prints a hint of the ladder under a failure', () => {
    const { exercise } = fixtureCourse();
    const greet = exercise('greet');
    const text = reportLines(result, greet, { width: 100 }).join('\n');
    for (const hint of greet.hints) expect(text).not.toContain(hint);
  });
});

function resultWith(expectations: ExpectationResult[]): CheckResult {
  return { ...result, outcome: outcomeOf(expectations), expectations };
}

const pass = (name: string): ExpectationResult => ({ name, passed: true, durationMs: 1 });

describe('JUnit reporter', () => {
  it('writes a testsuite per exercise and a testcase per expectation, failures with their message', () => {
    const xml = toJUnit([result]);
    expect(xml).toContain('<testsuite name="greet" tests="2" failures="1" errors="0" time="3.100">');
    expect(xml).toContain('<testcase name="exports greet" classname="greet" time="0.012"/>');
    expect(xml).toContain(
      '<failure message="expected &quot;Hello&quot; to be &lt;&quot;Hello, Ada!&quot;&gt; &amp; more" type="code">',
    );
    expect(xml).toContain('app | boom</failure>');
    expect(xml).not.toContain('\u001b');
  });
});

describe('the timeline in the reports', () => {
  const timeline: TimelineEvent[] = [
    { at: 1000, kind: 'publish', app: 'check', by: 'check', via: 'payments', topic: 'orders', eventId: 'ev-1', data: { orderId: 'o-1' }, status: 204 },
    { at: 1010, kind: 'delivery', app: 'payments', from: 'check', topic: 'orders', eventId: 'ev-1', attempt: 1, answer: { outcome: 'retry', label: 'RETRY', status: 200, durationMs: 2 } },
    { at: 1060, kind: 'delivery', app: 'payments', from: 'check', topic: 'orders', eventId: 'ev-1', attempt: 2, answer: { outcome: 'retry', label: 'RETRY', status: 200, durationMs: 2 } },
    { at: 1070, kind: 'dead-letter', app: 'payments', topic: 'orders-dead', fromTopic: 'orders', eventId: 'ev-1' },
  ];
  const failed: CheckResult = {
    ...result,
    expectations: [result.expectations[0]!, { ...result.expectations[1]!, timeline, logExcerpt: ['[daprd payments] warning: encountered a retriable error while publishing a subscribed message to topic orders, err: <nil>', '[payments] charging o-1'] }],
    timeline,
  };

  it('draws a failure’s events under it, in place of the sidecar lines they explain', () => {
    const { exercise } = fixtureCourse();
    const lines = reportLines(failed, exercise('greet'), { width: 100 }).map((l) => stripVTControlCharacters(l));
    const text = lines.join('\n');
    expect(text).toMatch(/check\s+payments/);
    expect(text).toMatch(/├─+▶\s+A orders #2 RETRY/);
    expect(text).toMatch(/✗\s+A dead-lettered to orders-dead/);
    expect(text).toContain('│ [payments] charging o-1');
    expect(text).not.toContain('retriable error while publishing');
  });

  it('JSON carries every event with its time, kind, app, topic, event id, attempt and answer', () => {
    const json = JSON.parse(JSON.stringify(failed)) as CheckResult;
    expect(json.timeline).toEqual(timeline);
    expect(json.timeline![1]).toMatchObject({ at: 1010, kind: 'delivery', app: 'payments', topic: 'orders', eventId: 'ev-1', attempt: 1, answer: { label: 'RETRY' } });
  });

  it('JUnit attaches a failed case’s events as its system-out, and the whole check’s to the suite', () => {
    const xml = toJUnit([failed]);
    const testcase = xml.slice(xml.indexOf('<testcase name="greets by name"'), xml.indexOf('</testcase>'));
    expect(testcase).toMatch(/<system-out>[^<]*check\s+payments[^<]*orders #2 RETRY[^<]*dead-lettered to orders-dead[^<]*<\/system-out>/);
    expect(xml).toMatch(/<\/testcase>\n {4}<system-out>[^<]*publish orders[^<]*<\/system-out>\n {2}<\/testsuite>/);
    expect(xml).not.toContain('\u001b');
    expect(toJUnit([{ ...result, timeline }])).not.toMatch(/<testcase name="exports greet"[^>]*>\s*<system-out>/);
  });
});
