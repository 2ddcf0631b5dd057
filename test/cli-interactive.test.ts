// The interactive modes end to end: `watch` driven through its stdin (as a learner's Enter and q
// arrive), and the dashboard menu inside a pseudo-terminal.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { atGreet, BIN, hasScript, progressOf, startCourse, workFile } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture.js';

describe('course watch', () => {
  it('checks, re-checks when a file is saved, and after a pass Enter points to the next lesson', async () => {
    const root = atGreet();
    const watch = startCourse(root, ['watch']);
    await expect.poll(watch.stdout, { timeout: 20_000 }).toContain('Watching work/01-basics/greet');
    expect(watch.stdout()).toContain('1 passed, 1 failed');
    writeFileSync(workFile(root, 'greet', 'greet.ts'), readFileSync(path.join(root, 'solutions', '01-basics', 'greet', 'greet.ts')));
    await expect.poll(watch.stdout, { timeout: 20_000 }).toContain('Press Enter for what comes next');
    expect(watch.stdout()).toContain('2 passed, 0 failed');
    watch.child.stdin.write('\n');
    expect(await watch.exited).toBe(0);
    expect(watch.stdout()).toContain('Next up is a lesson: Counting events.');
    expect(progressOf(root).items.greet.status).toBe('done');
  });

  it('re-checks on Enter and quits on q', async () => {
    const root = atGreet();
    const watch = startCourse(root, ['watch']);
    await expect.poll(watch.stdout, { timeout: 20_000 }).toContain('Watching');
    watch.child.stdin.write('\n');
    await expect.poll(() => watch.stdout().split('Checking greet').length - 1, { timeout: 20_000 }).toBe(2);
    await expect.poll(() => watch.stdout().split('Watching').length - 1, { timeout: 20_000 }).toBe(2);
    watch.child.stdin.write('q\n');
    expect(await watch.exited).toBe(0);
  });

  it('stops on Ctrl-C with exit 130', async () => {
    const root = atGreet();
    const watch = startCourse(root, ['watch']);
    await expect.poll(watch.stdout, { timeout: 20_000 }).toContain('Watching');
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(130);
    expect(watch.stdout()).toContain('Stopped watching.');
  });
});

describe.skipIf(!hasScript)('course (dashboard) in a terminal', () => {
  it('shows progress and a menu; Continue shows the lesson, the next Continue marks it read; Quit exits 0', async () => {
    const root = copyFixture();
    const command = `'${process.execPath}' '${BIN}'`;
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: root,
      env: { ...process.env, COURSE_ROOT: root, TERM: 'xterm-256color', NO_COLOR: '1' },
    });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await expect.poll(() => screen, { timeout: 20_000 }).toContain('What next?');
    expect(screen).toContain('Progress: 0 of 2 lessons read, 0 of 2 exercises passed');
    expect(screen).toContain('Continue: Lesson 1, Welcome to the fixture course');
    child.stdin.write('\r');
    const afterLesson = () => (screen.includes('# Welcome') ? screen.slice(screen.indexOf('# Welcome')) : '');
    await expect.poll(afterLesson, { timeout: 20_000 }).toContain('Continue: Exercise 1, Say hello');
    expect(afterLesson()).toContain('Read "Welcome to the fixture course" again');
    expect(progressOf(root).items.welcome).toBeUndefined();
    child.stdin.write('\r');
    const afterExercise = () => (screen.includes('Make greet(name)') ? screen.slice(screen.indexOf('Make greet(name)')) : '');
    await expect.poll(afterExercise, { timeout: 20_000 }).toContain('Progress: 1 of 2 lessons read');
    await expect.poll(() => screen.slice(screen.lastIndexOf('What next?'))).toMatch(/❯ Continue/);
    child.stdin.write('\u001b[A'); // up, wrapping from Continue to Quit
    await expect.poll(() => screen.slice(screen.lastIndexOf('What next?'))).toMatch(/❯ Quit/);
    child.stdin.write('\r');
    expect(await exited).toBe(0);
    expect(progressOf(root).items.welcome.status).toBe('read');
  });
});
