// `course` with no command: in a terminal, progress and a menu, until the learner quits;
// otherwise (piped, CI) a plain status and the commands to use.
import { parseArgs } from 'node:util';
import { ensureWorkDir } from '../course/exercise-files.js';
import type { Exercise, Item } from '../course/manifest.js';
import { itemLabel } from '../course/numbering.js';
import { currentItem } from '../course/progress.js';
import { checkAndReport } from '../grading/check-and-report.js';
import { color } from '../ui/color.js';
import { lessonView } from '../ui/item-view.js';
import { page } from '../ui/pager.js';
import { plainStatus, statusLines } from '../ui/status-view.js';
import { isInteractive, terminalWidth } from '../ui/terminal.js';
import { nextHint } from './hint.js';
import { whileCtrlCAborts } from './interrupt.js';
import { listText } from './list.js';
import { lessonBeingRead, showNext } from './next.js';
import { chooseExercise, openWorkbook, type Workbook } from './workbook-context.js';

type Action = 'continue' | 'again' | 'list' | 'check' | 'hint' | 'quit';

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
    const reading = lessonBeingRead(workbook);
    const exercise = exerciseOrUndefined(workbook);
    const action: Action = await select<Action>({
      message: messages.question,
      default: last,
      choices: [
        {
          name: fit(messages.continue(workbook, reading)),
          value: 'continue',
          description: reading ? messages.marksRead : undefined,
        },
        ...(reading ? [{ name: fit(messages.again(reading.title)), value: 'again' as const }] : []),
        { name: messages.list, value: 'list' },
        { name: messages.check(exercise), value: 'check', disabled: exercise ? false : messages.noExercise },
        { name: messages.hint(exercise), value: 'hint', disabled: exercise ? false : messages.noExercise },
        { name: messages.quit, value: 'quit' },
      ],
    });
    if (action === 'quit') return 0;
    last = action === 'again' ? 'continue' : action;
    if (!(await perform(action, workbook, exercise))) return 130;
  }
}

/** A menu line that fits the terminal (the prompt draws it unwrapped, after its pointer). */
function fit(text: string): string {
  const room = terminalWidth() - 4;
  return text.length <= room ? text : `${text.slice(0, room - 1)}…`;
}

/** The exercise `check` and `hint` act on, as on the command line; none on a lesson. */
function exerciseOrUndefined(workbook: Workbook): Exercise | undefined {
  try {
    return chooseExercise(workbook, undefined, 'check');
  } catch {
    return undefined;
  }
}

/** Runs the chosen action; false when the learner interrupted it with Ctrl-C. */
async function perform(action: Exclude<Action, 'quit'>, workbook: Workbook, exercise: Exercise | undefined): Promise<boolean> {
  switch (action) {
    case 'continue':
      await showNext(workbook, { inMenu: true });
      return true;
    case 'again': {
      const lesson = lessonBeingRead(workbook);
      if (lesson) await page(await lessonView(workbook.root, workbook.course, lesson), { reserve: 12 });
      return true;
    }
    case 'list':
      console.log(listText(workbook));
      return true;
    case 'hint':
      if (exercise) console.log(await nextHint(workbook.root, exercise));
      return true;
    case 'check': {
      if (!exercise) return true;
      const { dir } = ensureWorkDir(workbook.root, exercise);
      const result = await whileCtrlCAborts((signal) =>
        checkAndReport({ root: workbook.root, exercise, dir, signal }),
      );
      return result !== undefined;
    }
  }
}

const messages = {
  question: 'What next?',
  continue: (workbook: Workbook, reading: Item | undefined) => {
    const { course } = workbook;
    const next = reading ? course.items[course.items.indexOf(reading) + 1] : currentItem(course, workbook.progress);
    const what = next ? `${itemLabel(course, next)}, ${next.title}` : 'the end of the course';
    return `Continue: ${what}`;
  },
  marksRead: 'The lesson on the screen is then marked read.',
  again: (title: string) => `Read "${title}" again`,
  list: 'List everything',
  check: (exercise: Exercise | undefined) => (exercise ? `Check ${exercise.id}` : 'Check my exercise'),
  hint: (exercise: Exercise | undefined) => (exercise ? `A hint for ${exercise.id}` : 'A hint'),
  quit: 'Quit',
  noExercise: color.dim('(no exercise open)'),
};
