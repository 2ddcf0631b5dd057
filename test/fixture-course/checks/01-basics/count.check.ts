// A learner's count() that never resolves makes this check hang: with timeoutSeconds 3 in the
// manifest, that is how the runner's tests produce a timed-out check.
import { expect, test } from 'vitest';
import { importExercise, startEnvironment } from '../lib/fixture.js';

type Counter = { count: (events: string[]) => Promise<number> };

test('resolves to a number', async () => {
  startEnvironment();
  const { count } = await importExercise<Counter>('counter.ts');
  expect(typeof (await count([]))).toBe('number');
});

test('counts every event', async () => {
  startEnvironment();
  const { count } = await importExercise<Counter>('counter.ts');
  expect(await count(['a', 'b', 'c'])).toBe(3);
});
