// What `course check` prints in a terminal, to be read in one look: what passed, then each cause of
// failure once (with the expectations it fails named under it), where to look, the log lines that
// bear on it, and what to do next, worded by who is to blame (your code, the environment, the
// clock). Everything is wrapped to the width at word boundaries; code is never split.
import path from 'node:path';
import type { Exercise } from '../course/manifest.js';
import { color } from '../ui/color.js';
import { inlineCode } from '../ui/inline-code.js';
import { wrapText } from '../ui/layout.js';
import { terminalWidth } from '../ui/terminal.js';
import { logLinesBeside, timelineLines } from '../timeline/diagram.js';
import type { CheckOutcome, CheckResult, ExpectationResult } from './result.js';
import type { TypeProblem } from './typecheck.js';

/** The width a report is wrapped to: the terminal's (capped for reading), 80 when piped. */
export function reportWidth(): number {
  return terminalWidth();
}

/** Failures that share a cause: the first states it, the others are named under it. */
export interface FailureGroup {
  head: ExpectationResult;
  /** The diagnosis the members share, when a check named one. */
  rootCause?: string;
  /** Failing for the same reason, or because the head failed (blockedBy). */
  others: ExpectationResult[];
}

export interface ReportOptions {
  width?: number;
  /** Type problems in the learner's files (src/grading/typecheck.ts); shown when the code failed. */
  typeProblems?: TypeProblem[];
  /** Hints the learner has seen for this exercise, for the closing line. */
  hintsSeen?: number;
  /** Under `course watch`: the closing advice talks about saving, not re-running. */
  watching?: boolean;
}

/** The whole report after `Checking …`: passes, causes of failure, the count, what next. */
export function reportLines(result: CheckResult, exercise: Exercise, options: ReportOptions = {}): string[] {
  const width = options.width ?? reportWidth();
  const passed = result.expectations.filter((e) => e.passed);
  const groups = groupFailures(result.expectations.filter((e) => !e.passed));
  const lines = passed.flatMap((e) => expectationLine(e, width));
  const types = result.outcome === 'code' || result.outcome === 'timeout' ? (options.typeProblems ?? []) : [];
  if (types.length > 0) lines.push(...typeProblemLines(types, width));
  for (const group of groups) lines.push(...groupLines(group, exercise, width));
  const failed = result.expectations.length - passed.length;
  lines.push('', summaryLine(result.expectations));
  lines.push(...wrapMessage(outcomeMessage(result.outcome, exercise, failed, options.watching, {
    causes: groups.length,
    hintsSeen: options.hintsSeen,
  }), width));
  return lines;
}

/** `✓ name (1.2 s)` or `✗ name`, wrapped under its name. */
export function expectationLine(result: ExpectationResult, width = reportWidth()): string[] {
  const took = result.durationMs >= 1000 ? ` (${(result.durationMs / 1000).toFixed(1)} s)` : '';
  const mark = result.passed ? color.green('✓') : color.red('✗');
  return wrapText(`${result.name}${took}`, width, `${mark} `, '  ').map((line) =>
    took && line.endsWith(took) ? line.slice(0, -took.length) + color.dim(took) : line,
  );
}

/**
 * Groups failures by cause, in the order their first member failed: a failure blocked by another
 * failure joins it; failures naming the same rootCause, or failing with the very same message (a
 * hook that failed gives every expectation its message), share one group.
 */
export function groupFailures(failures: ExpectationResult[]): FailureGroup[] {
  const parent = failures.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const join = (a: number, b: number) => {
    const [x, y] = [find(a), find(b)];
    if (x !== y) parent[Math.max(x, y)] = Math.min(x, y);
  };
  const byName = new Map(failures.map((f, i) => [f.name, i]));
  const byCause = new Map<string, number>();
  const byMessage = new Map<string, number>();
  failures.forEach((failure, i) => {
    const blocker = failure.blockedBy === undefined ? undefined : byName.get(failure.blockedBy);
    if (blocker !== undefined) join(i, blocker);
    if (failure.rootCause) {
      if (byCause.has(failure.rootCause)) join(i, byCause.get(failure.rootCause)!);
      else byCause.set(failure.rootCause, i);
    }
    const message = failure.message?.trim();
    if (message) {
      if (byMessage.has(message)) join(i, byMessage.get(message)!);
      else byMessage.set(message, i);
    }
  });
  const groups = new Map<number, FailureGroup>();
  failures.forEach((failure, i) => {
    const root = find(i);
    const group = groups.get(root);
    if (group) group.others.push(failure);
    else groups.set(root, { head: failure, others: [] });
  });
  for (const group of groups.values()) {
    group.rootCause = [group.head, ...group.others].find((f) => f.rootCause)?.rootCause;
  }
  return [...groups.values()];
}

