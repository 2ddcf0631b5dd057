// The authoring gate (`course dev check`): every exercise must be teachable as shipped. Hints are
// not empty, the files a learner edits carry a TODO, the untouched starter fails exactly the
// expectations listed in `starterFails` (and passes the rest), the solution and every correct
// alternative pass everything, and every mutant (the solution with one realistic mistake) fails
// the expectations its patch names. With `repeat`, each of them runs several times and a verdict
// that changes between runs is reported as flaky.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { copyForCheck, refillForCheck, scratchRoot } from '../course/exercise-files.js';
import type { Exercise } from '../course/manifest.js';
import type { RunCheck } from '../grading/check-and-report.js';
import type { CheckResult } from '../grading/result.js';
import { applyVariant, loadVariants, VariantError, type Variant } from './variants.js';

/** What the gate ran one subject (the starter, the solution, a variant) for, and what came of it. */
export interface SubjectVerdict {
  /** `starter`, `solution`, `mutant <name>` or `alternative <name>`. */
  label: string;
  kind: 'starter' | 'solution' | 'mutant' | 'alternative';
  ok: boolean;
  /** The verdict (met or not, and why not) changed between repeated runs. */
  flaky: boolean;
  /**
   * The verdict held, but the expectations that failed around it differed between runs (a mutant
   * always caught, that in one run also failed something else): worth a look, not a failure.
   */
  varied?: string[];
  runs: number;
}

export interface GateVerdict {
  exercise: Exercise;
  ok: boolean;
  /** Authoring problems, each a sentence naming what to fix. */
  problems: string[];
  /** The environment (not the course) failed, so the verdict says nothing about the exercise. */
  environmentBroken: boolean;
  durationMs: number;
  subjects: SubjectVerdict[];
  /** Runs whose Redis and sidecars had been started ahead (a warm re-check), of `runs`. */
  startedAhead: number;
  runs: number;
}

