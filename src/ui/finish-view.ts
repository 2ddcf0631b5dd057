// The screen at the end of the course.
import type { Course } from '../course/manifest.js';
import type { Progress } from '../course/progress.js';
import { color } from './color.js';

export function finishView(course: Course, progress: Progress): string {
  const exercises = course.items.filter((item) => item.kind === 'exercise');
  const passed = exercises.filter((item) => progress.items[item.id]?.status === 'done');
  const skipped = course.items.filter((item) => progress.items[item.id]?.status === 'skipped');
  const hints = exercises.reduce((sum, item) => sum + (progress.hintsUsed[item.id] ?? 0), 0);
  const lines = [
    color.green.bold(messages.title),
    '',
    messages.summary(passed.length, exercises.length, hints),
  ];
  if (skipped.length > 0) {
    lines.push('', messages.skipped, ...skipped.map((item) => `  ${item.kind === 'exercise' ? `npx course check ${item.id}` : `npx course show ${item.id}`}   ${item.title}`));
  }
  lines.push('', messages.after);
  return lines.join('\n');
}

const messages = {
  title: 'You reached the end of the course.',
  summary: (passed: number, total: number, hints: number) =>
    `${passed} of ${total} exercises passed, with ${hints} hint${hints === 1 ? '' : 's'}.`,
  skipped: 'You skipped these; they are still there:',
  after: 'Your code stays in work/. Compare it with the model answers: npx course solution <id>',
};
