import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { exerciseFile, importExercise, startEnvironment } from '../lib/fixture.js';

test('exports greet', async () => {
  startEnvironment();
  expect(readFileSync(exerciseFile('greet.ts'), 'utf8')).toContain('export function greet');
});

test('greets by name', async () => {
  startEnvironment();
  const { greet } = await importExercise<{ greet: (name: string) => string }>('greet.ts');
  expect(greet('Ada'), 'greet("Ada") should return "Hello, Ada!"').toBe('Hello, Ada!');
});
