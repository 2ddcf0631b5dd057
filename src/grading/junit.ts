// `course check --reporter junit`: JUnit XML, a testsuite per exercise, a testcase per expectation,
// for CI systems that draw test reports.
import { timelineLines } from '../timeline/diagram.js';
import type { CheckResult } from './result.js';

export function toJUnit(results: CheckResult[]): string {
  const all = results.flatMap((r) => r.expectations);
  const failures = all.filter((e) => !e.passed).length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="course check" tests="${all.length}" failures="${failures}" time="${seconds(
      results.reduce((sum, r) => sum + r.timings.totalMs, 0),
    )}">`,
  ];
  for (const result of results) {
    const failed = result.expectations.filter((e) => !e.passed).length;
    lines.push(
      `  <testsuite name="${xml(result.exerciseId)}" tests="${result.expectations.length}" failures="${failed}" ` +
        `errors="0" time="${seconds(result.timings.totalMs)}">`,
      `    <properties><property name="outcome" value="${result.outcome}"/></properties>`,
    );
    for (const e of result.expectations) {
      const open = `    <testcase name="${xml(e.name)}" classname="${xml(result.exerciseId)}" time="${seconds(e.durationMs)}"`;
      if (e.passed) {
        lines.push(`${open}/>`);
        continue;
      }
      const body = [e.message ?? '', ...(e.logExcerpt ?? [])].join('\n').trim();
      // What happened to the messages while it ran, so an instructor sees it without rerunning.
      const timeline = timelineLines(e.timeline ?? [], TEXT_WIDTH).join('\n');
      lines.push(
        `${open}>`,
        `      <failure message="${xml(e.message ?? 'failed')}" type="${e.kind ?? 'code'}">${xml(body)}</failure>`,
        ...(timeline ? [`      <system-out>${xml(timeline)}</system-out>`] : []),
        '    </testcase>',
      );
    }
    if (failed > 0 && result.timeline?.length) {
      lines.push(`    <system-out>${xml(timelineLines(result.timeline, TEXT_WIDTH).join('\n'))}</system-out>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n');
}

/** Timelines in JUnit are read in CI pages, wider than a terminal. */
const TEXT_WIDTH = 120;

// ANSI escapes (log lines may carry colour) and characters XML 1.0 cannot hold at all.
// eslint-disable-next-line no-control-regex
const NOT_XML = /\u001b\[[0-9;]*[A-Za-z]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function xml(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
