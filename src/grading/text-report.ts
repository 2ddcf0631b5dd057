// What `course check` prints in a terminal: a line per expectation as it finishes, the closing
// count, and what to do next, worded by who is to blame (your code, the environment, the clock).
import path from 'node:path';
import type { Exercise } from '../course/manifest.js';
import { color } from '../ui/color.js';
import { inlineCode } from '../ui/inline-code.js';
import type { CheckOutcome, ExpectationResult } from './result.js';

/** `✓ name`, or `✗ name` with the reason, the hint for that expectation and the log lines. */
export function expectationLines(result: ExpectationResult, exercise: Exercise): string[] {
  const took = result.durationMs >= 1000 ? color.dim(` (${(result.durationMs / 1000).toFixed(1)} s)`) : '';
  if (result.passed) return [`${color.green('✓')} ${result.name}${took}`];
  const lines = [`${color.red('✗')} ${result.name}${took}`];
  if (result.message) lines.push(...indent(inlineCode(result.message)));
  const hint = exercise.expectationHints[result.name];
  if (hint) lines.push(...indent(`${color.yellow('Hint:')} ${inlineCode(hint)}`));
  for (const log of result.logExcerpt ?? []) lines.push(color.dim(`    │ ${log}`));
  return lines;
}

/** The closing line, alone on its line: `3 passed, 1 failed`. */
export function summaryLine(expectations: { passed: boolean }[]): string {
  const passed = expectations.filter((e) => e.passed).length;
  return `${passed} passed, ${expectations.length - passed} failed`;
}

/** `watching`: under `course watch`, where saving re-checks and Enter moves on. */
export function outcomeMessage(outcome: CheckOutcome, exercise: Exercise, failed: number, watching = false): string {
  switch (outcome) {
    case 'passed':
      return watching ? messages.passedWatching(exercise.id) : messages.passed(exercise.id);
    case 'code':
      return `${messages.code(failed)} ${watching ? messages.saveAgain : messages.checkAgain}\n${messages.stuck(exercise.id)}`;
    case 'environment':
      return messages.environment;
    case 'timeout':
      return messages.timeout(exercise.timeoutSeconds);
  }
}

export function checkingLine(exercise: Exercise, dir: string): string {
  return color.dim(messages.checking(exercise.id, path.relative(process.cwd(), dir) || '.'));
}

function indent(text: string): string[] {
  return text.split('\n').map((line) => `    ${line}`);
}

const messages = {
  checking: (id: string, dir: string) => `Checking ${id} (${dir})…`,
  passed: (id: string) =>
    `${color.green.bold('Passed.')} Well done. Move on: npx course next\n` +
    `Compare with the model answer: npx course solution ${id}`,
  passedWatching: (id: string) =>
    `${color.green.bold('Passed.')} Well done. Compare with the model answer: npx course solution ${id}`,
  code: (failed: number) =>
    color.red.bold(`Your code did not pass ${failed === 1 ? 'one check' : `${failed} checks`}.`),
  checkAgain: 'Fix it and run npx course check again.',
  saveAgain: 'Fix it and save: it is checked again.',
  stuck: (id: string) => `Stuck? npx course hint ${id}`,
  environment:
    `${color.yellow.bold('The environment failed, not your code:')} a sidecar, the broker or a port did not come up.\n` +
    `Find out what is wrong: npx course doctor`,
  timeout: (seconds: number) =>
    `${color.yellow.bold(`The check timed out`)} (it may take ${seconds} s). ` +
    `Something waited for an event that never came: a missed subscription or an unanswered request?\n` +
    `Run it again to be sure; if it keeps timing out, try npx course hint`,
};
