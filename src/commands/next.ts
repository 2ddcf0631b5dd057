// `course next [--skip]`: the current item. A lesson is shown and marked read, so the next call
// moves on; an exercise stays current until it passes, unless skipped.
import { parseArgs } from 'node:util';
import { ensureWorkDir } from '../course/exercise-files.js';
import type { Exercise, Item } from '../course/manifest.js';
import { currentItem, recordStatus, updateProgress } from '../course/progress.js';
import { color } from '../ui/color.js';
import { exerciseView, lessonView } from '../ui/item-view.js';
import { finishView } from '../ui/finish-view.js';
import { prerenderInBackground } from '../ui/prerender.js';
import { openWorkbook, type Workbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { skip: { type: 'boolean' } }, strict: true });
  const workbook = await openWorkbook();
  if (values.skip) {
    const skipped = currentItem(workbook.course, workbook.progress);
    if (skipped) {
      workbook.progress = updateProgress(workbook.root, (p) => recordStatus(p, skipped.id, 'skipped'));
      console.log(messages.skipped(skipped));
    }
  }
  await showNext(workbook);
  return 0;
}

/**
 * Shows the current item and records what showing it means; also the dashboard's "continue"
 * (`inMenu`: the menu follows, so no pointer to the next command).
 */
export async function showNext(workbook: Workbook, { inMenu = false } = {}): Promise<void> {
  const { root, course } = workbook;
  const item = currentItem(course, workbook.progress);
  if (!item) {
    console.log(finishView(course, workbook.progress));
    return;
  }
  if (item.kind === 'lesson') {
    console.log(await lessonView(root, course, item));
    workbook.progress = updateProgress(root, (p) => {
      recordStatus(p, item.id, 'read');
      p.current = item.id;
    });
    if (!inMenu) console.log(`\n${messages.lessonRead}`);
    prerenderInBackground(root, currentItem(course, workbook.progress)?.id);
    return;
  }
  const shownBefore = workbook.progress.current === item.id;
  const { dir, created } = ensureWorkDir(root, item);
  console.log(await exerciseView(root, course, item, dir, { created }));
  if (shownBefore && !inMenu) console.log(`\n${messages.notPassedYet(item)}`);
  else workbook.progress = updateProgress(root, (p) => void (p.current = item.id));
}

const messages = {
  skipped: (item: Item) =>
    color.yellow(`Skipped ${item.id}.`) +
    (item.kind === 'exercise' ? ` Come back to it any time: npx course check ${item.id}\n` : '\n'),
  lessonRead: color.dim('Marked as read. Continue: npx course next'),
  notPassedYet: (exercise: Exercise) =>
    `This exercise has not passed yet, so ${color.bold('npx course next')} stays here.\n` +
    `Check it: npx course check    Skip it for now: npx course next --skip` +
    (exercise.hints.length > 0 ? '    Stuck? npx course hint' : ''),
};
