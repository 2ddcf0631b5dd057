// `course dev check [id]`: the authoring gate over the real course, for authors and CI.
import { parseArgs } from 'node:util';
import { rmSync, readdirSync, writeFileSync } from 'node:fs';
import { findExercise } from '../course/find-item.js';
import { scratchRoot } from '../course/exercise-files.js';
import { loadCourse, type Exercise } from '../course/manifest.js';
import { findWorkbookRoot } from '../course/workbook.js';
import { gateExercise, type GateOptions, type GateVerdict, type SubjectVerdict } from '../dev/authoring-gate.js';
import { gateInParallel, VERDICT_FILE } from '../dev/parallel-gate.js';
import type { RunCheck } from '../grading/check-and-report.js';
import { summaryLine } from '../grading/text-report.js';
import { color } from '../ui/color.js';
import { UserError } from '../ui/errors.js';
import { whileCtrlCAborts } from './interrupt.js';

export async function run(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      repeat: { type: 'string' },
      'no-variants': { type: 'boolean' },
      'no-mutants': { type: 'boolean' },
      only: { type: 'string' },
      runtime: { type: 'string' },
      jobs: { type: 'string' },
      warm: { type: 'boolean' },
    },
  });
  const [sub, id] = positionals;
  if (sub !== 'check') throw new UserError(messages.usage);
  if (values.runtime !== undefined) {
    const skip = await useRuntime(values.runtime);
    if (skip !== undefined) return skip;
  }
  const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new UserError(messages.badRepeat(values.repeat!));
  const options = { repeat, variants: !values['no-variants'], mutants: !values['no-mutants'], only: values.only, warm: !!values.warm };
  const root = findWorkbookRoot();
  const course = loadCourse(root);
  const exercises = id
    ? [findExercise(course, id)]
    : course.items.filter((item): item is Exercise => item.kind === 'exercise');
  const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError(messages.badJobs(values.jobs!));
  const started = Date.now();
  const verdicts =
    jobs > 1 && exercises.length > 1
      ? await whileCtrlCAborts((signal) => gateInParallel(root, exercises, flagsFor(values), jobs, signal))
      : await gateHere(root, exercises, options);
  removeScratchRootIfEmpty(root);
  if (verdicts.length < exercises.length) return 130;
  console.log('');
  console.log(gateSummary(verdicts, repeat, Date.now() - started));
  return verdicts.every((v) => v.ok) ? 0 : 1;
}

/** The flags a child gate gets: all but --jobs, and --runtime, which it inherits as COURSE_RUNTIME. */
function flagsFor(values: { repeat?: string; 'no-variants'?: boolean; 'no-mutants'?: boolean; only?: string; warm?: boolean }): string[] {
  return [
    ...(values.warm ? ['--warm'] : []),
    ...(values.repeat ? ['--repeat', values.repeat] : []),
    ...(values['no-variants'] ? ['--no-variants'] : []),
    ...(values['no-mutants'] ? ['--no-mutants'] : []),
    ...(values.only ? ['--only', values.only] : []),
  ];
}

async function gateHere(root: string, exercises: Exercise[], options: GateOptions & { warm: boolean }): Promise<GateVerdict[]> {
  const verdicts = await whileCtrlCAborts((signal) => gateAll(root, exercises, { ...options, signal }));
  // For a parallel gate's parent (parallel-gate.ts): the verdicts of this process's exercises.
  if (process.env[VERDICT_FILE]) writeFileSync(process.env[VERDICT_FILE], JSON.stringify(verdicts));
  return verdicts;
}

async function gateAll(root: string, exercises: Exercise[], options: GateOptions & { warm: boolean; signal: AbortSignal }) {
  const { CheckRunner, runCheck } = await import('../grading/run-check.js');
  const verdicts: GateVerdict[] = [];
  for (const exercise of exercises) {
    console.log(color.dim(messages.checking(exercise.id)));
    // --warm: every subject of the exercise through one runner, as `course watch` re-checks (the
    // verdict as soon as it is known, the next run after the last one's teardown): a warm verdict
    // must be the cold one.
    const runner = options.warm ? new CheckRunner(root, exercise, { keep: true }) : undefined;
    const check: RunCheck = runner ? (o) => runner.run({ ...o, backgroundTeardown: () => {} }) : runCheck;
    let verdict: GateVerdict;
    try {
      verdict = await gateExercise(root, exercise, check, {
        ...options,
        oneFolder: options.warm,
        onSubject: (subject, problems) => console.log(subjectLines(subject, problems).join('\n')),
      });
    } finally {
      await runner?.close();
    }
    if (options.signal.aborted) break;
    verdicts.push(verdict);
    console.log(verdictLines(verdict).join('\n'));
  }
  return verdicts;
}

/** `  ✓ mutant no-metadata` as each subject's runs end, with its problems under it. */
function subjectLines(subject: SubjectVerdict, problems: string[]): string[] {
  const runs = subject.runs > 1 ? color.dim(` (${subject.runs} runs)`) : '';
  const mark = subject.ok ? color.green('✓') : subject.flaky ? color.yellow('~') : color.red('✗');
  const varied = subject.varied ? [color.dim(`      ${messages.varied(subject.varied)}`)] : [];
  return [`  ${mark} ${subject.label}${runs}`, ...problems.map((p) => `      ${p}`), ...varied];
}

