// In a terminal, showing a lesson renders what comes next in the background, so the next
// `course next` is a render-cache hit. Needs a terminal that outlives the command (as a learner's
// shell does), so the test drives a real tmux session.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `prerender-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });

afterEach(() => {
  spawnSync('tmux', ['kill-session', '-t', session]);
});

const cacheEntries = (root: string) => {
  const dir = path.join(root, '.course', 'render-cache');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};

describe.skipIf(!hasTmux)('background pre-render', () => {
  it('after a lesson, the next item is already rendered for this terminal', { timeout: 30_000 }, async () => {
    const root = copyFixture();
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '40', '-c', root);
    const run = (args: string) => tmux('send-keys', '-t', session, `COURSE_ROOT='${root}' '${process.execPath}' '${BIN}' ${args}`, 'Enter');

    run('next'); // the first lesson: rendered in the foreground, the next item in the background
    await expect.poll(() => cacheEntries(root).length, { timeout: 15_000 }).toBe(2);
    const afterFirst = cacheEntries(root);

    run('next; echo NEXT-DONE'); // the second item: must hit the entry made in the background
    await expect.poll(() => tmux('capture-pane', '-p', '-t', session), { timeout: 15_000 }).toContain('NEXT-DONE');
    expect(cacheEntries(root)).toEqual(afterFirst);
  });
});
