// Type-checking the learner's files against the SDK's types, beside the check: vitest runs the
// code but never reports a type error, and a wrong shape the compiler sees at once (publish
// metadata at the wrong nesting, TS2353) otherwise shows up only as "no event arrived". The
// project's TypeScript 7 has no JavaScript compiler API, so `tsc` runs as a process (its native
// binary, without the node wrapper, at low priority) on a small tsconfig written for the exercise.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Exercise } from '../course/manifest.js';
import { stateDir } from '../course/workbook.js';
import { findOnPath } from '../harness/which.js';

export interface TypeProblem {
  /** Relative to the exercise folder, as the learner names it. */
  file: string;
  line: number;
  column: number;
  /** `TS2353`. */
  code: string;
  /** The compiler's words. */
  message: string;
}

/**
 * Options that report what may break the code at run time (wrong shapes, unknown names, bad
 * calls, syntax) and leave out what only strictness asks for (implicit any, possible undefined).
 */
const COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: false,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
};

/**
 * The type problems in the learner's TypeScript files of `dir`, or undefined when no compiler is
 * installed, it took longer than `timeoutMs`, or `signal` aborted it. Never throws.
 */
export async function typeCheck(
  root: string,
  exercise: Exercise,
  dir: string,
  { signal, timeoutMs = 20_000, priority = 'low' }: { signal?: AbortSignal; timeoutMs?: number; priority?: 'low' | 'normal' } = {},
): Promise<TypeProblem[] | undefined> {
  const files = exercise.files.filter((file) => /\.(ts|mts|cts)$/.test(file));
  const tsc = compilerPath();
  if (files.length === 0 || !tsc) return files.length === 0 ? [] : undefined;
  // In the workbook, so that `types: ["node"]` and the SDK resolve from its node_modules.
  const configDir = path.join(stateDir(root), 'typecheck');
  const config = path.join(configDir, `${exercise.id}-${priority}-${process.pid}-${Date.now()}.json`);
  try {
    mkdirSync(configDir, { recursive: true });
    writeFileSync(config, JSON.stringify({ compilerOptions: COMPILER_OPTIONS, files: files.map((f) => path.join(dir, f)) }));
    const output = await run(tsc, ['-p', config, '--pretty', 'false'], { signal, timeoutMs, priority });
    return output === undefined ? undefined : parseProblems(output, dir, files);
  } catch {
    return undefined;
  } finally {
    rmSync(config, { force: true });
  }
}

/** `file(line,col): error TS1234: message` lines about the learner's own files. */
export function parseProblems(output: string, dir: string, files: string[]): TypeProblem[] {
  const problems: TypeProblem[] = [];
  const own = new Set(files.map((f) => path.normalize(f)));
  for (const match of output.matchAll(/^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*(?:\n {2,}.*)*)/gm)) {
    const file = path.normalize(path.relative(dir, path.resolve(match[1]!)));
    if (!own.has(file)) continue;
    problems.push({ file, line: Number(match[2]), column: Number(match[3]), code: match[4]!, message: match[5]!.replace(/\s*\n\s*/g, ' ') });
  }
  return problems;
}

/** The native tsc of the installed `typescript` 7 package (what its bin/tsc would start). */
function compilerPath(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const fromTypescript = createRequire(require.resolve('typescript/package.json'));
    const platformPackage = fromTypescript.resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`);
    return path.join(path.dirname(platformPackage), 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc');
  } catch {
    return undefined;
  }
}

/**
 * The compiler's output (it exits 1 when it finds problems, 2 for a bad config); undefined on
 * failure. At low priority (beside a running check) it runs at the lowest CPU priority: the check's
 * sidecars and services come first, the compiler takes what they leave.
 */
function run(
  file: string,
  args: string[],
  { signal, timeoutMs, priority }: { signal?: AbortSignal; timeoutMs: number; priority: 'low' | 'normal' },
): Promise<string | undefined> {
  // `nice` starts it niced with all of its threads (setpriority on a pid reaches one thread only).
  const nice = priority === 'low' ? findOnPath('nice') : undefined;
  let [command, argv] = nice ? [nice, ['-n', '19', file, ...args]] : [file, args];
  // A CLI killed by SIGKILL cannot stop its compiler, which would run on to its end: on Linux,
  // util-linux's setpriv has the kernel kill it with its parent (PR_SET_PDEATHSIG, kept across exec).
  const setpriv = process.platform === 'linux' ? findOnPath('setpriv') : undefined;
  if (setpriv) [command, argv] = [setpriv, ['--pdeathsig', 'KILL', '--', command, ...argv]];
  return new Promise((resolve) => {
    execFile(command, argv, { signal, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve(!error || code === 1 || code === 2 ? stdout : undefined);
    });
  });
}