export function verdictLines(verdict: GateVerdict): string[] {
  const took = color.dim(` (${(verdict.durationMs / 1000).toFixed(1)} s)`);
  const ahead = verdict.startedAhead > 0 ? [color.dim(`    ${messages.startedAhead(verdict.startedAhead, verdict.runs)}`)] : [];
  const mutants = verdict.subjects.filter((s) => s.kind === 'mutant');
  const alternatives = verdict.subjects.filter((s) => s.kind === 'alternative');
  const counts =
    mutants.length + alternatives.length > 0
      ? color.dim(` ${messages.counts(mutants.filter((m) => m.ok).length, mutants.length, alternatives.filter((a) => a.ok).length, alternatives.length)}`)
      : '';
  if (verdict.ok) return [`${color.green('✓')} ${verdict.exercise.id}${counts}${took}`, ...ahead];
  const label = verdict.environmentBroken ? color.yellow(messages.brokenEnvironment) : '';
  return [`${color.red('✗')} ${verdict.exercise.id}${counts}${took}${label}`, ...ahead, ...verdict.problems.map((p) => `    ${p}`)];
}

/** The gate's last line: exercises, mutants killed, alternatives passed, flaky subjects, time. */
export function gateSummary(verdicts: GateVerdict[], repeat: number, ms: number): string {
  const subjects = verdicts.flatMap((v) => v.subjects);
  const mutants = subjects.filter((s) => s.kind === 'mutant');
  const alternatives = subjects.filter((s) => s.kind === 'alternative');
  return [
    summaryLine(verdicts.map((v) => ({ passed: v.ok }))),
    `mutants killed ${mutants.filter((m) => m.ok).length}/${mutants.length}`,
    `alternatives passed ${alternatives.filter((a) => a.ok).length}/${alternatives.length}`,
    ...(repeat > 1 ? [`${repeat} runs each, ${subjects.filter((s) => s.flaky).length} flaky`] : []),
    `${(ms / 1000).toFixed(0)} s`,
  ].join(' · ');
}

/**
 * `--runtime local|mixed|docker`: the gate on that runtime (COURSE_RUNTIME). Where containers are
 * needed and no engine answers, it says so and is skipped (exit 0), or fails under
 * COURSE_REQUIRE_ENGINE (CI); returns that exit code, or undefined to go on.
 */
async function useRuntime(runtime: string): Promise<number | undefined> {
  const { RUNTIME_MODES } = await import('../harness/runtime-choice.js');
  if (!(RUNTIME_MODES as readonly string[]).includes(runtime)) throw new UserError(messages.badRuntime(runtime, RUNTIME_MODES));
  process.env.COURSE_RUNTIME = runtime;
  const { findEngine } = await import('../harness/container-engine.js');
  const answer = runtime === 'local' ? { ok: true as const } : await findEngine();
  if (answer.ok) {
    console.log(color.dim(messages.onRuntime(runtime)));
    return undefined;
  }
  const required = Boolean(process.env.COURSE_REQUIRE_ENGINE);
  console.log((required ? color.red : color.yellow)(messages.noEngine(runtime, answer.why, required)));
  return required ? 1 : 0;
}

function removeScratchRootIfEmpty(root: string): void {
  try {
    if (readdirSync(scratchRoot(root)).length === 0) rmSync(scratchRoot(root), { recursive: true });
  } catch {
    // never created
  }
}

const messages = {
  usage:
    'Usage: npx course dev check [id] [--repeat N] [--no-variants | --no-mutants] [--only <variant>] [--runtime local|mixed|docker] [--jobs N] [--warm]\n' +
    '  The authoring gate: starters fail as intended, solutions and alternatives pass, mutants fail\n' +
    '  the expectations that must catch them. --repeat N runs each N times and reports flaky verdicts.\n' +
    '  --runtime runs it with daprd and Redis local, Redis in a container, or both in containers.\n' +
    '  --jobs N gates N exercises at a time, each in a process of its own.\n' +
    '  --warm re-checks each exercise\'s subjects one after another in one runner, as `course watch` does.',
  onRuntime: (runtime: string) =>
    `On --runtime ${runtime}: ${{ local: 'daprd and Redis here', mixed: 'daprd here, Redis in a container', docker: 'daprd and Redis in containers' }[runtime]}.`,
  badRuntime: (value: string, modes: readonly string[]) => `--runtime takes ${modes.join(', ')}, not "${value}".`,
  noEngine: (runtime: string, why: string, required: boolean) =>
    `The authoring gate on --runtime ${runtime} ${required ? 'cannot run' : 'is skipped'}: no container engine answers (${why}).`,
  varied: (signatures: string[]) =>
    `same verdict every run, but what else failed varied: ${signatures.map((s, i) => `run ${i + 1}: ${s}`).join(' | ')}`,
  badJobs: (value: string) => `--jobs takes a whole number of exercises at a time (1 or more), not "${value}".`,
  badRepeat: (value: string) => `--repeat takes a whole number of runs (1 or more), not "${value}".`,
  checking: (id: string) => `Checking ${id}: its starter, solution, alternatives and mutants…`,
  counts: (killed: number, mutants: number, passed: number, alternatives: number) =>
    `(mutants killed ${killed}/${mutants}, alternatives passed ${passed}/${alternatives})`,
  brokenEnvironment: '  (environment broken: fix it and run again)',
  startedAhead: (ahead: number, runs: number) => `${ahead} of ${runs} runs warm: on Redis, sidecars and services started ahead`,
};
