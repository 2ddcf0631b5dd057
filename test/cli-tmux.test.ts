// The CLI in a real terminal (tmux), as a learner sees it: the dashboard menu, watch re-checking
// when an exercise file is saved, lessons in the pager, and check reports that fit the terminal.
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
    expect(terminal.screen()).toMatch(/Progress: 0 of 2 lessons read, 0 of 2 exercises passed/);
    expect(terminal.screen()).toContain('Current: Lesson 1, Welcome to the fixture course (welcome)');
    terminal.keys('Down', 'Enter'); // List everything
    await terminal.waitFor(/▶ Lesson 1\s+welcome/);
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

  for (const width of [80, 160]) {
    it(`at ${width} columns, a long lesson opens in the pager at its top, and is read once the learner moves on`, async () => {
      const root = copyFixture();
      // Longer than the terminal: the pager starts; at its top, the header and the lesson's start.
      const lesson = path.join(root, 'modules', '01-basics', 'welcome.md');
      writeFileSync(lesson, `${readFileSync(lesson, 'utf8')}\n${Array.from({ length: 60 }, (_, i) => `Line ${i + 1} of the lesson.`).join('\n\n')}\n`);
      terminal = new TmuxSession(root, { width, height: 24 });
      terminal.course('next; echo "EXIT=$?"', {}, ['PAGER', 'COURSE_PAGER', 'LESS']);
      await terminal.waitFor(/^:\s*$/m); // less's prompt on the last row
      const screen = terminal.screen().split('\n');
      expect(screen[0]).toContain('Lesson 1 of 2 · 01-basics · welcome');
      expect(screen[2]).toBe('# Welcome');
      expect(terminal.screen()).not.toContain('Line 60 of the lesson.');
      terminal.keys('q');
      await terminal.waitFor('EXIT=0');
      expect(terminal.screen()).toContain('Move on with npx course next (that marks it read)');
      expect(JSON.parse(readFileSync(path.join(root, '.course', 'progress.json'), 'utf8')).items.welcome).toBeUndefined();
    });

    it(`at ${width} columns, a failing check's report fits the terminal, states a shared cause once, and gives no fix away`, async () => {
      const root = atGreet();
      terminal = new TmuxSession(root, { width, height: 50 });
      // The environment fails the same way under every expectation: one cause, stated once.
      terminal.course('check; echo "EXIT=$?"', { FIXTURE_BROKEN_ENVIRONMENT: '1' });
      await terminal.waitFor('EXIT=3', 60_000);
      const joined = terminal.screen({ joined: true, history: true });
      const report = joined.slice(joined.indexOf('Checking greet'));
      expect(Math.max(...report.split('\n').map((line) => line.trimEnd().length))).toBeLessThanOrEqual(width);
      expect(report.match(/redis-server did not start/g)).toHaveLength(1);
      expect(report).toMatch(/✗ exports greet\n {4}redis-server did not start[^\n]*\n {4}This also fails, for the same reason:\n {6}✗ greets by name/);

      terminal.course('check; echo "EXIT=$?"');
      await terminal.waitFor('EXIT=1', 60_000, { history: true });
      const failing = terminal.screen({ joined: true, history: true });
      const last = failing.slice(failing.lastIndexOf('Checking greet'));
      expect(Math.max(...last.split('\n').map((line) => line.trimEnd().length))).toBeLessThanOrEqual(width);
      expect(last).toContain('Where to look:');
      expect(last).not.toContain('Hint:');
      expect(last).not.toContain('return `Hello, ${name}!`'); // the ladder's last rung
      expect(last).toContain('Stuck? npx course hint greet (hint 1 of 3)');
    });
  }
});
