// Driving the CLI in a real terminal: a detached tmux session, keys sent with send-keys, the
// screen read with capture-pane. As a learner would use it.
import { execFileSync, spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { BIN } from './cli.js';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export class TmuxSession {
  readonly name = `course-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    readonly root: string,
    size = { width: 100, height: 40 },
  ) {
    execFileSync('tmux', ['new-session', '-d', '-s', this.name, '-x', String(size.width), '-y', String(size.height), '-c', root]);
  }

  /**
   * Types a `course` command line into the shell and presses Enter. `unset`: variables the tmux
   * server may have from elsewhere that the command must not see (PAGER, LESS).
   */
  course(args: string, env: Record<string, string> = {}, unset: string[] = []): void {
    const vars = Object.entries({ COURSE_ROOT: this.root, ...env })
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    const clean = unset.length > 0 ? `env ${unset.map((name) => `-u ${name}`).join(' ')} ` : '';
    this.keys(`${clean}${vars} '${process.execPath}' '${BIN}' ${args}`, 'Enter');
  }

  keys(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  /**
   * What the terminal shows. `joined`: lines the terminal wrapped are joined again, so a line
   * wider than the terminal shows as one long line; `history`: with everything scrolled away.
   */
  screen({ joined = false, history = false } = {}): string {
    const args = ['capture-pane', '-p', '-t', this.name, ...(joined ? ['-J'] : []), ...(history ? ['-S', '-'] : [])];
    return execFileSync('tmux', args, { encoding: 'utf8' });
  }

  async waitFor(text: string | RegExp, timeout = 20_000, options: { history?: boolean } = {}): Promise<void> {
    await expect.poll(() => this.screen(options), { timeout, interval: 100 }).toMatch(text);
  }

  kill(): void {
    spawnSync('tmux', ['kill-session', '-t', this.name]);
  }
}
