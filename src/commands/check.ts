// `course check [id] [--reporter text|json|junit]`: grade the learner's exercise folder.
import { parseArgs } from 'node:util';
import { ensureWorkDir } from '../course/exercise-files.js';
import { checkAndReport, REPORTERS, type Reporter } from '../grading/check-and-report.js';
import { EXIT_CODES } from '../grading/result.js';
import { UserError } from '../ui/errors.js';
import { prerenderInBackground } from '../ui/prerender.js';
import { chooseExercise, openWorkbook } from './workbook-context.js';
import { whileCtrlCAborts } from './interrupt.js';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { reporter: { type: 'string', default: 'text' } },
    strict: true,
  });
  const reporter = values.reporter as Reporter;
  if (!REPORTERS.includes(reporter)) throw new UserError(messages.badReporter(values.reporter!));
  const workbook = await openWorkbook();
  const exercise = chooseExercise(workbook, positionals[0], 'check');
  const { dir } = ensureWorkDir(workbook.root, exercise);
  const result = await whileCtrlCAborts((signal) =>
    checkAndReport({ root: workbook.root, exercise, dir, reporter, signal }),
  );
  if (result?.outcome === 'passed' && reporter === 'text') {
    // What `course next` will show after this pass: render it now, in the background.
    const { currentItem, loadProgress } = await import('../course/progress.js');
    prerenderInBackground(workbook.root, currentItem(workbook.course, loadProgress(workbook.root).progress)?.id);
  }
  return result ? EXIT_CODES[result.outcome] : 130;
}

const messages = {
  badReporter: (name: string) => `Unknown reporter "${name}": use ${REPORTERS.join(', ')}.`,
};