/** One cause: its first expectation with the reason, where to look, its details; the others named. */
function groupLines(group: FailureGroup, exercise: Exercise, width: number): string[] {
  const { head, rootCause, others } = group;
  const lines = expectationLine(head, width);
  // A check's rootCause is a short label that groups failures; the head's message, written with
  // it, already says the same in full, so the label shows only when there is no message.
  const reason = head.message || rootCause;
  if (reason) lines.push(...indented(reason, width));
  // Where to look in the learner's code: not when the environment failed (nothing of theirs ran),
  // nor under a diagnosis the check named (its message says where; an expectation's own pointer
  // would send the learner after that expectation's requirement instead).
  const pointer =
    head.kind === 'environment' || rootCause ? undefined : [head, ...others].map((e) => exercise.expectationHints[e.name]).find(Boolean);
  if (pointer) lines.push(...indented(`${messages.whereToLook} ${pointer}`, width).map((l) => l.replace(messages.whereToLook, color.yellow(messages.whereToLook))));
  lines.push(...detailLines(head, width));
  if (others.length > 0) {
    lines.push(`    ${messages.sameCause(others.length)}`);
    for (const other of others) lines.push(...wrapText(other.name, width, `      ${color.red('✗')} `, '        '));
  }
  return lines;
}

/**
 * Per-failure detail under the reason, `width` columns wide, indented 4: the log lines that bear
 * on it. Other drawers of detail (a sequence diagram of the run) add their lines here.
 */
export function detailLines(failure: ExpectationResult, width: number): string[] {
  const events = failure.timeline ?? [];
  const diagram = timelineLines(events, width - 4).map((line) => `    ${line}`);
  // Log lines the diagram already says (deliveries, answers) are left out beside it.
  const logs = logLinesBeside(failure.logExcerpt ?? [], events).filter(bearsOnFailure).slice(-MOST_LOG_LINES);
  return [...diagram, ...logs.flatMap((log) => wrapText(log, width, '    │ ', '    │   ').map((line) => color.dim(line)))];
}

/**
 * daprd's start-up warnings (slim mode, metrics defaults) are in every run and explain no
 * failure; everything else the excerpt holds is shown.
 */
const START_UP_NOISE = [
  /increasedCardinality/,
  /mTLS is disabled/,
  /Actor runtime disabled/,
  /placement service is not configured/,
  /No scheduler host addresses provided/,
  /App channel is not initialized/,
];
const MOST_LOG_LINES = 8;

export function bearsOnFailure(line: string): boolean {
  return !START_UP_NOISE.some((noise) => noise.test(line));
}

function typeProblemLines(problems: TypeProblem[], width: number): string[] {
  const lines = ['', ...wrapText(messages.typeProblems(problems.length), width).map((l) => color.bold(l))];
  for (const problem of problems.slice(0, MOST_TYPE_PROBLEMS)) {
    const where = `${problem.file}:${problem.line}:${problem.column}`;
    lines.push(...wrapText(`${where} ${plainWords(problem.code)}`, width, '  ', '    '));
    lines.push(...wrapText(`${problem.code}: ${problem.message}`, width, '    ', '    ').map((l) => color.dim(l)));
  }
  if (problems.length > MOST_TYPE_PROBLEMS) lines.push(`  ${messages.moreTypeProblems(problems.length - MOST_TYPE_PROBLEMS)}`);
  lines.push('');
  return lines;
}

const MOST_TYPE_PROBLEMS = 3;

