// The authoring gate (`course dev check`): every exercise must be teachable as shipped. Hints are
// not empty, the files a learner edits carry a TODO, the untouched starter fails exactly the
// expectations listed in `starterFails` (and passes the rest), and the solution passes everything.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { copyForCheck, scratchRoot } from '../course/exercise-files.js';
import type { Exercise } from '../course/manifest.js';
import type { RunCheck } from '../grading/check-and-report.js';
import type { CheckResult } from '../grading/result.js';

export interface GateVerdict {
  exercise: Exercise;
  ok: boolean;
  /** Authoring problems, each a sentence naming what to fix. */
  problems: string[];
  /** The environment (not the course) failed, so the verdict says nothing about the exercise. */
  environmentBroken: boolean;
  durationMs: number;
}

/** Static checks that need no run: hints and TODO markers. */
export function staticProblems(exercise: Exercise): string[] {
  const problems: string[] = [];
  exercise.hints.forEach((hint, i) => {
    if (hint.trim() === '') problems.push(messages.emptyHint(i));
  });
  for (const [name, hint] of Object.entries(exercise.expectationHints)) {
    if (hint.trim() === '') problems.push(messages.emptyExpectationHint(name));
  }
  for (const file of exercise.files) {
    if (!readFileSync(path.join(exercise.starterDir, file), 'utf8').includes('TODO')) problems.push(messages.noTodo(file));
  }
  return problems;
}

/** What is wrong with a run of the untouched starter. */
export function starterProblems(exercise: Exercise, result: CheckResult): string[] {
  if (result.outcome === 'environment' || result.outcome === 'timeout') return brokenRun('starter', result);
  const failed = new Set(result.expectations.filter((e) => !e.passed).map((e) => e.name));
  const names = new Set(result.expectations.map((e) => e.name));
  const problems: string[] = [];
  for (const name of exercise.starterFails) {
    if (!names.has(name)) problems.push(messages.unknownStarterFail(name));
    else if (!failed.has(name)) problems.push(messages.starterPassed(name));
  }
  for (const name of failed) {
    if (!exercise.starterFails.includes(name)) problems.push(messages.starterFailedUnlisted(name));
  }
  return problems;
}

/** What is wrong with a run of the solution: any failure at all. */
export function solutionProblems(result: CheckResult): string[] {
  if (result.outcome === 'environment' || result.outcome === 'timeout') return brokenRun('solution', result);
  return result.expectations.filter((e) => !e.passed).map((e) => messages.solutionFailed(e.name, e.message));
}

/** Gates one exercise: static checks, then the starter and the solution in scratch copies. */
export async function gateExercise(
  root: string,
  exercise: Exercise,
  runCheck: RunCheck,
  signal?: AbortSignal,
): Promise<GateVerdict> {
  const started = Date.now();
  const problems = staticProblems(exercise);
  let environmentBroken = false;
  for (const which of ['starter', 'solution'] as const) {
    if (signal?.aborted) break;
    const dir = copyForCheck(exercise, which, scratchRoot(root));
    try {
      const result = await runCheck({ root, exercise, dir, signal });
      if (result.outcome === 'environment' || result.outcome === 'timeout') environmentBroken = true;
      problems.push(...(which === 'starter' ? starterProblems(exercise, result) : solutionProblems(result)));
    } catch (error) {
      if (signal?.aborted) break;
      environmentBroken = true;
      problems.push(messages.engineThrew(which, error instanceof Error ? error.message : String(error)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { exercise, ok: problems.length === 0, problems, environmentBroken, durationMs: Date.now() - started };
}

function brokenRun(which: 'starter' | 'solution', result: CheckResult): string[] {
  const failures = result.expectations.filter((e) => !e.passed);
  const detail = failures.map((e) => `${e.name}: ${e.message ?? 'failed'}`).join('; ') || 'no expectation ran';
  return [
    result.outcome === 'timeout'
      ? messages.timedOut(which, result.timings.totalMs, detail)
      : messages.environment(which, detail),
  ];
}

const messages = {
  emptyHint: (i: number) => `hints[${i}] is empty`,
  emptyExpectationHint: (name: string) => `expectationHints["${name}"] is empty`,
  noTodo: (file: string) => `the starter's ${file} has no TODO marker showing the learner where to work`,
  unknownStarterFail: (name: string) => `starterFails names "${name}", which the check never reported`,
  starterPassed: (name: string) => `the starter should fail "${name}" (starterFails) but passed it`,
  starterFailedUnlisted: (name: string) => `the starter failed "${name}", which is not in starterFails`,
  solutionFailed: (name: string, message?: string) => `the solution failed "${name}"${message ? `: ${message}` : ''}`,
  environment: (which: string, detail: string) =>
    `broken environment, not an authoring verdict: the ${which} run failed to set up (${detail}). Try: npx course doctor`,
  timedOut: (which: string, ms: number, detail: string) =>
    `broken environment or a hang: the ${which} run timed out after ${(ms / 1000).toFixed(1)} s (${detail})`,
  engineThrew: (which: string, message: string) => `the check engine failed on the ${which}: ${message}`,
};
