// `course next [--skip]`: the current item. A lesson is shown (in the pager, from its top) and
// stays current while the learner reads it; the next `course next` marks it read and moves on. An
// exercise stays current until it passes, unless skipped.
import { parseArgs } from 'node:util';
import { ensureWorkDir } from '../course/exercise-files.js';
import type { Exercise, Item, Lesson } from '../course/manifest.js';
import { currentItem, recordStatus, updateProgress } from '../course/progress.js';
import { color } from '../ui/color.js';
import { exerciseView, lessonView } from '../ui/item-view.js';
import { finishView } from '../ui/finish-view.js';
import { page } from '../ui/pager.js';
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

/** The lesson the learner was shown last and has not moved on from, if the current item is one. */
export function lessonBeingRead({ course, progress }: Workbook): Lesson | undefined {
  const item = currentItem(course, progress);
  return item?.kind === 'lesson' && progress.current === item.id ? item : undefined;
}

/**
 * Moves on from a lesson the learner has been shown (marking it read), then shows the current
 * item; also the dashboard's "continue" (`inMenu`: the menu follows, so no pointer to the next
 * command).
 */
export async function showNext(workbook: Workbook, { inMenu = false } = {}): Promise<void> {
  const reserve = inMenu ? MENU_ROWS : 1;
  const { root, course } = workbook;
  const read = lessonBeingRead(workbook);
  if (read) workbook.progress = updateProgress(root, (p) => recordStatus(p, read.id, 'read'));
  const item = currentItem(course, workbook.progress);
  if (!item) {
    console.log(finishView(course, workbook.progress));
    return;
  }
  if (item.kind === 'lesson') {
    workbook.progress = updateProgress(root, (p) => void (p.current = item.id));
    await page(await lessonView(root, course, item), { reserve });
    if (!inMenu) console.log(`\n${messages.whenRead}`);
    prerenderInBackground(root, course.items[course.items.indexOf(item) + 1]?.id);
    return;
  }
  const shownBefore = workbook.progress.current === item.id;
  const { dir, created } = ensureWorkDir(root, item);
  await page(await exerciseView(root, course, item, dir, { created }), { reserve });
  if (shownBefore && !inMenu) console.log(`\n${messages.notPassedYet(item)}`);
  else workbook.progress = updateProgress(root, (p) => void (p.current = item.id));
}

/** The dashboard's status and menu, which follow the item on the screen. */
const MENU_ROWS = 12;

const messages = {
  skipped: (item: Item) =>
    color.yellow(`Skipped ${item.id}.`) +
    (item.kind === 'exercise' ? ` Come back to it any time: npx course check ${item.id}\n` : '\n'),
  whenRead: color.dim('Read it? Move on with npx course next (that marks it read).'),
  notPassedYet: (exercise: Exercise) =>
    `This exercise has not passed yet, so ${color.bold('npx course next')} stays here.\n` +
    `Check it: npx course check    Skip it for now: npx course next --skip` +
    (exercise.hints.length > 0 ? '    Stuck? npx course hint' : ''),
};
