// `check` and `dev check` through the built CLI and the real check engine, on the fixture's checks
// (plain vitest files that read the learner's folder from COURSE_EXERCISE_DIR; no Dapr needed).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { atGreet, course, progressOf, startCourse, withHangingCount, workFile } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture.js';

const solutionFile = (root: string, exercise: string, file: string) =>
  path.join(root, 'solutions', '01-basics', exercise, file);

describe('course check', () => {
  it('fails the starter: a line per expectation, the reason and keyed hint, the count, exit 1', () => {
    const root = atGreet();
    const check = course(root, ['check']);
    expect(check.code).toBe(1);
    const lines = check.stdout.split('\n');
    expect(lines).toContain('✓ exports greet');
    expect(lines).toContain('✗ greets by name');
    expect(check.stdout).toContain('greet("Ada") should return "Hello, Ada!"');
    expect(check.stdout).toContain('Hint: The name goes between `Hello, ` and `!`.');
    expect(lines).toContain('1 passed, 1 failed');
    expect(check.stdout).toContain('Your code did not pass one check');
    expect(check.stdout).toContain('npx course hint greet');
    expect(progressOf(root).items.greet).toBeUndefined();
  });

  it('passes the solution, records it, and next moves on', () => {
    const root = atGreet();
    writeFileSync(workFile(root, 'greet', 'greet.ts'), readFileSync(solutionFile(root, 'greet', 'greet.ts')));
    const check = course(root, ['check']);
    expect(check.code).toBe(0);
    expect(check.stdout.split('\n')).toContain('2 passed, 0 failed');
    expect(check.stdout).toContain('npx course next');
    expect(progressOf(root).items.greet.status).toBe('done');
    expect(course(root, ['next']).stdout).toContain('# Counting events');
  });

  it('blames the environment, not the code, when the harness fails: exit 3 and a pointer to doctor', () => {
    const root = atGreet();
    const check = course(root, ['check'], { FIXTURE_BROKEN_ENVIRONMENT: '1' });
    expect(check.code).toBe(3);
    expect(check.stdout).toContain('redis-server did not start');
    expect(check.stdout).toContain('The environment failed, not your code');
    expect(check.stdout).toContain('npx course doctor');
    expect(check.stdout).not.toContain('Your code did not pass');
  });

  it('says a check that never finishes timed out: exit 4', () => {
    const root = withHangingCount();
    const check = course(root, ['check', 'count']);
    expect(check.code).toBe(4);
    expect(check.stdout).toContain('timed out');
    expect(check.stdout).toMatch(/\d+ passed, \d+ failed/);
  });

  it('--reporter json prints the result only; junit prints XML', () => {
    const root = atGreet();
    const json = course(root, ['check', '--reporter', 'json']);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout);
    expect(result).toMatchObject({ exerciseId: 'greet', outcome: 'code' });
    expect(result.expectations.map((e: { name: string; passed: boolean }) => [e.name, e.passed])).toEqual([
      ['exports greet', true],
      ['greets by name', false],
    ]);
    const junit = course(root, ['check', 'greet', '--reporter', 'junit']);
    expect(junit.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(junit.stdout).toContain('<testsuite name="greet" tests="2" failures="1"');
    expect(junit.stdout).toMatch(/<testcase name="greets by name" classname="greet" time="[\d.]+">\n\s+<failure message="/);
    expect(course(root, ['check', '--reporter', 'tap']).code).toBe(2);
  });

  it('on a lesson, says so and points to next', () => {
    const root = copyFixture();
    const check = course(root, ['check']);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('You are on a lesson');
    expect(check.stderr).toContain('npx course next');
  });

  it('Ctrl-C stops a running check and exits 130', async () => {
    const root = withHangingCount();
    const run = startCourse(root, ['check', 'count']);
    await expect.poll(run.stdout, { timeout: 10_000 }).toContain('Checking count');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
  });

  it('Ctrl-C stops a running check long before its time limit', async () => {
    const root = withHangingCount();
    // A generous limit, so that only the abort can end the run quickly.
    const manifest = path.join(root, 'modules', '01-basics', 'module.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('timeoutSeconds: 3', 'timeoutSeconds: 60'));
    const run = startCourse(root, ['check', 'count']);
    await expect.poll(run.stdout, { timeout: 10_000 }).toContain('Checking count');
    const interrupted = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(Date.now() - interrupted).toBeLessThan(10_000);
  });
});

describe('course dev check', () => {
  it('passes a course whose starters fail as listed and whose solutions pass', () => {
    const root = copyFixture();
    const gate = course(root, ['dev', 'check']);
    expect(gate.stdout).toMatch(/✓ greet/);
    expect(gate.stdout).toMatch(/✓ count/);
    expect(gate.stdout.split('\n')).toContain('2 passed, 0 failed');
    expect(gate.code).toBe(0);
  });

  it('fails an exercise whose starterFails does not match what the starter fails', () => {
    const root = copyFixture();
    const manifest = path.join(root, 'modules', '01-basics', 'module.yaml');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace('starterFails: [greets by name]', 'starterFails: [exports greet]'),
    );
    const gate = course(root, ['dev', 'check', 'greet']);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toContain('✗ greet');
    expect(gate.stdout).toContain('the starter should fail "exports greet" (starterFails) but passed it');
    expect(gate.stdout).toContain('the starter failed "greets by name", which is not in starterFails');
    expect(gate.stdout.split('\n')).toContain('0 passed, 1 failed');
  });
});
