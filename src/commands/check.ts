// `course check [id] [--reporter text|json|junit] [--timeline]`: grade the learner's exercise folder.
import { parseArgs } from 'node:util';
import { ensureWorkDir } from '../course/exercise-files.js';
import { checkAndReport, REPORTERS, type Reporter } from '../grading/check-and-report.js';
import { EXIT_CODES } from '../grading/result.js';
import { UserError } from '../ui/errors.js';
import { prerenderInBackground } from '../ui/prerender.js';
import { chooseExercise, openWorkbook } from './workbook-context.js';
import { stoppedExitCode, whileCtrlCAborts } from './interrupt.js';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { reporter: { type: 'string', default: 'text' }, timeline: { type: 'boolean', default: false } },
    strict: true,
  });
  const reporter = values.reporter as Reporter;
  if (!REPORTERS.includes(reporter)) throw new UserError(messages.badReporter(values.reporter!));
  const workbook = await openWorkbook();
  const exercise = chooseExercise(workbook, positionals[0], 'check');
  const { dir } = ensureWorkDir(workbook.root, exercise);
  // The verdict is printed as soon as it is known; stopping the check's processes goes on after
  // this command has exited (src/grading/teardown-handover.ts).
  let teardown: Promise<void> | undefined;
  const result = await whileCtrlCAborts((signal) =>
    checkAndReport({ root: workbook.root, exercise, dir, reporter, signal, timeline: values.timeline, backgroundTeardown: (done) => (teardown = done) }),
  );
  if (result?.outcome === 'passed' && reporter === 'text') {
    // What `course next` will show after this pass: render it now, in the background.
    const { currentItem, loadProgress } = await import('../course/progress.js');
    prerenderInBackground(workbook.root, currentItem(workbook.course, loadProgress(workbook.root).progress)?.id);
  }
  const code = result ? EXIT_CODES[result.outcome] : stoppedExitCode();
  if (teardown) await (await import('../grading/teardown-handover.js')).exitLeavingTeardown(teardown, code);
  return code;
}

const messages = {
  badReporter: (name: string) => `Unknown reporter "${name}": use ${REPORTERS.join(', ')}.`,
};
