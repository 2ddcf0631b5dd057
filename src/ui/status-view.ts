// The learner's position in the course: for the dashboard, with and without a terminal.
import type { Course } from '../course/manifest.js';
import { completion, currentItem, type Progress } from '../course/progress.js';
import { color } from './color.js';

export function progressBar(finished: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((finished / total) * width);
  return color.green('█'.repeat(filled)) + color.dim('░'.repeat(width - filled));
}

/** Progress N/M and the current item, as lines. */
export function statusLines(course: Course, progress: Progress, { bar = false } = {}): string[] {
  const { finished, total } = completion(course, progress);
  const current = currentItem(course, progress);
  return [
    bar ? `${progressBar(finished, total)}  ${messages.progress(finished, total)}` : messages.progress(finished, total),
    current ? messages.current(current.kind, current.id, current.title) : messages.finished,
  ];
}

/** What a learner without a terminal menu gets: where they are and which commands to use. */
export function plainStatus(course: Course, progress: Progress): string {
  return [...statusLines(course, progress), '', messages.commands].join('\n');
}

const messages = {
  progress: (finished: number, total: number) => `Progress: ${finished}/${total} finished`,
  current: (kind: string, id: string, title: string) => `Current: ${kind} ${id} (${title})`,
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
