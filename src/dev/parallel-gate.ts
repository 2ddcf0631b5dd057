// `course dev check --jobs N`: N exercises gated at a time, each by a `course dev check <id>` of
// its own (a check sets process-wide state, so one process gates one exercise at a time). Each
// exercise's lines are printed together when it ends; the verdicts come back through a file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { Exercise } from '../course/manifest.js';
import { loadVariants } from './variants.js';
import type { GateVerdict } from './authoring-gate.js';

/** Where a child `course dev check` writes its verdicts, as JSON. */
export const VERDICT_FILE = 'COURSE_GATE_VERDICT_FILE';

const CLI = path.join(import.meta.dirname, '..', '..', 'bin', 'course.js');

/**
 * Gates `exercises`, `jobs` at a time, the ones with most variants first (they take longest), with
 * the same flags (`flags`: the command line without an id or --jobs). Stops the children on abort.
 */
export async function gateInParallel(root: string, exercises: Exercise[], flags: string[], jobs: number, signal: AbortSignal): Promise<GateVerdict[]> {
  const variantsOf = (e: Exercise) => {
    try {
      return loadVariants(root, e, 'mutant').length + loadVariants(root, e, 'alternative').length;
    } catch {
      return 0;
    }
  };
  const queue = [...exercises].sort((a, b) => variantsOf(b) - variantsOf(a));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'course-gate-'));
  const verdicts = new Map<string, GateVerdict>();
  const gateNext = async (): Promise<void> => {
    for (let exercise = queue.shift(); exercise && !signal.aborted; exercise = queue.shift()) {
      const file = path.join(dir, `${exercise.id}.json`);
      const child = await execa(process.execPath, [CLI, 'dev', 'check', exercise.id, ...flags], {
        all: true,
        reject: false,
        // In a group of their own, so that Ctrl-C reaches each child once, from here (a second
        // signal makes a check quit without its teardown), and they tear their runs down.
        detached: true,
        cancelSignal: signal,
        forceKillAfterDelay: 30_000,
        env: { [VERDICT_FILE]: file, ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1' } : {}) },
      });
      if (signal.aborted) return;
      // Its lines, without its own closing summary (the parent prints one for all).
      console.log(withoutSummary(child.all ?? ''));
      const [verdict] = readVerdicts(file);
      verdicts.set(exercise.id, verdict ?? brokenChild(exercise, child.exitCode, child.all ?? ''));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, exercises.length) }, gateNext));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return signal.aborted ? [] : exercises.flatMap((e) => verdicts.get(e.id) ?? []);
}

function readVerdicts(file: string): GateVerdict[] {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as GateVerdict[];
  } catch {
    return [];
  }
}

/** The last line of `course dev check` (see gateSummary) and the blank line before it. */
function withoutSummary(output: string): string {
  const lines = output.trimEnd().split('\n');
  const last = lines.at(-1) ?? '';
  return (/mutants killed \d+\/\d+ · alternatives passed/.test(last) ? lines.slice(0, -1) : lines).join('\n').trimEnd();
}

function brokenChild(exercise: Exercise, exitCode: number | undefined, output: string): GateVerdict {
  const tail = output.trimEnd().split('\n').slice(-5).join(' / ');
  return {
    exercise,
    ok: false,
    problems: [`the gate of ${exercise.id} ended with exit code ${exitCode ?? '?'} without a verdict: ${tail}`],
    environmentBroken: true,
    durationMs: 0,
    subjects: [],
    startedAhead: 0,
    runs: 0,
  };
}
