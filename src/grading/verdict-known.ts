// How a check's worker tells the runner that every expectation is over and everything the report
// needs is written (timings, the whole timeline): an empty file in the run's report folder
// (COURSE_CHECK_REPORT_DIR), made after the rest. What follows is only the teardown, which
// `course check` does not make the learner wait for (src/grading/run-check.ts).
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const VERDICT_KNOWN_FILE = 'verdict-known';

/** Writes a file of the report whole (a rename), so the runner never reads half of it. */
export function writeReportFile(dir: string, name: string, text: string): void {
  const file = path.join(dir, name);
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

export function markVerdictKnown(dir: string): void {
  writeReportFile(dir, VERDICT_KNOWN_FILE, '');
}
