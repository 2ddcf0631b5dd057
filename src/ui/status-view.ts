// The learner's position in the course: for the dashboard, with and without a terminal.
import type { Course, Item } from '../course/manifest.js';
import { itemLabel } from '../course/numbering.js';
import { completion, currentItem, type Completion, type Progress } from '../course/progress.js';
import { color } from './color.js';
import { wrapText } from './layout.js';
import { terminalWidth } from './terminal.js';

export function progressBar(finished: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((finished / total) * width);
  return color.green('█'.repeat(filled)) + color.dim('░'.repeat(width - filled));
}

/** Progress (lessons and exercises counted apart) and the current item, as lines. */
export function statusLines(course: Course, progress: Progress, { bar = false } = {}): string[] {
  const done = completion(course, progress);
  const current = currentItem(course, progress);
  const width = terminalWidth();
  return [
    ...(bar ? [`${progressBar(done.finished, done.total)}  ${done.finished}/${done.total}`] : []),
    ...wrapText(messages.progress(done), width),
    ...wrapText(current ? messages.current(course, current) : messages.finished, width),
  ];
}

/** What a learner without a terminal menu gets: where they are and which commands to use. */
export function plainStatus(course: Course, progress: Progress): string {
  return [...statusLines(course, progress), '', messages.commands].join('\n');
}

const messages = {
  progress: ({ lessons, exercises, skipped }: Completion) =>
    `Progress: ${lessons.read} of ${lessons.total} lessons read, ${exercises.passed} of ${exercises.total} exercises passed` +
    (skipped > 0 ? `, ${skipped} skipped` : ''),
  current: (course: Course, item: Item) => `Current: ${itemLabel(course, item)}, ${item.title} (${item.id})`,
  finished: 'Current: nothing left, you finished the course.',
  commands: [
    'Commands:',
    '  npx course next       show the current lesson or exercise',
    '  npx course list       every item with its status',
    '  npx course check      grade the current exercise',
    '  npx course watch      re-check on every save',
    '  npx course hint       a hint for the current exercise',
    '  npx course --help     everything else',
  ].join('\n'),
};
