import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureCourse } from '../../test/helpers/fixture.js';
import { backup, backupFile, copyForCheck, ensureWorkDir, restoreStarter, restoreStarterFile, scratchRoot, starterFile } from './exercise-files.js';

describe('ensureWorkDir', () => {
  it('copies the starter the first time and never overwrites the learner’s work', () => {
    const { root, exercise } = fixtureCourse();
    const greet = exercise('greet');
    const first = ensureWorkDir(root, greet);
    expect(first).toEqual({ dir: path.join(root, 'work', '01-basics', 'greet'), created: true });
    expect(readdirSync(first.dir).sort()).toEqual(['README.md', 'greet.ts']);
    writeFileSync(path.join(first.dir, 'greet.ts'), 'mine');
    expect(ensureWorkDir(root, greet)).toEqual({ dir: first.dir, created: false });
    expect(readFileSync(path.join(first.dir, 'greet.ts'), 'utf8')).toBe('mine');
    expect(readdirSync(path.dirname(first.dir))).toEqual(['greet']);
  });
});

describe('copyForCheck', () => {
  it('copies the starter as is, inside the workbook', () => {
    const { root, exercise } = fixtureCourse();
    const greet = exercise('greet');
    const dir = copyForCheck(greet, 'starter', scratchRoot(root));
    expect(dir.startsWith(path.join(root, '.course', 'scratch') + path.sep)).toBe(true);
    expect(readFileSync(path.join(dir, 'greet.ts'), 'utf8')).toBe(readFileSync(path.join(greet.starterDir, 'greet.ts'), 'utf8'));
  });

  it('lays the solution’s files over the starter, keeping the starter’s other files', () => {
    const { root, exercise } = fixtureCourse();
    const greet = exercise('greet');
    const dir = copyForCheck(greet, 'solution', scratchRoot(root));
    expect(readFileSync(path.join(dir, 'greet.ts'), 'utf8')).toContain('Hello, ${name}!');
    expect(existsSync(path.join(dir, 'README.md'))).toBe(true);
    expect(copyForCheck(greet, 'solution', scratchRoot(root))).not.toBe(dir);
  });
});

describe('backup and restoreStarter', () => {
  it('keeps a copy of the learner’s files, then puts the starter back', () => {
    const { root, exercise } = fixtureCourse();
    const greet = exercise('greet');
    const { dir } = ensureWorkDir(root, greet);
    writeFileSync(path.join(dir, 'greet.ts'), 'my attempt');
    writeFileSync(path.join(dir, 'notes.txt'), 'my notes');
    const saved = backup(root, greet);
    expect(path.relative(root, saved)).toMatch(/^\.course[\\/]backups[\\/]greet-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect(readFileSync(path.join(saved, 'greet.ts'), 'utf8')).toBe('my attempt');
    expect(readFileSync(path.join(saved, 'notes.txt'), 'utf8')).toBe('my notes');
    restoreStarter(root, greet);
    expect(readFileSync(path.join(dir, 'greet.ts'), 'utf8')).toContain('TODO');
    expect(existsSync(path.join(dir, 'notes.txt'))).toBe(false);
  });
});

describe('one file: starterFile, backupFile and restoreStarterFile', () => {
  it('backs up only that file, restores only that file, and refuses paths outside the exercise', () => {
    const { root, exercise } = fixtureCourse();
    const greet = exercise('greet');
    const { dir } = ensureWorkDir(root, greet);
    writeFileSync(path.join(dir, 'greet.ts'), 'my attempt');
    writeFileSync(path.join(dir, 'README.md'), 'my notes');
    const saved = backupFile(root, greet, 'greet.ts')!;
    expect(path.relative(root, saved)).toMatch(/^\.course[\\/]backups[\\/]greet-[\dTZ-]+[\\/]greet\.ts$/);
    expect(readdirSync(path.dirname(saved))).toEqual(['greet.ts']);
    expect(readFileSync(saved, 'utf8')).toBe('my attempt');
    restoreStarterFile(root, greet, 'greet.ts');
    expect(readFileSync(path.join(dir, 'greet.ts'), 'utf8')).toContain('TODO');
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('my notes');
    expect(starterFile(greet, 'nope.ts')).toBeUndefined();
    expect(starterFile(greet, '../count/counter.ts')).toBeUndefined();
    expect(starterFile(greet, path.join(root, 'package.json'))).toBeUndefined();
    expect(backupFile(root, greet, 'missing.ts')).toBeUndefined();
  });
});
