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
  it('fails the starter: a line per expectation, the reason and where to look (never the fix), the count, exit 1', () => {
    const root = atGreet();
    const check = course(root, ['check']);
    expect(check.code).toBe(1);
    const lines = check.stdout.split('\n');
    expect(lines).toContain('✓ exports greet');
    expect(lines).toContain('✗ greets by name');
    expect(check.stdout).toContain('greet("Ada") should return "Hello, Ada!"');
    expect(check.stdout).toContain('Where to look: In greet.ts, the string `greet` returns.');
    expect(check.stdout).not.toContain('Hint:');
    expect(check.stdout).not.toContain('return `Hello, ${name}!`');
    expect(lines).toContain('1 passed, 1 failed');
    expect(check.stdout).toContain('Your code did not pass one check');
    expect(check.stdout).toContain('Stuck? npx course hint greet (hint 1 of 3)');
    expect(progressOf(root).items.greet).toBeUndefined();
  });

  it('reports a type error in the learner\'s file as the likely cause, with its line (TS2353)', () => {
    const root = atGreet();
    writeFileSync(
      workFile(root, 'greet', 'greet.ts'),
      [
        "import { DaprClient } from '@dapr/dapr';",
        '',
        'export async function announce(client: DaprClient, name: string): Promise<void> {',
        "  await client.pubsub.publish('pubsub', 'greetings', { name }, {",
        "    'cloudevent.type': 'greeted',",
        '  });',
        '}',
        '',
        'export function greet(name: string): string {',
        "  return 'Hello';",
        '}',
        '',
      ].join('\n'),
    );
    const check = course(root, ['check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('TypeScript finds a mistake in your files, the likely cause:');
    expect(check.stdout).toMatch(/greet\.ts:5:5 an object with a property its type does not have: is it at the\s+right nesting\?/);
    expect(check.stdout).toMatch(/TS2353: Object literal may only specify known properties, and\s+''cloudevent\.type''/);
    expect(JSON.parse(course(root, ['check', '--reporter', 'json']).stdout).typeProblems).toMatchObject([
      { file: 'greet.ts', line: 5, column: 5, code: 'TS2353' },
    ]);
  });

  it('passes the solution, records it, and next moves on', () => {
    const root = atGreet();
    writeFileSync(workFile(root, 'greet', 'greet.ts'), readFileSync(solutionFile(root, 'greet', 'greet.ts')));
    const check = course(root, ['check']);
    expect(check.code).toBe(0);
    expect(check.stdout.split('\n')).toContain('2 passed, 0 failed');
    expect(check.stdout).toContain('npx course next');
    expect(progressOf(root).items.greet.status).toBe('done');
    expect(check.stdout).not.toContain('TypeScript');
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
    // greet's mutant (test/fixture-course/mutants) ran for real and was caught; its alternative passed.
    expect(gate.stdout).toMatch(/✓ mutant no-name/);
    expect(gate.stdout).toMatch(/✓ alternative concatenation/);
    expect(gate.stdout).toMatch(/^2 passed, 0 failed · mutants killed 1\/1 · alternatives passed 1\/1 · \d+ s$/m);
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
    expect(gate.stdout).toMatch(/^0 passed, 1 failed · /m);
  });

  it('with --jobs 2, gates the exercises side by side: the lines of each together, one summary, the same verdicts', () => {
    const root = copyFixture();
    const manifest = path.join(root, 'modules', '01-basics', 'module.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('starterFails: [greets by name]', 'starterFails: [exports greet]'));
    const gate = course(root, ['dev', 'check', '--jobs', '2']);
    expect(gate.code).toBe(1);
    const blocks = gate.stdout.split(/^(?=Checking )/m).filter((b) => b.startsWith('Checking '));
    expect(blocks.map((b) => /^Checking (\S+):/.exec(b)![1]).sort()).toEqual(['count', 'greet']);
    const greet = blocks.find((b) => b.startsWith('Checking greet'))!;
    expect(greet).toContain('✓ mutant no-name');
    expect(greet).toContain('✓ alternative concatenation');
    expect(greet).toContain('the starter should fail "exports greet" (starterFails) but passed it');
    expect(blocks.find((b) => b.startsWith('Checking count'))).toMatch(/^✓ count/m);
    expect(gate.stdout.match(/ · mutants killed /g)).toHaveLength(1);
    expect(gate.stdout).toMatch(/^1 passed, 1 failed · mutants killed 1\/1 · alternatives passed 1\/1 · \d+ s$/m);
  });
});
