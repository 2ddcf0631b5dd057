// runCheck before any check code runs: a deleted work file is named with the command that restores
// it; when no daprd can be had, the learner is told it is the environment; nothing is left on disk.
// Each test has a temp folder of its own, so a check running beside it (a learner's, another
// test's) cannot change what it sees.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { processTree } from '../harness/process-tree.js';
import { scratchDir } from '../../test/helpers/temp.js';
import { loadCourse, type Exercise } from '../course/manifest.js';
import type { CheckResult } from './result.js';
import { CheckRunner, runCheck } from './run-check.js';

const course = path.resolve(import.meta.dirname, '..', '..');
const fixture = path.join(course, 'test', 'fixture-course');
const exercise = (id: string) => loadCourse(fixture).items.find((i): i is Exercise => i.kind === 'exercise' && i.id === id)!;
const saved = { daprd: process.env.DAPRD_PATH, tmp: process.env.TMPDIR };
let tmp = '';
beforeEach(() => {
  tmp = scratchDir('run-check');
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  for (const [name, value] of [['DAPRD_PATH', saved.daprd], ['TMPDIR', saved.tmp]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('runCheck before the check runs', () => {
  it('fails as the environment without a usable daprd, names the cause, and leaves no scratch folder', async () => {
    const greet = exercise('greet');
    process.env.DAPRD_PATH = path.join(tmp, 'no-such-daprd');
    const result = await runCheck({ root: fixture, exercise: greet, dir: greet.starterDir, onSetupProgress: () => {} });
    expect(os.tmpdir()).toBe(tmp);
    expect(result.outcome).toBe('environment');
    expect(result.expectations).toHaveLength(1);
    expect(result.expectations[0]!.message).toContain('DAPRD_PATH is set to');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('names a deleted work file and the command that restores it, before anything starts', async () => {
    const greet = exercise('greet');
    const dir = path.join(tmp, 'greet');
    cpSync(greet.starterDir, dir, { recursive: true });
    rmSync(path.join(dir, 'greet.ts'));
    const started = Date.now();
    const result = await runCheck({ root: fixture, exercise: greet, dir, onSetupProgress: () => {} });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.outcome).toBe('code');
    expect(result.expectations).toHaveLength(1);
    expect(result.expectations[0]!.message).toMatch(/`greet\.ts` is missing from .*greet \(deleted or renamed\?\)/);
    expect(result.expectations[0]!.message).toContain('npx course reset greet greet.ts');
    expect(readdirSync(tmp)).toEqual(['greet']);
  });
});

describe('runCheck when the check cannot run to its end', () => {
  it('does not pass a check whose process was killed after its first expectation, and says so', async () => {
    const greet = exercise('greet');
    const dir = path.join(tmp, 'greet');
    cpSync(greet.solutionDir, dir, { recursive: true });
    process.env.FIXTURE_WORKER_DIES_AFTER = '1';
    try {
      const result = await runCheck({ root: fixture, exercise: greet, dir, onSetupProgress: () => {} });
      expect(result.outcome).toBe('environment');
      expect(result.expectations.map((e) => [e.name, e.passed])).toEqual([
        ['exports greet', true],
        ['the check runs', false],
      ]);
      expect(result.expectations[1]!.message).toBe("The check could not run to its end: the check's process stopped before the check was over (it was ended by SIGKILL)");
    } finally {
      delete process.env.FIXTURE_WORKER_DIES_AFTER;
    }
    expect(readdirSync(tmp)).toEqual(['greet']);
  });
});

describe('runCheck for a mutant (stopOnceFailed)', () => {
  it('skips the expectations after the named ones have failed, and reports every one without it', async () => {
    const greet = exercise('greet');
    const dir = path.join(tmp, 'greet');
    cpSync(greet.starterDir, dir, { recursive: true });
    writeFileSync(path.join(dir, 'greet.ts'), 'function greet(name: string): string {\n  return name;\n}\n');
    const run = (stopOnceFailed?: string[]) => runCheck({ root: fixture, exercise: greet, dir, onSetupProgress: () => {}, stopOnceFailed });
    const named = (result: CheckResult) => result.expectations.map((e) => [e.name, e.passed]);
    const whole = await run();
    expect(named(whole)).toEqual([
      ['exports greet', false],
      ['greets by name', false],
    ]);
    const stopped = await run(['exports greet']);
    expect(named(stopped)).toEqual([['exports greet', false]]);
    expect(stopped.outcome).toBe('code');
    // Named expectations that have not all failed stop nothing.
    expect(named(await run(['exports greet', 'no such expectation']))).toEqual(named(whole));
    expect(readdirSync(tmp)).toEqual(['greet']);
  });
});

describe('a warm CheckRunner (course watch)', () => {
  it('re-checks one folder as it is edited with the verdict a cold check gives, and leaves nothing once closed', async () => {
    const greet = exercise('greet');
    const dir = path.join(tmp, 'greet');
    cpSync(greet.starterDir, dir, { recursive: true });
    const runner = new CheckRunner(fixture, greet, { keep: true });
    const failedOf = (result: CheckResult) => result.expectations.filter((e) => !e.passed).map((e) => e.name);
    const versions = [
      undefined, // the starter
      readFileSync(path.join(greet.solutionDir, 'greet.ts'), 'utf8'),
      'export function greet(name: string): string {\n  return `Hello, ${name.toUpperCase()}!`;\n}\n',
      'export function greet(name: string): string {\n  return "Hello, " + name + "!";\n}\n',
    ];
    try {
      for (const text of versions) {
        if (text !== undefined) writeFileSync(path.join(dir, 'greet.ts'), text);
        const warm = await runner.run({ root: fixture, exercise: greet, dir, onSetupProgress: () => {}, backgroundTeardown: () => {} });
        const cold = await runCheck({ root: fixture, exercise: greet, dir, onSetupProgress: () => {} });
        expect(failedOf(warm), text ?? 'starter').toEqual(failedOf(cold));
        expect(warm.outcome).toBe(cold.outcome);
      }
    } finally {
      await runner.close();
    }
    // Each version was judged as written, not as the first run saw the file.
    const outcomes = [];
    for (const text of versions.slice(1)) {
      writeFileSync(path.join(dir, 'greet.ts'), text!);
      outcomes.push((await runCheck({ root: fixture, exercise: greet, dir, onSetupProgress: () => {} })).outcome);
    }
    expect(outcomes).toEqual(['passed', 'code', 'passed']);
    expect(readdirSync(tmp)).toEqual(['greet']);
  });

  it('after a run stopped by Ctrl-C, judges the next one afresh', async () => {
    const greet = exercise('greet');
    const dir = path.join(tmp, 'greet');
    cpSync(greet.solutionDir, dir, { recursive: true });
    const runner = new CheckRunner(fixture, greet, { keep: true });
    try {
      expect((await runner.run({ root: fixture, exercise: greet, dir, onSetupProgress: () => {} })).outcome).toBe('passed');
      const stopped = new AbortController();
      stopped.abort();
      const interrupted = await runner.run({ root: fixture, exercise: greet, dir, signal: stopped.signal, onSetupProgress: () => {} });
      expect(interrupted.expectations[0]!.message).toBe('The check was stopped.');
      writeFileSync(path.join(dir, 'greet.ts'), readFileSync(path.join(greet.starterDir, 'greet.ts'), 'utf8'));
      const next = await runner.run({ root: fixture, exercise: greet, dir, onSetupProgress: () => {} });
      expect(next.expectations.filter((e) => !e.passed).map((e) => e.name)).toEqual(['greets by name']);
    } finally {
      await runner.close();
    }
    expect(readdirSync(tmp)).toEqual(['greet']);
  });

  it('starts the next run\'s Redis and sidecars while the learner edits, and re-checks on them with the cold verdict', { timeout: 180_000 }, async () => {
    const publishOrder = loadCourse(course).items.find((i): i is Exercise => i.kind === 'exercise' && i.id === 'publish-order')!;
    // In the workbook, as `course dev check` copies it: the service imports the workbook's packages.
    mkdirSync(path.join(course, '.course', 'scratch'), { recursive: true });
    const dir = mkdtempSync(path.join(course, '.course', 'scratch', 'run-check-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(publishOrder.starterDir, dir, { recursive: true });
    const solution = readFileSync(path.join(publishOrder.solutionDir, 'checkout.ts'), 'utf8');
    const versions = [solution, solution.replace("'order.created'", "'order.made'"), solution];
    const runner = new CheckRunner(course, publishOrder, { keep: true });
    const before = new Set(processTree(process.pid).map((p) => p.pid));
    const failedOf = (result: CheckResult) => result.expectations.filter((e) => !e.passed).map((e) => e.name);
    const warm: CheckResult[] = [];
    try {
      for (const text of versions) {
        writeFileSync(path.join(dir, 'checkout.ts'), text);
        warm.push(await runner.run({ root: course, exercise: publishOrder, dir, onSetupProgress: () => {} }));
      }
    } finally {
      await runner.close();
    }
    // The first run had nothing started ahead; each re-check did.
    expect(warm.map((r) => r.timings.startedAhead ?? false)).toEqual([false, true, true]);
    expect(warm.map((r) => r.outcome)).toEqual(['passed', 'code', 'passed']);
    expect(failedOf(warm[1]!)).toEqual(['its CloudEvent type is order.created']);
    writeFileSync(path.join(dir, 'checkout.ts'), versions[1]!);
    const cold = await runCheck({ root: course, exercise: publishOrder, dir, onSetupProgress: () => {} });
    expect(failedOf(cold)).toEqual(failedOf(warm[1]!));
    // Closed: nothing it started runs, and nothing is left in the temp folder.
    expect(processTree(process.pid).filter((p) => !before.has(p.pid) && p.name !== 'esbuild')).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
