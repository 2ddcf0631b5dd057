// How a lesson and an exercise are shown (`next`, `show`, the dashboard, `watch`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Course, Exercise, Item, Lesson } from '../course/manifest.js';
import { itemNumber } from '../course/numbering.js';
import { color } from './color.js';
import { wrapText } from './layout.js';
import { renderMarkdownCached } from './render-cache.js';
import { fileLink, terminalWidth } from './terminal.js';

/** `Lesson 3 of 9 · 04-pubsub · publishing`: lessons and exercises counted apart, dimmed. */
export function itemHeader(course: Course, item: Item): string {
  const { kind, number, of } = itemNumber(course, item);
  return color.dim(`${kind} ${number} of ${of} · ${item.moduleId} · ${item.id}`);
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
  const width = terminalWidth();
  const task = await renderMarkdownCached(root, exercise.task, { width });
  const shownDir = path.relative(process.cwd(), workDir) || '.';
  return [
    itemHeader(course, exercise),
    ...wrapText(exercise.title, width).map((line) => color.bold(line)),
    '',
    task,
    '',
    ...(mentionsDaprCli(exercise.task) ? [...wrapText(messages.sharedRedis, width).map((l) => color.dim(l)), ''] : []),
    ...(created ? wrapText(messages.created(shownDir), width).map((line) => color.dim(line)) : []),
    messages.files,
    ...exercise.files.map((file) => `  ${color.cyan(fileLink(path.join(workDir, file)))}`),
    '',
    messages.howToCheck,
  ].join('\n');
}

function mentionsDaprCli(task: string): boolean {
  return /`dapr (run|publish)\b/.test(task);
}

const messages = {
  files: 'Edit:',
  created: (dir: string) => `Your copy of the starter is in ${dir}${path.sep}; everything you change stays there.`,
  // Verified: pubsub.redis creates a new consumer group at the start of the stream (XGROUP CREATE
  // <topic> <group> 0), so a new app-id on a used topic receives what was published before.
  sharedRedis:
    'By hand with the Dapr CLI, every exercise shares the Redis of dapr init: a subscriber new to a topic ' +
    'first receives what earlier exercises published to that topic. npx course run starts a fresh Redis ' +
    'for each run, so it shows only this exercise\'s events.',
  howToCheck: [
    'Then:',
    '  npx course check   grade it against real Dapr sidecars',
    '  npx course watch   re-check on every save',
    '  npx course hint    one hint at a time',
  ].join('\n'),
};
