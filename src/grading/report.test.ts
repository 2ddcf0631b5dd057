import { describe, expect, it } from 'vitest';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import { toJUnit } from './junit.js';
import type { CheckResult } from './result.js';
import { expectationLines, outcomeMessage, summaryLine } from './text-report.js';

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

describe('text report', () => {
  it('prints a passed expectation as one line and a failed one with reason, keyed hint and logs', () => {
    const { exercise } = fixtureCourse();
    expect(expectationLines(result.expectations[0]!, exercise('greet'))).toEqual(['✓ exports greet']);
    expect(expectationLines(result.expectations[1]!, exercise('greet'))).toEqual([
      '✗ greets by name (2.5 s)',
      '    expected "Hello" to be <"Hello, Ada!"> & more',
      '    Hint: The name goes between `Hello, ` and `!`.',
      '    │ app | \u001b[31mboom\u001b[39m',
    ]);
  });

  it('closes with the counts and words the outcome by who is to blame', () => {
    const { exercise } = fixtureCourse();
    const greet = exercise('greet');
    expect(summaryLine(result.expectations)).toBe('1 passed, 1 failed');
    expect(outcomeMessage('passed', greet, 0)).toContain('npx course next');
    expect(outcomeMessage('code', greet, 1)).toMatch(/Your code did not pass one check[\s\S]*npx course hint greet/);
    expect(outcomeMessage('environment', greet, 1)).toMatch(/environment failed, not your code[\s\S]*npx course doctor/);
    expect(outcomeMessage('timeout', greet, 1)).toContain('timed out');
  });
});

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
