// `next`, `list`, `show` and the dashboard, through the built CLI on a copy of the fixture course.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { course, courseInTerminal, hasScript, progressOf, workFile } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture.js';
const ESC = '\u001b';

describe('course next', () => {
  it('shows the lesson, marks it read when the learner moves on, then shows the exercise and creates its work folder', () => {
    const root = copyFixture();
    const lesson = course(root, ['next']);
    expect(lesson.code).toBe(0);
    expect(lesson.stdout).toContain('Lesson 1 of 2');
    expect(lesson.stdout).toContain('# Welcome');
    expect(lesson.stdout).toContain('* Run npx course next to move on');
    expect(lesson.stdout).toContain('* [ ] read this lesson');
    expect(lesson.stdout).not.toMatch(/`|\*\*/);
    expect(lesson.stdout).toContain('Move on with npx course next (that marks it read)');
    expect(progressOf(root).items.welcome).toBeUndefined();
    expect(progressOf(root).current).toBe('welcome');

    const exercise = course(root, ['next']);
    expect(exercise.code).toBe(0);
    expect(progressOf(root).items.welcome.status).toBe('read');
    expect(exercise.stdout).toContain('Exercise 1 of 2');
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
    course(root, ['next']);
    const skipped = course(root, ['next', '--skip']);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain('Skipped greet.');
    expect(skipped.stdout).toContain('# Counting events');
    expect(progressOf(root).items.greet.status).toBe('skipped');
    expect(progressOf(root).items.events).toBeUndefined();
  });

  it('shows a finish screen when everything is done, listing what was skipped', () => {
    const root = copyFixture();
    course(root, ['next']);
    course(root, ['next']);
    course(root, ['next', '--skip']);
    course(root, ['next']);
    const finish = course(root, ['next', '--skip']);
    expect(finish.stdout).toContain('You reached the end of the course.');
    expect(finish.stdout).toContain('0 of 2 exercises passed');
    expect(finish.stdout).toMatch(/npx course check greet\s+Say hello/);
    expect(finish.stdout).toMatch(/npx course check count\s+Count the events/);
  });
});

describe('course list', () => {
  it('shows every item with its status, the number the screen shows, id and title', () => {
    const root = copyFixture();
    course(root, ['next']);
    course(root, ['next']);
    const list = course(root, ['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/✓ Lesson 1 +welcome +Welcome to the fixture course/);
    expect(list.stdout).toMatch(/▶ Exercise 1 +greet +Say hello/);
    expect(list.stdout).toMatch(/· Lesson 2 +events +Counting events/);
    expect(list.stdout).toContain('1 of 2 lessons read, 0 of 2 exercises passed.');
  });

  it('--json prints machine-readable statuses', () => {
    const root = copyFixture();
    course(root, ['next']);
    course(root, ['next']);
    const list = JSON.parse(course(root, ['list', '--json']).stdout);
    expect(list).toMatchObject({ finished: 1, skipped: 0, total: 4, current: 'greet' });
    expect(list.items.map((i: { id: string; number: number; status: string }) => `${i.id}:${i.number}:${i.status}`)).toEqual([
      'welcome:1:read',
      'greet:1:current',
      'events:2:pending',
      'count:2:pending',
    ]);
  });

  it('shows skipped items as skipped, not finished, on the screen and in --json', () => {
    const root = copyFixture();
    course(root, ['next']);
    course(root, ['next']);
    course(root, ['next', '--skip']);
    const list = course(root, ['list']);
    expect(list.stdout).toMatch(/↷ Exercise 1 +greet/);
    expect(list.stdout).toContain('1 of 2 lessons read, 0 of 2 exercises passed, 1 skipped.');
    const json = JSON.parse(course(root, ['list', '--json']).stdout);
    expect(json).toMatchObject({ finished: 1, skipped: 1, exercises: { passed: 0, skipped: 1, total: 2 } });
    expect(json.items.find((i: { id: string }) => i.id === 'greet').status).toBe('skipped');
    expect(course(root, []).stdout).toContain('0 of 2 exercises passed, 1 skipped');
  });
});

describe('course show', () => {
  it('prints a lesson without changing progress; an exercise becomes the one commands act on', () => {
    const root = copyFixture();
    expect(course(root, ['show', 'events']).stdout).toContain('# Counting events');
    expect(existsSync(path.join(root, '.course', 'progress.json'))).toBe(false);
    expect(course(root, ['show', 'count']).stdout).toContain('Count the events');
    expect(progressOf(root).current).toBe('count');
    expect(course(root, ['hint']).stdout).toContain('Hint 1 of 1');
  });

  it('finds an item by the number the screen shows', () => {
    const root = copyFixture();
    const shown = course(root, ['show', 'lesson', '2']);
    expect(shown.stdout).toContain('Lesson 2 of 2');
    expect(shown.stdout).toContain('# Counting events');
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
    course(root, ['next']);
    const dashboard = course(root, []);
    expect(dashboard.code).toBe(0);
    expect(dashboard.stdout).toContain('Progress: 1 of 2 lessons read, 0 of 2 exercises passed');
    expect(dashboard.stdout).toContain('Current: Exercise 1, Say hello (greet)');
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
  // The progress-file faults of the fault matrix (issue 10), through the CLI, each within a bound.
  const BOUND_MS = 10_000;
  function withProgressFile(text: string) {
    const root = copyFixture();
    mkdirSync(path.join(root, '.course'));
    writeFileSync(path.join(root, '.course', 'progress.json'), text);
    return root;
  }
  function listTimed(root: string) {
    const started = Date.now();
    const list = course(root, ['list']);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(list.code).toBe(0);
    return list;
  }
  const keptFile = (root: string, cause: string) =>
    readdirSync(path.join(root, '.course')).find((f) => f.startsWith(`progress.${cause}-`));

  it('salvages a damaged progress file, keeps the original beside it, and says so', () => {
    const damaged = '{"version": 1, "items": {"welcome": {"status": "read", "at": "2025-01-01T00:00:00.000Z"}, "greet": {"sta';
    const root = withProgressFile(damaged);
    const list = listTimed(root);
    const kept = keptFile(root, 'damaged');
    expect(kept).toMatch(/^progress\.damaged-[\dTZ-]+\.json$/);
    expect(readFileSync(path.join(root, '.course', kept!), 'utf8')).toBe(damaged);
    expect(list.stderr).toContain('Your progress file was damaged (it is not valid JSON');
    expect(list.stderr).toContain('1 entry was read back from it and kept');
    expect(list.stderr).toContain(path.join('.course', kept!));
    expect(list.stdout).toMatch(/✓ Lesson 1 +welcome/);
    expect(progressOf(root).items.welcome.status).toBe('read');
    expect(listTimed(root).stderr).toBe('');
  });

  it.each([
    ['empty', '', 'Your progress file was empty'],
    ['of a newer version', '{"version": 2, "items": {}}', 'of version 2, written by a newer version of the course'],
    ['of an unknown version', '{"items": {}}', 'of an unknown version (null; this course reads version 1)'],
  ])('names the cause of a progress file that is %s, and keeps it', (_, text, cause) => {
    const root = withProgressFile(text);
    const list = listTimed(root);
    expect(list.stderr).toContain(cause);
    expect(list.stderr).not.toContain('could not be read');
    expect(list.stdout).toContain('0 of 2 lessons read');
    expect(readdirSync(path.join(root, '.course')).filter((f) => f.startsWith('progress.') && f !== 'progress.json')).toHaveLength(1);
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
