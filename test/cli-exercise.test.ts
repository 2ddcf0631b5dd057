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
});
