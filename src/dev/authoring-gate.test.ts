import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fail, fakeRunCheck, pass } from '../../test/helpers/fake-check.js';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import { scratchRoot } from '../course/exercise-files.js';
import { gateExercise, staticProblems } from './authoring-gate.js';

const isSolution = (dir: string) => readFileSync(path.join(dir, 'greet.ts'), 'utf8').includes('${name}');

describe('gateExercise', () => {
  it('passes when the starter fails exactly starterFails and the solution passes, and cleans up', async () => {
    const { root, exercise } = fixtureCourse();
    const runCheck = fakeRunCheck((dir) =>
      isSolution(dir) ? [pass('exports greet'), pass('greets by name')] : [pass('exports greet'), fail('greets by name')],
    );
    const verdict = await gateExercise(root, exercise('greet'), runCheck, { variants: false });
    expect(verdict).toMatchObject({ ok: true, problems: [], environmentBroken: false });
    expect(runCheck.dirs).toHaveLength(2);
    for (const dir of runCheck.dirs) {
      expect(dir.startsWith(scratchRoot(root))).toBe(true);
      expect(existsSync(dir)).toBe(false);
    }
  });

  it('names every mismatch between the starter run and starterFails', async () => {
    const { root, exercise } = fixtureCourse();
    const runCheck = fakeRunCheck((dir) =>
      isSolution(dir) ? [pass('exports greet'), fail('greets by name')] : [fail('exports greet'), pass('greets by name')],
    );
    const { ok, problems } = await gateExercise(root, exercise('greet'), runCheck, { variants: false });
    expect(ok).toBe(false);
    expect(problems).toEqual([
      'the starter should fail "greets by name" (starterFails) but passed it',
      'the starter failed "exports greet", which is not in starterFails',
      'the solution failed "greets by name": greets by name failed',
    ]);
  });

  it('reports an environment failure or a timeout as a broken environment', async () => {
    const { root, exercise } = fixtureCourse();
    for (const kind of ['environment', 'timeout'] as const) {
      const verdict = await gateExercise(root, exercise('greet'), fakeRunCheck(() => [fail('greets by name', kind)]), { variants: false });
      expect(verdict.ok).toBe(false);
      expect(verdict.environmentBroken).toBe(true);
      expect(verdict.problems[0]).toMatch(/^broken environment/);
    }
  });
});

describe('staticProblems', () => {
  it('requires a TODO marker in every file the learner edits', () => {
    const { exercise } = fixtureCourse();
    const greet = exercise('greet');
    expect(staticProblems(greet)).toEqual([]);
    writeFileSync(path.join(greet.starterDir, 'greet.ts'), 'export const greet = () => "";\n');
    expect(staticProblems(greet)).toEqual(["the starter's greet.ts has no TODO marker showing the learner where to work"]);
  });

  it('rejects a blank hint', () => {
    const { exercise } = fixtureCourse();
    const greet = { ...exercise('greet'), hints: ['fine', '  '] };
    expect(staticProblems(greet)).toEqual(['hints[1] is empty']);
  });
});

describe('gateExercise with mutants and alternatives', () => {
  const mutated = (dir: string) => readFileSync(path.join(dir, 'greet.ts'), 'utf8').includes('Hello, !');

  it('runs every variant: an alternative must pass, a mutant must fail what it names', async () => {
    const { root, exercise } = fixtureCourse();
    const runCheck = fakeRunCheck((dir) =>
      isSolution(dir) || !mutated(dir) && readFileSync(path.join(dir, 'greet.ts'), 'utf8').includes('+ name')
        ? [pass('exports greet'), pass('greets by name')]
        : [pass('exports greet'), fail('greets by name')],
    );
    const verdict = await gateExercise(root, exercise('greet'), runCheck);
    expect(verdict.problems).toEqual([]);
    expect(verdict.subjects.map((s) => [s.label, s.ok])).toEqual([
      ['starter', true],
      ['solution', true],
      ['alternative concatenation', true],
      ['mutant no-name', true],
    ]);
  });

  it('without mutants (the container runtimes in npm test), runs the alternatives only', async () => {
    const { root, exercise } = fixtureCourse();
    const runCheck = fakeRunCheck((dir) => (mutated(dir) ? [pass('exports greet'), fail('greets by name')] : [pass('exports greet'), pass('greets by name')]));
    const verdict = await gateExercise(root, exercise('greet'), runCheck, { mutants: false });
    expect(verdict.subjects.map((s) => s.label)).toEqual(['starter', 'solution', 'alternative concatenation']);
  });

  it('reports a mutant that survives, or that fails something else than what must catch it', async () => {
    const { root, exercise } = fixtureCourse();
    const survives = fakeRunCheck((dir) => (isSolution(dir) || mutated(dir) || dir.includes('+') ? [pass('exports greet'), pass('greets by name')] : [pass('exports greet'), fail('greets by name')]));
    const all = await gateExercise(root, exercise('greet'), survives, { only: 'no-name' });
    expect(all.problems).toEqual(['mutant no-name passed every expectation, so no check catches this mistake: greets without the name']);
    const wrongOne = fakeRunCheck((dir) => (mutated(dir) ? [fail('exports greet'), pass('greets by name')] : [pass('exports greet'), pass('greets by name')]));
    const { problems } = await gateExercise(root, exercise('greet'), wrongOne, { only: 'no-name' });
    expect(problems).toEqual(['mutant no-name should fail "greets by name" (Caught by) but passed it; it failed: "exports greet"']);
  });

  it('reports a verdict that changes between repeated runs as flaky', async () => {
    const { root, exercise } = fixtureCourse();
    let run = 0;
    const flaky = fakeRunCheck(() => (++run % 2 === 0 ? [pass('exports greet'), pass('greets by name')] : [pass('exports greet'), fail('greets by name')]));
    const verdict = await gateExercise(root, exercise('greet'), flaky, { only: 'no-name', repeat: 2 });
    expect(verdict.subjects).toEqual([expect.objectContaining({ label: 'mutant no-name', flaky: true, runs: 2, ok: false })]);
    expect(verdict.problems[0]).toMatch(/^flaky: the mutant no-name's verdict changed between runs \(run 1: code: greets by name \| run 2: passed\)/);
  });
});

describe('repeated runs', () => {
  it('keeps a mutant caught in every run as caught, noting what else failed around it', async () => {
    const { root, exercise } = fixtureCourse();
    let run = 0;
    const loaded = fakeRunCheck(() => (++run % 2 === 0 ? [fail('exports greet'), fail('greets by name')] : [pass('exports greet'), fail('greets by name')]));
    const verdict = await gateExercise(root, exercise('greet'), loaded, { only: 'no-name', repeat: 2 });
    expect(verdict.problems).toEqual([]);
    expect(verdict.subjects[0]).toMatchObject({ ok: true, flaky: false, varied: ['code: greets by name', 'code: exports greet; greets by name'] });
  });
});
