// Long text in a terminal goes through a pager, as git does: the learner's $PAGER (COURSE_PAGER
// first, for this course only), else `less` with LESS=FRX unless LESS is set (quit if it fits on
// one screen, keep colours, leave the text on the screen afterwards). The pager starts at the top,
// so a 150-line lesson is read from its first line instead of landing on its last screen. Text
// that fits, output that is piped, and a pager that cannot start are printed as they are.
import { spawn } from 'node:child_process';
import { findOnPath } from '../harness/which.js';
import { visibleLength } from './layout.js';
import { isInteractive } from './terminal.js';

/**
 * Prints `text`, through the pager when it is longer than the terminal. `reserve`: rows that
 * must stay free below it (the dashboard's menu), so that its start does not scroll away.
 */
export async function page(text: string, { reserve = 1 } = {}): Promise<void> {
  const rows = process.stdout.rows;
  const command = pagerCommand();
  if (!isInteractive() || !rows || !command || screenLines(text) <= rows - reserve) {
    console.log(text);
    return;
  }
  if (!(await throughPager(command, text))) console.log(text);
}

/** The pager to use; undefined for none (`cat`, an empty $PAGER, or no less on PATH). */
export function pagerCommand(env = process.env): string | undefined {
  const chosen = env.COURSE_PAGER ?? env.PAGER;
  if (chosen !== undefined) return chosen.trim() === '' || chosen.trim() === 'cat' ? undefined : chosen;
  return findOnPath('less') ? 'less' : undefined;
}

/** How many terminal rows the text takes, counting lines the terminal will wrap. */
function screenLines(text: string, columns = process.stdout.columns || 80): number {
  return text.split('\n').reduce((sum, line) => sum + Math.max(1, Math.ceil(visibleLength(line) / columns)), 0);
}

/** Pipes the text into the pager and waits for the learner to quit it; false if it did not run. */
function throughPager(command: string, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    // Ctrl-C belongs to the pager while it runs (less uses it to stop a search), not to us.
    const ignoreInterrupt = () => {};
    process.on('SIGINT', ignoreInterrupt);
    const child = spawn(command, {
      shell: true,
      stdio: ['pipe', 'inherit', 'inherit'],
      env: { ...process.env, LESS: process.env.LESS ?? 'FRX', LV: process.env.LV ?? '-c' },
    });
    const done = (ran: boolean) => {
      process.off('SIGINT', ignoreInterrupt);
      resolve(ran);
    };
    child.on('error', () => done(false));
    child.on('exit', (code) => done(code !== 127));
    child.stdin.on('error', () => {}); // the learner quit before reading it all
    child.stdin.end(`${text}\n`);
  });
}
