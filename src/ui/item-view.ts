// How a lesson and an exercise are shown (`next`, `show`, the dashboard, `watch`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Course, Exercise, Item, Lesson } from '../course/manifest.js';
import { color } from './color.js';
import { renderMarkdownCached } from './render-cache.js';
import { fileLink } from './terminal.js';

/** `Lesson 3 of 12 · Delivery guarantees`, dimmed where colour is on. */
export function itemHeader(course: Course, item: Item): string {
  const position = course.items.indexOf(item) + 1;
  const kind = item.kind === 'lesson' ? 'Lesson' : 'Exercise';
  return color.dim(`${kind} ${position} of ${course.items.length} · ${item.moduleId} · ${item.id}`);
}

export async function lessonView(root: string, course: Course, lesson: Lesson): Promise<string> {
  const text = await renderMarkdownCached(root, readFileSync(lesson.file, 'utf8'));
  return [itemHeader(course, lesson), '', text].join('\n');
}

/**
 * Title, task, the files to edit (paths from cwd, links where the terminal has them), and what to
 * run. `created`: the work folder was just copied from the starter, which is worth saying once.
 */
export async function exerciseView(
  root: string,
  course: Course,
  exercise: Exercise,
  workDir: string,
  { created = false } = {},
): Promise<string> {
  const task = await renderMarkdownCached(root, exercise.task);
  return [
    itemHeader(course, exercise),
    color.bold(exercise.title),
    '',
    task,
    '',
    ...(created ? [color.dim(messages.created(path.relative(process.cwd(), workDir) || '.'))] : []),
    messages.files,
    ...exercise.files.map((file) => `  ${color.cyan(fileLink(path.join(workDir, file)))}`),
    '',
    messages.howToCheck,
  ].join('\n');
}

const messages = {
  files: 'Edit:',
  created: (dir: string) => `Your copy of the starter is in ${dir}${path.sep}; everything you change stays there.`,
  howToCheck: [
    'Then:',
    '  npx course check   grade it against real Dapr sidecars',
    '  npx course watch   re-check on every save',
    '  npx course hint    one hint at a time',
  ].join('\n'),
};
