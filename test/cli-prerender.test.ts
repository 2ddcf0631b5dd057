// In a terminal, showing a lesson renders what comes next in the background, so the next
// `course next` is a render-cache hit. Needs a terminal that outlives the command (as a learner's
// shell does), so the test drives a real tmux session.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyFixture } from './helpers/fixture.js';
import { hasTmux, TmuxSession } from './helpers/tmux.js';

let terminal: TmuxSession | undefined;
afterEach(() => terminal?.kill());

const cacheEntries = (root: string) => {
  const dir = path.join(root, '.course', 'render-cache');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};

describe.skipIf(!hasTmux)('background pre-render', () => {
  it('after a lesson, the next item is already rendered for this terminal', { timeout: 30_000 }, async () => {
    const root = copyFixture();
    terminal = new TmuxSession(root);
    terminal.course('next'); // the first lesson: rendered in the foreground, the next item in the background
    await expect.poll(() => cacheEntries(root).length, { timeout: 15_000 }).toBe(2);
    const afterFirst = cacheEntries(root);

    terminal.course('next; echo NEXT-DONE'); // the second item: must hit the entry made in the background
    await terminal.waitFor('NEXT-DONE');
    expect(cacheEntries(root)).toEqual(afterFirst);
  });
});
