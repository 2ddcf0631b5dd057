// `course reset [id] [file] [--yes]`: back the learner's files up, then restore the starter: the
// whole exercise, or one file of it. Asks first in a terminal; elsewhere only with --yes, because
// losing work is what learners fear most.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backup, backupFile, restoreStarter, restoreStarterFile, starterFile } from '../course/exercise-files.js';
import { findItem } from '../course/find-item.js';
import type { Exercise } from '../course/manifest.js';
import { workDir } from '../course/workbook.js';
import { color } from '../ui/color.js';
import { UserError } from '../ui/errors.js';
import { isInteractive } from '../ui/terminal.js';
import { chooseExercise, openWorkbook, type Workbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { yes: { type: 'boolean', short: 'y' } },
    strict: true,
  });
  const workbook = await openWorkbook();
  const { exercise, file } = whatToReset(workbook, positionals);
  const dir = workDir(workbook.root, exercise);
  const shown = path.relative(process.cwd(), file ? path.join(dir, file) : dir) || '.';
  if (!existsSync(file ? path.join(dir, file) : dir)) {
    if (file) restoreStarterFile(workbook.root, exercise, file);
    else restoreStarter(workbook.root, exercise);
    console.log(messages.nothingToBackUp(shown));
    return 0;
  }
  if (!values.yes) {
    if (!isInteractive()) {
      console.error(messages.needsYes([exercise.id, ...(file ? [file] : [])].join(' ')));
      return 2;
    }
    const { confirm } = await import('@inquirer/prompts');
    if (!(await confirm({ message: messages.question(shown), default: false }))) {
      console.log(messages.kept);
      return 0;
    }
  }
  const saved = file ? backupFile(workbook.root, exercise, file)! : backup(workbook.root, exercise);
  if (file) restoreStarterFile(workbook.root, exercise, file);
  else restoreStarter(workbook.root, exercise);
  console.log(messages.done(shown, path.relative(process.cwd(), saved)));
  return 0;
}

/**
 * `reset`, `reset <id>`, `reset <id> <file>`, or `reset <file>` for the exercise the learner is
 * in (or has open): a single argument that is not an item but a file of that exercise.
 */
function whatToReset(workbook: Workbook, positionals: string[]): { exercise: Exercise; file?: string } {
  const [first, file, ...extra] = positionals;
  if (extra.length > 0) throw new UserError(messages.usage);
  let exercise: Exercise;
  let onlyFile = file;
  if (first !== undefined && file === undefined && !isItem(workbook, first)) {
    exercise = chooseExercise(workbook, undefined, 'reset');
    onlyFile = first;
  } else {
    exercise = chooseExercise(workbook, first, 'reset');
  }
  if (onlyFile === undefined) return { exercise };
  const relative = path.relative(workDir(workbook.root, exercise), path.resolve(onlyFile));
  // A path typed inside the work folder, or one relative to the exercise folder.
  const named = relative && !relative.startsWith('..') && starterFile(exercise, relative) ? relative : onlyFile;
  if (!starterFile(exercise, named)) throw new UserError(messages.noSuchFile(exercise, onlyFile));
  return { exercise, file: path.normalize(named) };
}

function isItem(workbook: Workbook, typed: string): boolean {
  try {
    findItem(workbook.course, typed);
    return true;
  } catch {
    return false;
  }
}

const messages = {
  usage: 'Usage: npx course reset [id] [file] [--yes]',
  question: (what: string) => `Replace ${what} with the starter's version? (a backup is kept)`,
  needsYes: (args: string) =>
    `Resetting replaces your files with the starter. Not in a terminal, so confirm it on the command line:\n` +
    `  npx course reset ${args} --yes`,
  kept: 'Nothing changed.',
  nothingToBackUp: (what: string) => `${what} holds the starter's version (there was nothing of yours to back up).`,
  done: (what: string, saved: string) =>
    `Your version was backed up to ${color.bold(saved)}\n${what} now holds the starter's version again.`,
  noSuchFile: (exercise: Exercise, file: string) =>
    `The starter of ${exercise.id} has no file "${file}". Its files to edit: ${exercise.files.join(', ')}\n` +
    `Reset one with: npx course reset ${exercise.id} <file>`,
};