export interface GateOptions {
  signal?: AbortSignal;
  /** Runs of each subject (default 1). */
  repeat?: number;
  /** Also run mutants and alternatives (default true). */
  variants?: boolean;
  /** With variants, also the mutants (default true): false runs the alternatives only. */
  mutants?: boolean;
  /** Only the variants whose name contains this. */
  only?: string;
  /** Called as each subject's runs end. */
  onSubject?: (verdict: SubjectVerdict, problems: string[]) => void;
  /**
   * Every run in one folder, rewritten for each subject as a learner edits theirs (`--warm`, where
   * a re-check reuses what was started for the same folder); else a fresh copy per run.
   */
  oneFolder?: boolean;
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

/** What is wrong with a run of the solution (or of a correct alternative): any failure at all. */
export function solutionProblems(result: CheckResult, label = 'solution'): string[] {
  if (result.outcome === 'environment' || result.outcome === 'timeout') return brokenRun(label, result);
  return result.expectations.filter((e) => !e.passed).map((e) => messages.solutionFailed(label, e.name, e.message));
}

/** What is wrong with a run of a mutant: it passed, or it failed without failing what must catch it. */
export function mutantProblems(variant: Variant, result: CheckResult): string[] {
  const label = `mutant ${variant.name}`;
  if (result.outcome === 'environment' || result.outcome === 'timeout') return brokenRun(label, result);
  const failed = new Set(result.expectations.filter((e) => !e.passed).map((e) => e.name));
  const names = new Set(result.expectations.map((e) => e.name));
  if (failed.size === 0) return [messages.mutantSurvived(variant.name, variant.about)];
  const problems: string[] = [];
  for (const name of variant.caughtBy) {
    if (!names.has(name)) problems.push(messages.unknownCaughtBy(variant.name, name));
    else if (!failed.has(name)) problems.push(messages.mutantMissed(variant.name, name, [...failed]));
  }
  return problems;
}

/** Gates one exercise: static checks, then the starter, the solution and its variants in scratch copies. */
export async function gateExercise(
  root: string,
  exercise: Exercise,
  runCheck: RunCheck,
  options: GateOptions | AbortSignal = {},
): Promise<GateVerdict> {
  const { signal, repeat = 1, variants = true, mutants = true, only, onSubject, oneFolder = false } = options instanceof AbortSignal ? { signal: options } : options;
  const started = Date.now();
  const problems = staticProblems(exercise);
  const subjects: SubjectVerdict[] = [];
  let environmentBroken = false;
  let chosen: Variant[] = [];
  let startedAhead = 0;
  let runCount = 0;
  if (variants) {
    try {
      chosen = [...loadVariants(root, exercise, 'alternative'), ...(mutants ? loadVariants(root, exercise, 'mutant') : [])];
    } catch (error) {
      if (!(error instanceof VariantError)) throw error;
      problems.push(error.message);
    }
    if (only) chosen = chosen.filter((v) => v.name.includes(only));
  }
  type Subject = { kind: SubjectVerdict['kind']; label: string; variant?: Variant };
  const list: Subject[] = [
    ...(only ? [] : [{ kind: 'starter', label: 'starter' } as const, { kind: 'solution', label: 'solution' } as const]),
    ...chosen.map((v) => ({ kind: v.kind, label: `${v.kind} ${v.name}`, variant: v })),
  ];
  const folder = oneFolder ? copyForCheck(exercise, 'starter', scratchRoot(root)) : undefined;
  const subjectFolder = (which: 'starter' | 'solution') => {
    if (!folder) return copyForCheck(exercise, which, scratchRoot(root));
    refillForCheck(exercise, which, folder);
    return folder;
  };
  try {
    for (const subject of list) {
      if (signal?.aborted) break;
      const runs: { signature: string; problems: string[] }[] = [];
      for (let i = 0; i < repeat && !signal?.aborted; i++) {
        const dir = subjectFolder(subject.kind === 'starter' ? 'starter' : 'solution');
        try {
          if (subject.variant) applyVariant(subject.variant, dir);
          // A mutant's verdict is known once what must catch it has failed: the rest is not run.
          const stopOnceFailed = subject.variant?.kind === 'mutant' ? subject.variant.caughtBy : undefined;
          const result = await runCheck({ root, exercise, dir, signal, stopOnceFailed });
          if (signal?.aborted) break;
          runCount++;
          if (result.timings.startedAhead) startedAhead++;
          if (result.outcome === 'environment' || result.outcome === 'timeout') environmentBroken = true;
          runs.push({ signature: signatureOf(result), problems: problemsOf(exercise, subject, result) });
        } catch (error) {
          if (signal?.aborted) break;
          if (error instanceof VariantError) {
            runs.push({ signature: 'unappliable', problems: [error.message] });
            break;
          }
          environmentBroken = true;
          runs.push({ signature: 'engine threw', problems: [messages.engineThrew(subject.label, error instanceof Error ? error.message : String(error))] });
        } finally {
          if (dir !== folder) rmSync(dir, { recursive: true, force: true });
        }
      }
      if (runs.length === 0) break;
      const flaky = new Set(runs.map((r) => JSON.stringify(r.problems))).size > 1;
      const varied = !flaky && new Set(runs.map((r) => r.signature)).size > 1 ? runs.map((r) => r.signature) : undefined;
      const subjectProblems = [...new Set(runs.flatMap((r) => r.problems))];
      if (flaky) subjectProblems.unshift(messages.flaky(subject.label, runs.map((r) => r.signature)));
      const verdict: SubjectVerdict = { label: subject.label, kind: subject.kind, ok: subjectProblems.length === 0, flaky, runs: runs.length, ...(varied ? { varied } : {}) };
      subjects.push(verdict);
      problems.push(...subjectProblems);
      onSubject?.(verdict, subjectProblems);
    }
  } finally {
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
  return { exercise, ok: problems.length === 0, problems, environmentBroken, durationMs: Date.now() - started, subjects, startedAhead, runs: runCount };
}

function problemsOf(exercise: Exercise, subject: { kind: SubjectVerdict['kind']; label: string; variant?: Variant }, result: CheckResult): string[] {
  switch (subject.kind) {
    case 'starter':
      return starterProblems(exercise, result);
    case 'solution':
      return solutionProblems(result);
    case 'alternative':
      return solutionProblems(result, subject.label);
    case 'mutant':
      return mutantProblems(subject.variant!, result);
  }
}

/** What a run decided, to compare repeated runs: the outcome and the expectations that failed. */
function signatureOf(result: CheckResult): string {
  const failed = result.expectations.filter((e) => !e.passed).map((e) => e.name);
  return failed.length ? `${result.outcome}: ${failed.join('; ')}` : result.outcome;
}

function brokenRun(which: string, result: CheckResult): string[] {
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
  solutionFailed: (label: string, name: string, message?: string) => `the ${label} failed "${name}"${message ? `: ${message}` : ''}`,
  mutantSurvived: (name: string, about: string) => `mutant ${name} passed every expectation, so no check catches this mistake: ${about}`,
  mutantMissed: (name: string, expected: string, failed: string[]) =>
    `mutant ${name} should fail "${expected}" (Caught by) but passed it; it failed: ${failed.map((f) => `"${f}"`).join(', ')}`,
  unknownCaughtBy: (name: string, expected: string) => `mutant ${name} names "${expected}" under Caught by, which the check never reported`,
  flaky: (label: string, signatures: string[]) => `flaky: the ${label}'s verdict changed between runs (${signatures.map((s, i) => `run ${i + 1}: ${s}`).join(' | ')})`,
  environment: (which: string, detail: string) =>
    `broken environment, not an authoring verdict: the ${which} run failed to set up (${detail}). Try: npx course doctor`,
  timedOut: (which: string, ms: number, detail: string) =>
    `broken environment or a hang: the ${which} run timed out after ${(ms / 1000).toFixed(1)} s (${detail})`,
  engineThrew: (which: string, message: string) => `the check engine failed on the ${which}: ${message}`,
};
