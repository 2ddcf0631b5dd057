// `course solution [id] [--reveal]`: a unified diff from the learner's files to the model solution,
// shown once the exercise has passed (or on purpose, with --reveal).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureWorkDir } from '../course/exercise-files.js';
import type { Exercise } from '../course/manifest.js';
import { color } from '../ui/color.js';
import { chooseExercise, openWorkbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { reveal: { type: 'boolean' } },
    strict: true,
  });
  const workbook = await openWorkbook();
  const exercise = chooseExercise(workbook, positionals[0], 'solution', { orLastPassed: true });
  const passed = workbook.progress.items[exercise.id]?.status === 'done';
  if (!passed && !values.reveal) {
    console.error(messages.notYet(exercise.id));
    return 1;
  }
  const { dir } = ensureWorkDir(workbook.root, exercise);
  console.log(await solutionDiff(exercise, dir));
  if (!passed) console.log(`\n${messages.revealedEarly(exercise.id)}`);
  return 0;
}

/** One coloured unified diff per file the learner edits: `-` yours, `+` the solution. */
export async function solutionDiff(exercise: Exercise, workDir: string): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  const parts = [messages.legend];
  for (const file of exercise.files) {
    const yours = readIfExists(path.join(workDir, file));
    const solution = readFileSync(path.join(exercise.solutionDir, file), 'utf8');
    if (yours === solution) {
      parts.push(color.green(messages.same(file)));
      continue;
    }
    const patch = createTwoFilesPatch(`yours/${file}`, `solution/${file}`, yours, solution, undefined, undefined, {
      context: 3,
    });
    parts.push(colourPatch(patch));
  }
  return parts.join('\n\n');
}

function colourPatch(patch: string): string {
  return patch
    .split('\n')
    .filter((line) => !line.startsWith('====') && line !== '\\ No newline at end of file')
    .map((line) => {
      if (line.startsWith('---') || line.startsWith('+++')) return color.bold(line);
      if (line.startsWith('@@')) return color.cyan(line);
      if (line.startsWith('+')) return color.green(line);
      if (line.startsWith('-')) return color.red(line);
      return line;
    })
    .join('\n')
    .trimEnd();
}

function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

const messages = {
  legend: 'Your files (-) against the model solution (+):',
  same: (file: string) => `${file}: the same as the solution.`,
  notYet: (id: string) =>
    `${id} has not passed yet, so its solution stays hidden: working it out is the exercise.\n` +
    `Check your code: npx course check ${id}    A hint: npx course hint ${id}\n` +
    `To see it anyway: npx course solution ${id} --reveal`,
  revealedEarly: (id: string) =>
    color.dim(`Shown before ${id} passed. Try writing it yourself, then: npx course check ${id}`),
};
