// What `course check` remembers of an exercise's last checks: the runs (environments) they asked
// for, so that the next check's worker can start the same run while it loads (src/harness/spares.ts).
// Only a run asked for twice in a row is started ahead: a check that asks for a new one each time
// (a gate on a free port, a random topic) would only waste the start.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Exercise } from '../course/manifest.js';
import { stateDir } from '../course/workbook.js';

interface Remembered {
  runs: unknown[];
  /** The check before asked for the very same runs. */
  same: boolean;
}

function fileOf(root: string, exercise: Exercise): string {
  return path.join(stateDir(root), 'runs-ahead', `${exercise.id}.json`);
}

function read(root: string, exercise: Exercise): Remembered | undefined {
  try {
    return JSON.parse(readFileSync(fileOf(root, exercise), 'utf8')) as Remembered;
  } catch {
    return undefined; // none yet, or unreadable: nothing is started ahead
  }
}

/** The runs to start ahead for the exercise's next check: none unless the last two asked for the same. */
export function runsToStartAhead(root: string, exercise: Exercise): unknown[] {
  const remembered = read(root, exercise);
  return remembered?.same && Array.isArray(remembered.runs) ? remembered.runs : [];
}

/** Remembers the runs a check asked for. Best effort: a workbook that cannot be written starts nothing ahead. */
export function rememberRuns(root: string, exercise: Exercise, runs: unknown[]): void {
  const same = JSON.stringify(read(root, exercise)?.runs) === JSON.stringify(runs);
  const file = fileOf(root, exercise);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    // Whole or not at all, for a check running beside this one.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify({ runs, same } satisfies Remembered));
    renameSync(partial, file);
  } catch {
    // not remembered
  }
}
