// `next`, `list`, `show` and the dashboard, through the built CLI on a copy of the fixture course.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { course, courseInTerminal, hasScript, progressOf, workFile } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture.js';
const ESC = '\u001b';

describe('course next', () => {
  it('renders the lesson, marks it read, then shows the exercise and creates its work folder', () => {
    const root = copyFixture();
    const lesson = course(root, ['next']);
    expect(lesson.code).toBe(0);
    expect(lesson.stdout).toContain('Lesson 1 of 4');
    expect(lesson.stdout).toContain('# Welcome');
    expect(lesson.stdout).toContain('* Run npx course next to move on');
    expect(lesson.stdout).toContain('* [ ] read this lesson');
    expect(lesson.stdout).not.toMatch(/`|\*\*/);
    expect(progressOf(root).items.welcome.status).toBe('read');

    const exercise = course(root, ['next']);
    expect(exercise.code).toBe(0);
    expect(exercise.stdout).toContain('Exercise 2 of 4');
    expect(exercise.stdout).toContain('Say hello');
    expect(exercise.stdout).toContain('Make greet(name) in greet.ts return a greeting');
    expect(exercise.stdout).toContain(`Your copy of the starter is in ${path.join('work', '01-basics', 'greet')}${path.sep}`);
    expect(exercise.stdout).toContain(`Edit:\n  ${path.join('work', '01-basics', 'greet', 'greet.ts')}`);
    expect(exercise.stdout).toMatch(/npx course check[\s\S]*npx course watch[\s\S]*npx course hint/);
    expect(readFileSync(workFile(root, 'greet', 'greet.ts'), 'utf8')).toContain('TODO');
  });

  it('does not move past an exercise that has not passed', () => {
    const root = copyFixture();
    course(root, ['next']);
    course(root, ['next']);
    const again = course(root, ['next']);
    expect(again.stdout).toContain('Say hello');
    expect(again.stdout).toContain('has not passed yet');
    expect(again.stdout).not.toContain('Your copy of the starter');
    expect(again.stdout).toContain('npx course next --skip');
    expect(progressOf(root).items.greet).toBeUndefined();
  });

  it('--skip marks the exercise skipped and shows what follows', () => {
    const root = copyFixture();
    course(root, ['next']);
    const skipped = course(root, ['next', '--skip']);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain('Skipped greet.');
    expect(skipped.stdout).toContain('# Counting events');
    expect(progressOf(root).items.greet.status).toBe('skipped');
    expect(progressOf(root).items.events.status).toBe('read');
  });

  it('shows a finish screen when everything is done, listing what was skipped', () => {
    const root = copyFixture();
    course(root, ['next']);
    course(root, ['next', '--skip']);
    const finish = course(root, ['next', '--skip']);
    expect(finish.stdout).toContain('You reached the end of the course.');
    expect(finish.stdout).toContain('0 of 2 exercises passed');
    expect(finish.stdout).toMatch(/npx course check greet\s+Say hello/);
    expect(finish.stdout).toMatch(/npx course check count\s+Count the events/);
  });
});

describe('course list', () => {
  it('shows every item with its status, kind, id and title', () => {
    const root = copyFixture();
    course(root, ['next']);
    const list = course(root, ['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/✓ lesson +welcome +Welcome to the fixture course/);
    expect(list.stdout).toMatch(/▶ exercise +greet +Say hello/);
    expect(list.stdout).toMatch(/· lesson +events +Counting events/);
    expect(list.stdout).toContain('1/4 finished');
  });

  it('--json prints machine-readable statuses', () => {
    const root = copyFixture();
    course(root, ['next']);
    const list = JSON.parse(course(root, ['list', '--json']).stdout);
    expect(list).toMatchObject({ finished: 1, total: 4, current: 'greet' });
    expect(list.items.map((i: { id: string; status: string }) => `${i.id}:${i.status}`)).toEqual([
      'welcome:read',
      'greet:current',
      'events:pending',
      'count:pending',
    ]);
  });
});

describe('course show', () => {
  it('prints a lesson or an exercise without changing progress', () => {
    const root = copyFixture();
    expect(course(root, ['show', 'events']).stdout).toContain('# Counting events');
    expect(course(root, ['show', 'count']).stdout).toContain('Count the events');
    expect(existsSync(path.join(root, '.course', 'progress.json'))).toBe(false);
  });

  it('names close ids for an unknown one and exits 2', () => {
    const root = copyFixture();
    const unknown = course(root, ['show', 'gret']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no lesson or exercise "gret". Did you mean: greet?');
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('course (dashboard) without a terminal', () => {
  it('prints plain progress, the current item and the commands, and does not prompt', () => {
    const root = copyFixture();
    course(root, ['next']);
    const dashboard = course(root, []);
    expect(dashboard.code).toBe(0);
    expect(dashboard.stdout).toContain('Progress: 1/4 finished');
    expect(dashboard.stdout).toContain('Current: exercise greet (Say hello)');
    expect(dashboard.stdout).toContain('npx course next');
    expect(dashboard.stdout).not.toContain(ESC);
  });
});

describe('colour', () => {
  it('writes no escape codes when output is piped', () => {
    const root = copyFixture();
    for (const args of [['next'], ['list'], ['next'], ['hint']]) expect(course(root, args).stdout).not.toContain(ESC);
  });

  it.skipIf(!hasScript)('colours in a terminal, and writes no escape codes there with NO_COLOR', () => {
    const root = copyFixture();
    expect(courseInTerminal(root, ['show', 'welcome']).stdout).toContain(`${ESC}[`);
    const plain = courseInTerminal(root, ['show', 'welcome'], { NO_COLOR: '1' });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('# Welcome');
    expect(plain.stdout).not.toContain(ESC);
    expect(courseInTerminal(root, ['list'], { NO_COLOR: '1' }).stdout).not.toContain(ESC);
  });
});

describe('problems in the workbook', () => {
  it('moves a corrupted progress file aside, says where, and carries on', () => {
    const root = copyFixture();
    mkdirSync(path.join(root, '.course'));
    writeFileSync(path.join(root, '.course', 'progress.json'), 'not json {');
    const list = course(root, ['list']);
    expect(list.code).toBe(0);
    const moved = readdirSync(path.join(root, '.course')).find((f) => f.startsWith('progress.corrupt-'));
    expect(moved).toMatch(/^progress\.corrupt-[\dTZ-]+\.json$/);
    expect(list.stderr).toContain(path.join('.course', moved!));
    expect(readFileSync(path.join(root, '.course', moved!), 'utf8')).toBe('not json {');
    expect(list.stdout).toContain('0/4 finished');
  });

  it('reports a manifest naming a missing file with the file and the field, exit 2, no stack', () => {
    const root = copyFixture();
    const manifest = path.join(root, 'modules', '01-basics', 'module.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('file: events.md', 'file: missing.md'));
    const list = course(root, ['list']);
    expect(list.code).toBe(2);
    expect(list.stderr.trim()).toBe(
      `Course manifest problem: ${path.join('modules', '01-basics', 'module.yaml')}: items[2] (events).file: ` +
        `${path.join('modules', '01-basics', 'missing.md')} does not exist`,
    );
  });

  it('rejects an unknown option with a usage message, exit 2', () => {
    const root = copyFixture();
    const result = course(root, ['list', '--jsn']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--jsn'");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
