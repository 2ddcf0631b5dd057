import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import { scratchDir } from '../../test/helpers/temp.js';
import { applyVariant, loadVariants, parseVariant, VariantError } from './variants.js';

const patch = (header: string, body = '--- a/greet.ts\n+++ b/greet.ts\n@@ -1 +1 @@\n-a\n+b\n') => `${header}\n\n${body}`;

describe('variants', () => {
  it('reads the mutants and alternatives of an exercise with their headers', () => {
    const { root, exercise } = fixtureCourse();
    const [mutant] = loadVariants(root, exercise('greet'), 'mutant');
    expect(mutant).toMatchObject({ name: 'no-name', about: 'greets without the name', caughtBy: ['greets by name'] });
    const [alternative] = loadVariants(root, exercise('greet'), 'alternative');
    expect(alternative).toMatchObject({ name: 'concatenation', caughtBy: [] });
    expect(loadVariants(root, exercise('count'), 'mutant')).toEqual([]);
  });

  it('applies a diff to a folder and says when it no longer applies', () => {
    const dir = scratchDir('variant-test');
    writeFileSync(path.join(dir, 'greet.ts'), 'a\n');
    applyVariant(parseVariant('x.patch', patch('Mistake: m\nCaught by: e'), 'mutant', 'greet'), dir);
    expect(readFileSync(path.join(dir, 'greet.ts'), 'utf8')).toBe('b\n');
    expect(() => applyVariant(parseVariant('x.patch', patch('Mistake: m\nCaught by: e'), 'mutant', 'greet'), dir)).toThrow(/no longer applies/);
  });

  it('refuses a mutant without its mistake or the expectation that catches it', () => {
    expect(() => parseVariant('x.patch', patch('Caught by: e'), 'mutant', 'greet')).toThrow(VariantError);
    expect(() => parseVariant('x.patch', patch('Mistake: m'), 'mutant', 'greet')).toThrow(/Caught by/);
    expect(() => parseVariant('x.patch', 'Mistake: m\nCaught by: e\n', 'mutant', 'greet')).toThrow(/no diff/);
    expect(() => parseVariant('x.patch', patch('Mistake: m'), 'alternative', 'greet')).toThrow(/Why/);
  });

  it('refuses a diff that reaches outside the exercise folder', () => {
    const dir = scratchDir('variant-test');
    const escape = parseVariant('x.patch', patch('Why: w', '--- a/../x.ts\n+++ b/../x.ts\n@@ -1 +1 @@\n-a\n+b\n'), 'alternative', 'greet');
    expect(() => applyVariant(escape, dir)).toThrow(/not a file inside/);
  });
});
