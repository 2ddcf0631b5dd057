// `course` with no command: in a terminal, progress and a menu, until the learner quits;
// otherwise (piped, CI) a plain status and the commands to use.
import { parseArgs } from 'node:util';
import { ensureWorkDir } from '../course/exercise-files.js';
import { currentItem } from '../course/progress.js';
import { checkAndReport } from '../grading/check-and-report.js';
import { color } from '../ui/color.js';
import { plainStatus, statusLines } from '../ui/status-view.js';
import { isInteractive } from '../ui/terminal.js';
import { nextHint } from './hint.js';
import { whileCtrlCAborts } from './interrupt.js';
import { listText } from './list.js';
import { showNext } from './next.js';
import { openWorkbook, type Workbook } from './workbook-context.js';

type Action = 'continue' | 'list' | 'check' | 'hint' | 'quit';

export async function run(args: string[]): Promise<number> {
  parseArgs({ args, strict: true });
  if (!isInteractive()) {
    const { course, progress } = await openWorkbook();
    console.log(plainStatus(course, progress));
    return 0;
  }
  const { select } = await import('@inquirer/prompts');
  let last: Action = 'continue';
  for (;;) {
    const workbook = await openWorkbook();
    console.log(`\n${statusLines(workbook.course, workbook.progress, { bar: true }).join('\n')}\n`);
    const onExercise = currentItem(workbook.course, workbook.progress)?.kind === 'exercise';
    const action: Action = await select<Action>({
      message: messages.question,
      default: last,
      choices: [
        { name: messages.continue, value: 'continue' },
        { name: messages.list, value: 'list' },
        { name: messages.check, value: 'check', disabled: onExercise ? false : messages.notOnExercise },
        { name: messages.hint, value: 'hint', disabled: onExercise ? false : messages.notOnExercise },
        { name: messages.quit, value: 'quit' },
      ],
    });
    if (action === 'quit') return 0;
    last = action;
    if (!(await perform(action, workbook))) return 130;
  }
}

/** Runs the chosen action; false when the learner interrupted it with Ctrl-C. */
async function perform(action: Exclude<Action, 'quit'>, workbook: Workbook): Promise<boolean> {
  const current = currentItem(workbook.course, workbook.progress);
  switch (action) {
    case 'continue':
      await showNext(workbook, { inMenu: true });
      return true;
    case 'list':
      console.log(listText(workbook));
      return true;
    case 'hint':
      if (current?.kind === 'exercise') console.log(await nextHint(workbook.root, current));
      return true;
    case 'check': {
      if (current?.kind !== 'exercise') return true;
      const { dir } = ensureWorkDir(workbook.root, current);
      const result = await whileCtrlCAborts((signal) =>
        checkAndReport({ root: workbook.root, exercise: current, dir, signal }),
      );
      return result !== undefined;
    }
  }
}

const messages = {
  question: 'What next?',
  continue: 'Continue (show the current lesson or exercise)',
  list: 'List everything',
  check: 'Check my exercise',
  hint: 'A hint',
  quit: 'Quit',
  notOnExercise: color.dim('(on a lesson)'),
};
