// runCheck before any check code runs: when no daprd can be had, the learner is told it is the
// environment, and nothing is left on disk.
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCourse, type Exercise } from '../course/manifest.js';
import { runCheck } from './run-check.js';

const fixture = path.resolve(import.meta.dirname, '..', '..', 'test', 'fixture-course');
const saved = process.env.DAPRD_PATH;
afterEach(() => {
  if (saved === undefined) delete process.env.DAPRD_PATH;
  else process.env.DAPRD_PATH = saved;
});

const reportDirs = () => readdirSync(os.tmpdir()).filter((name) => name.startsWith('course-check-'));

describe('runCheck without a usable daprd', () => {
  it('fails as the environment, names the cause, and leaves no scratch folder', async () => {
    const exercise = loadCourse(fixture).items.find((i): i is Exercise => i.kind === 'exercise')!;
    process.env.DAPRD_PATH = path.join(os.tmpdir(), 'no-such-daprd');
    const before = reportDirs();
    const result = await runCheck({ root: fixture, exercise, dir: exercise.starterDir, onSetupProgress: () => {} });
    expect(result.outcome).toBe('environment');
    expect(result.expectations).toHaveLength(1);
    expect(result.expectations[0]!.message).toContain('DAPRD_PATH is set to');
    expect(reportDirs()).toEqual(before);
  });
});
