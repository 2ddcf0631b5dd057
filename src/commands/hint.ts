// `course hint [id]`: the next hint of the exercise's ladder, gentlest first.
import { parseArgs } from 'node:util';
import type { Exercise } from '../course/manifest.js';
import { recordHint, updateProgress } from '../course/progress.js';
import { color } from '../ui/color.js';
import { renderMarkdownCached } from '../ui/render-cache.js';
import { terminalWidth } from '../ui/terminal.js';
import { chooseExercise, openWorkbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const workbook = await openWorkbook();
  const exercise = chooseExercise(workbook, positionals[0], 'hint');
  console.log(await nextHint(workbook.root, exercise));
  return 0;
}

/** Shows the next unseen hint and records it; once all are seen, says so and lists them again. */
export async function nextHint(root: string, exercise: Exercise): Promise<string> {
  const total = exercise.hints.length;
  let number = 0;
  updateProgress(root, (progress) => {
    if ((progress.hintsUsed[exercise.id] ?? 0) < total) number = recordHint(progress, exercise.id);
  });
  if (number === 0) {
    const width = terminalWidth() - 3;
    const rendered = await Promise.all(exercise.hints.map((hint) => renderMarkdownCached(root, hint, { width })));
    const all = rendered.map((text, i) => `${color.bold(`${i + 1}.`)} ${text.split('\n').join('\n   ')}`).join('\n\n');
    return [messages.noMore(exercise), '', all, '', messages.reveal(exercise.id)].join('\n');
  }
  return [
    color.bold(messages.heading(number, total)),
    await renderMarkdownCached(root, exercise.hints[number - 1]!),
    '',
    color.dim(number === total ? messages.wasLast(exercise.id) : messages.more),
  ].join('\n');
}

const messages = {
  heading: (number: number, total: number) => `Hint ${number} of ${total}`,
  more: 'Another hint: npx course hint',
  wasLast: (id: string) => `That was the last hint. Still stuck? See the solution: npx course solution ${id} --reveal`,
  noMore: (exercise: Exercise) => `No more hints for ${exercise.id}: you have seen all ${exercise.hints.length}.`,
  reveal: (id: string) => `See the solution: npx course solution ${id} --reveal`,
};
