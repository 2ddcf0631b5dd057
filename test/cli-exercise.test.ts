// `hint`, `solution` and `reset`, through the built CLI on a copy of the fixture course.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { atGreet, course, progressOf, workFile } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture.js';

describe('course hint', () => {
  it('climbs the ladder one hint at a time, records it, and points to --reveal after the last', () => {
    const root = atGreet();
    const first = course(root, ['hint']);
    expect(first.stdout).toContain('Hint 1 of 3\nLook for the TODO in greet.ts.');
    expect(progressOf(root).hintsUsed.greet).toBe(1);
    expect(course(root, ['hint']).stdout).toContain('Hint 2 of 3');
    const last = course(root, ['hint']);
    expect(last.stdout).toContain('Hint 3 of 3');
    expect(last.stdout).toContain('That was the last hint');
    const more = course(root, ['hint']);
    expect(more.stdout).toContain('No more hints for greet: you have seen all 3.');
    expect(more.stdout).toContain('npx course solution greet --reveal');
    expect(progressOf(root).hintsUsed.greet).toBe(3);
  });

  it('names the exercise, and says so when the current item is a lesson', () => {
    const root = copyFixture();
    const onLesson = course(root, ['hint']);
    expect(onLesson.code).toBe(2);
    expect(onLesson.stderr).toContain('You are on a lesson');
    expect(onLesson.stderr).toContain('npx course next');
    expect(course(root, ['hint', 'count']).stdout).toContain('Hint 1 of 1');
    expect(course(root, ['hint', 'welcome']).stderr).toContain('"welcome" is a lesson');
    const unknown = course(root, ['hint', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no lesson or exercise "nope"');
  });
});

describe('the exercise you are in', () => {
  it('check and hint without an id act on the exercise whose work folder the shell is in', () => {
    const root = atGreet();
    course(root, ['show', 'count']);
    course(root, ['show', 'greet']);
    const countDir = path.dirname(workFile(root, 'count', 'counter.ts'));
    const hint = course(root, ['hint'], {}, countDir);
    expect(hint.stdout).toContain('Hint 1 of 1');
    expect(progressOf(root).hintsUsed).toEqual({ count: 1 });
    const check = course(root, ['check'], {}, countDir);
    expect(check.stdout).toContain('Checking count');
    expect(course(root, ['hint']).stdout).toContain('Hint 1 of 3');
    expect(progressOf(root).hintsUsed).toEqual({ count: 1, greet: 1 });
  });

  it('elsewhere, act on the exercise opened last, never on one not opened yet', () => {
    const root = atGreet();
    writeFileSync(workFile(root, 'greet', 'greet.ts'), readFileSync(path.join(root, 'solutions', '01-basics', 'greet', 'greet.ts')));
    expect(course(root, ['check']).code).toBe(0);
    // greet passed; count comes after a lesson and was never opened: hint stays on greet.
    expect(course(root, ['hint']).stdout).toContain('Hint 1 of 3');
    expect(progressOf(root).hintsUsed).toEqual({ greet: 1 });
    course(root, ['next']); // the lesson after greet
    const onLesson = course(root, ['check']);
    expect(onLesson.code).toBe(2);
    expect(onLesson.stderr).toContain('You are on a lesson');
  });
});

describe('course solution', () => {
  it('refuses before a pass and explains --reveal; --reveal shows a diff of the learner’s files', () => {
    const root = atGreet();
    const refused = course(root, ['solution']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('greet has not passed yet');
    expect(refused.stderr).toContain('npx course solution greet --reveal');
    expect(refused.stdout).toBe('');

    const revealed = course(root, ['solution', '--reveal']);
    expect(revealed.code).toBe(0);
    expect(revealed.stdout).toContain('--- yours/greet.ts\n+++ solution/greet.ts');
    expect(revealed.stdout).toContain("-  return 'Hello';");
    expect(revealed.stdout).toContain('+  return `Hello, ${name}!`;');
    expect(revealed.stdout).toContain('Shown before greet passed');
  });

  it('is shown without --reveal once the exercise has passed, and says when files match', () => {
    const root = atGreet();
    const progressFile = path.join(root, '.course', 'progress.json');
    const progress = progressOf(root);
    progress.items.greet = { status: 'done', at: new Date().toISOString() };
    writeFileSync(progressFile, JSON.stringify(progress));
    const solution = path.join(root, 'solutions', '01-basics', 'greet', 'greet.ts');
    writeFileSync(workFile(root, 'greet', 'greet.ts'), readFileSync(solution));
    const shown = course(root, ['solution']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('greet.ts: the same as the solution.');
  });
});

describe('course reset', () => {
  it('without a terminal, refuses unless --yes is given, and changes nothing', () => {
    const root = atGreet();
    const file = workFile(root, 'greet', 'greet.ts');
    writeFileSync(file, 'my attempt');
    const refused = course(root, ['reset']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('npx course reset greet --yes');
    expect(readFileSync(file, 'utf8')).toBe('my attempt');
    expect(existsSync(path.join(root, '.course', 'backups'))).toBe(false);
  });

  it('with --yes backs the work folder up, says where, and restores the starter', () => {
    const root = atGreet();
    const file = workFile(root, 'greet', 'greet.ts');
    writeFileSync(file, 'my attempt');
    const reset = course(root, ['reset', '--yes']);
    expect(reset.code).toBe(0);
    const [backupName] = readdirSync(path.join(root, '.course', 'backups'));
    const backup = path.join('.course', 'backups', backupName!);
    expect(reset.stdout).toContain(`backed up to ${backup}`);
    expect(readFileSync(path.join(root, backup, 'greet.ts'), 'utf8')).toBe('my attempt');
    expect(readFileSync(file, 'utf8')).toContain('TODO');
  });

  it('reset <id> <file> backs up and restores that one file, and leaves the others', () => {
    const root = atGreet();
    const file = workFile(root, 'greet', 'greet.ts');
    const notes = workFile(root, 'greet', 'README.md');
    writeFileSync(file, 'my attempt');
    writeFileSync(notes, 'my notes');
    const refused = course(root, ['reset', 'greet', 'greet.ts']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('npx course reset greet greet.ts --yes');
    const reset = course(root, ['reset', 'greet', 'greet.ts', '--yes']);
    expect(reset.code).toBe(0);
    const [backupName] = readdirSync(path.join(root, '.course', 'backups'));
    const saved = path.join(root, '.course', 'backups', backupName!);
    expect(readdirSync(saved)).toEqual(['greet.ts']);
    expect(readFileSync(path.join(saved, 'greet.ts'), 'utf8')).toBe('my attempt');
    expect(reset.stdout).toContain(path.join('.course', 'backups', backupName!, 'greet.ts'));
    expect(readFileSync(file, 'utf8')).toContain('TODO');
    expect(readFileSync(notes, 'utf8')).toBe('my notes');
  });

  it('reset <file> inside the work folder means that exercise; an unknown file is named with the real ones', () => {
    const root = atGreet();
    const file = workFile(root, 'greet', 'greet.ts');
    writeFileSync(file, 'my attempt');
    const reset = course(root, ['reset', 'greet.ts', '--yes'], {}, path.dirname(file));
    expect(reset.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('TODO');
    const unknown = course(root, ['reset', 'greet', 'nope.ts', '--yes']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('The starter of greet has no file "nope.ts". Its files to edit: greet.ts');
  });
});
