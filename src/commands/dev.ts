// `course dev check [id]`: the authoring gate over the real course, for authors and CI.
import { parseArgs } from 'node:util';
import { rmSync, readdirSync } from 'node:fs';
import { findExercise } from '../course/find-item.js';
import { scratchRoot } from '../course/exercise-files.js';
import { loadCourse, type Exercise } from '../course/manifest.js';
import { findWorkbookRoot } from '../course/workbook.js';
import { gateExercise, type GateVerdict } from '../dev/authoring-gate.js';
import type { RunCheck } from '../grading/check-and-report.js';
import { summaryLine } from '../grading/text-report.js';
import { color } from '../ui/color.js';
import { UserError } from '../ui/errors.js';
import { whileCtrlCAborts } from './interrupt.js';

export async function run(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const [sub, id] = positionals;
  if (sub !== 'check') throw new UserError(messages.usage);
  const root = findWorkbookRoot();
  const course = loadCourse(root);
  const exercises = id
    ? [findExercise(course, id)]
    : course.items.filter((item): item is Exercise => item.kind === 'exercise');
  const { runCheck } = await import('../grading/run-check.js');
  const verdicts = await whileCtrlCAborts((signal) => gateAll(root, exercises, runCheck, signal));
  removeScratchRootIfEmpty(root);
  if (verdicts.length < exercises.length) return 130;
  console.log('');
  console.log(summaryLine(verdicts.map((v) => ({ passed: v.ok }))));
  return verdicts.every((v) => v.ok) ? 0 : 1;
}

async function gateAll(root: string, exercises: Exercise[], runCheck: RunCheck, signal: AbortSignal) {
  const verdicts: GateVerdict[] = [];
  for (const exercise of exercises) {
    console.log(color.dim(messages.checking(exercise.id)));
    const verdict = await gateExercise(root, exercise, runCheck, signal);
    if (signal.aborted) break;
    verdicts.push(verdict);
    console.log(verdictLines(verdict).join('\n'));
  }
  return verdicts;
}

export function verdictLines(verdict: GateVerdict): string[] {
  const took = color.dim(` (${(verdict.durationMs / 1000).toFixed(1)} s)`);
  if (verdict.ok) return [`${color.green('✓')} ${verdict.exercise.id}${took}`];
  const label = verdict.environmentBroken ? color.yellow(messages.brokenEnvironment) : '';
  return [`${color.red('✗')} ${verdict.exercise.id}${took}${label}`, ...verdict.problems.map((p) => `    ${p}`)];
}

function removeScratchRootIfEmpty(root: string): void {
  try {
    if (readdirSync(scratchRoot(root)).length === 0) rmSync(scratchRoot(root), { recursive: true });
  } catch {
    // never created
  }
}

const messages = {
  usage: 'Usage: npx course dev check [id]   (the authoring gate: starters fail as intended, solutions pass)',
  checking: (id: string) => `Checking ${id}: its starter, then its solution…`,
  brokenEnvironment: '  (environment broken: fix it and run again)',
};
