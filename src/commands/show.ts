// `course show <id>`: a lesson's text or an exercise's task. Showing a lesson changes nothing; an
// exercise is opened (its work folder made) and becomes the one `check` and `hint` act on.
import { parseArgs } from 'node:util';
import { ensureWorkDir } from '../course/exercise-files.js';
import { findItem } from '../course/find-item.js';
import { updateProgress } from '../course/progress.js';
import { UserError } from '../ui/errors.js';
import { exerciseView, lessonView } from '../ui/item-view.js';
import { page } from '../ui/pager.js';
import { openWorkbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const typed = positionals.join(' ');
  if (!typed) throw new UserError(messages.usage);
  const { root, course } = await openWorkbook();
  const item = findItem(course, typed);
  if (item.kind === 'lesson') {
    await page(await lessonView(root, course, item));
  } else {
    const { dir, created } = ensureWorkDir(root, item);
    updateProgress(root, (p) => void (p.current = item.id));
    await page(await exerciseView(root, course, item, dir, { created }));
  }
  return 0;
}

const messages = {
  usage: 'Which one? npx course show <id>   (or the number the screen shows: npx course show lesson 3)',
};
