// `course watch [id]`: check, then re-check on every save; see src/watch/session.ts.
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { WatchSession } from '../watch/session.js';
import { chooseExercise, openWorkbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const workbook = await openWorkbook();
  const exercise = chooseExercise(workbook, positionals[0], 'watch');
  const session = new WatchSession({
    root: workbook.root,
    course: workbook.course,
    exercise,
    clear: () => {
      if (process.stdout.isTTY) console.clear();
    },
  });
  // Line mode (not raw): Enter and `q` + Enter arrive as lines, Ctrl-C stays a SIGINT.
  const keyboard = readline.createInterface({ input: process.stdin, terminal: false });
  keyboard.on('line', (line) => void session.onLine(line));
  const onInterrupt = () => {
    console.log(`\n${messages.stopped}`);
    void session.stop(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    await session.start();
    return await session.finished;
  } finally {
    process.off('SIGINT', onInterrupt);
    keyboard.close();
  }
}

const messages = {
  stopped: 'Stopped watching.',
};
