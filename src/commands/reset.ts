// `course reset [id] [--yes]`: back the learner's files up, then restore the starter. Asks first in
// a terminal; elsewhere only with --yes, because losing work is what learners fear most.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backup, restoreStarter } from '../course/exercise-files.js';
import { workDir } from '../course/workbook.js';
import { color } from '../ui/color.js';
import { isInteractive } from '../ui/terminal.js';
import { chooseExercise, openWorkbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { yes: { type: 'boolean', short: 'y' } },
    strict: true,
  });
  const workbook = await openWorkbook();
  const exercise = chooseExercise(workbook, positionals[0], 'reset');
  const dir = workDir(workbook.root, exercise);
  const shownDir = path.relative(process.cwd(), dir);
  if (!existsSync(dir)) {
    restoreStarter(workbook.root, exercise);
    console.log(messages.nothingToBackUp(shownDir));
    return 0;
  }
  if (!values.yes) {
    if (!isInteractive()) {
      console.error(messages.needsYes(exercise.id));
      return 2;
    }
    const { confirm } = await import('@inquirer/prompts');
    if (!(await confirm({ message: messages.question(shownDir), default: false }))) {
      console.log(messages.kept);
      return 0;
    }
  }
  const saved = backup(workbook.root, exercise);
  restoreStarter(workbook.root, exercise);
  console.log(messages.done(shownDir, path.relative(process.cwd(), saved)));
  return 0;
}

const messages = {
  question: (dir: string) => `Replace your files in ${dir} with the starter? (a backup is kept)`,
  needsYes: (id: string) =>
    `Resetting replaces your files with the starter. Not in a terminal, so confirm it on the command line:\n` +
    `  npx course reset ${id} --yes`,
  kept: 'Nothing changed.',
  nothingToBackUp: (dir: string) => `${dir} holds the starter (there was nothing of yours to back up).`,
  done: (dir: string, saved: string) =>
    `Your files were backed up to ${color.bold(saved)}\n${dir} now holds the starter again.`,
};
