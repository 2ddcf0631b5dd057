// `course show <id>`: a lesson's text or an exercise's task, without changing progress.
import { parseArgs } from 'node:util';
import { ensureWorkDir } from '../course/exercise-files.js';
import { findItem } from '../course/find-item.js';
import { UserError } from '../ui/errors.js';
import { exerciseView, lessonView } from '../ui/item-view.js';
import { openWorkbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const [id] = positionals;
  if (!id) throw new UserError(messages.usage);
  const { root, course } = await openWorkbook();
  const item = findItem(course, id);
  if (item.kind === 'lesson') {
    console.log(await lessonView(root, course, item));
  } else {
    const { dir, created } = ensureWorkDir(root, item);
    console.log(await exerciseView(root, course, item, dir, { created }));
  }
  return 0;
}

const messages = {
  usage: 'Which one? npx course show <id>   (every id: npx course list)',
};
