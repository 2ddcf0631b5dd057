// The interactive modes in a real terminal (tmux): the dashboard menu, and watch re-checking when
// an exercise file is saved.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { atGreet, workFile } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture.js';
import { hasTmux, TmuxSession } from './helpers/tmux.js';

let terminal: TmuxSession | undefined;
afterEach(() => terminal?.kill());

describe.skipIf(!hasTmux)('in a terminal', { timeout: 60_000 }, () => {
  it('the menu shows progress, lists everything, and quits', async () => {
    terminal = new TmuxSession(copyFixture());
    terminal.course('; echo "EXIT=$?"');
    await terminal.waitFor('What next?');
    expect(terminal.screen()).toMatch(/Progress: 0\/4/);
    expect(terminal.screen()).toContain('Current: lesson welcome');
    terminal.keys('Down', 'Enter'); // List everything
    await terminal.waitFor(/▶ lesson\s+welcome/);
    await terminal.waitFor('What next?'); // back to the menu, on the last choice
    // The cursor can rest on the two choices disabled on a lesson (Enter there explains why).
    terminal.keys('Down', 'Enter');
    await terminal.waitFor('This option is disabled');
    terminal.keys('Down', 'Down', 'Enter'); // on to Quit
    await terminal.waitFor('EXIT=0');
  });

  it('watch re-checks when an exercise file is saved, and says when it passes', async () => {
    const root = atGreet();
    terminal = new TmuxSession(root);
    terminal.course('watch');
    await terminal.waitFor('1 passed, 1 failed');
    await terminal.waitFor('Watching');
    writeFileSync(workFile(root, 'greet', 'greet.ts'), readFileSync(path.join(root, 'solutions', '01-basics', 'greet', 'greet.ts')));
    await terminal.waitFor('2 passed, 0 failed');
    terminal.keys('C-c');
  });
});