/** What the compiler's most common complaints mean, in a learner's words. */
function plainWords(code: string): string {
  const number = Number(code.slice(2));
  if (number >= 1000 && number < 2000) return 'the code does not parse here';
  return (
    {
      2304: 'a name that is not defined here (a missing import?)',
      2305: 'an import of something the module does not export',
      2307: 'an import of a module that cannot be found',
      2322: 'a value of the wrong type',
      2339: 'a property that does not exist on that type',
      2345: 'an argument of the wrong type',
      2349: 'a call of something that is not a function',
      2353: 'an object with a property its type does not have: is it at the right nesting?',
      2551: 'a property name that is misspelt',
      2552: 'a name that is misspelt',
      2554: 'a call with the wrong number of arguments',
      2555: 'a call with too few arguments',
      2741: 'an object that lacks a property its type needs',
      2769: 'a call that matches none of the ways the function can be called',
    } as Record<number, string>
  )[number] ?? 'a type error';
}

/** A message indented under its expectation, wrapped, with its code coloured. */
function indented(text: string, width: number): string[] {
  return wrapText(text, width, '    ').map((line) => inlineCode(line));
}

function wrapMessage(text: string, width: number): string[] {
  return wrapText(text, width);
}

/** The closing line, alone on its line: `3 passed, 1 failed`. */
export function summaryLine(expectations: { passed: boolean }[]): string {
  const passed = expectations.filter((e) => e.passed).length;
  return `${passed} passed, ${expectations.length - passed} failed`;
}

/** `watching`: under `course watch`, where saving re-checks and Enter moves on. */
export function outcomeMessage(
  outcome: CheckOutcome,
  exercise: Exercise,
  failed: number,
  watching = false,
  { causes = 1, hintsSeen }: { causes?: number; hintsSeen?: number } = {},
): string {
  switch (outcome) {
    case 'passed':
      return watching ? messages.passedWatching(exercise.id) : messages.passed(exercise.id);
    case 'code':
      return `${messages.code(failed, causes)} ${watching ? messages.saveAgain : messages.checkAgain}\n${messages.stuck(exercise, hintsSeen)}`;
    case 'environment':
      return messages.environment;
    case 'timeout':
      return messages.timeout(exercise.timeoutSeconds);
  }
}

export function checkingLine(exercise: Exercise, dir: string): string {
  return color.dim(messages.checking(exercise.id, path.relative(process.cwd(), dir) || '.'));
}

const messages = {
  checking: (id: string, dir: string) => `Checking ${id} (${dir})…`,
  whereToLook: 'Where to look:',
  sameCause: (count: number) => (count === 1 ? 'This also fails, for the same reason:' : `These ${count} also fail, for the same reason:`),
  typeProblems: (count: number) =>
    `TypeScript finds ${count === 1 ? 'a mistake' : `${count} mistakes`} in your files, the likely cause:`,
  moreTypeProblems: (count: number) => `and ${count} more (npx tsc --noEmit shows them all)`,
  passed: (id: string) =>
    `${color.green.bold('Passed.')} Well done. Move on: npx course next\n` +
    `Compare with the model answer: npx course solution ${id}`,
  passedWatching: (id: string) =>
    `${color.green.bold('Passed.')} Well done. Compare with the model answer: npx course solution ${id}`,
  code: (failed: number, causes: number) =>
    color.red.bold(
      `Your code did not pass ${failed === 1 ? 'one check' : `${failed} checks`}` +
        (causes > 1 && causes < failed ? `, for ${causes} reasons.` : '.'),
    ),
  checkAgain: 'Fix it and run npx course check again.',
  saveAgain: 'Fix it and save: it is checked again.',
  stuck: (exercise: Exercise, seen = 0) => {
    const total = exercise.hints.length;
    if (seen >= total) return `Stuck? You have seen all ${total} hints; the solution: npx course solution ${exercise.id} --reveal`;
    return `Stuck? npx course hint ${exercise.id}` + (total > 1 ? ` (hint ${seen + 1} of ${total})` : '');
  },
  environment:
    `${color.yellow.bold('The environment failed, not your code:')} a sidecar, the broker or a port did not come up.\n` +
    `Find out what is wrong: npx course doctor`,
  timeout: (seconds: number) =>
    `${color.yellow.bold(`The check timed out`)} (it may take ${seconds} s). ` +
    `Something waited for an event that never came: a missed subscription or an unanswered request?\n` +
    `Run it again to be sure; if it keeps timing out, try npx course hint`,
};
