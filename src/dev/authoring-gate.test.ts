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
    const verdict = await gateExercise(root, exercise('greet'), runCheck);
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
    const { ok, problems } = await gateExercise(root, exercise('greet'), runCheck);
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
      const verdict = await gateExercise(root, exercise('greet'), fakeRunCheck(() => [fail('greets by name', kind)]));
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
