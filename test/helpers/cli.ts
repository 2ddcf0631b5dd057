// Runs the built CLI (`node bin/course.js`) against a fixture copy, as a learner would.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { copyFixture, REPO_ROOT } from './fixture.js';

export const BIN = path.join(REPO_ROOT, 'bin', 'course.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a learner's plain shell: no colour forced either way unless a test says so. */
function cliEnv(root: string, env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, COURSE_ROOT: root };
  // CI is CI's, not a learner's: with it set, chalk turns colour off even in a terminal.
  for (const name of ['CI', 'FORCE_COLOR', 'NO_COLOR', 'COURSE_EXERCISE_DIR', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'TEST', 'NODE_ENV']) {
    delete base[name];
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  return base;
}

/** Runs the CLI to its end; `cwd` is where the learner's shell is (default: the workbook root). */
export function course(root: string, args: string[], env: Record<string, string | undefined> = {}, cwd = root): CliResult {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run npm run build');
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, env: cliEnv(root, env), encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the CLI without waiting; for tests that interrupt it. */
export function startCourse(root: string, args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env: cliEnv(root, env) });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout };
}

/** Runs the CLI inside a pseudo-terminal (util-linux `script`), so it sees a TTY on stdout. */
export function courseInTerminal(root: string, args: string[], env: Record<string, string | undefined> = {}): CliResult {
  const command = [process.execPath, BIN, ...args].map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: root,
    env: cliEnv(root, { TERM: 'xterm-256color', COLUMNS: '100', ...env }),
    encoding: 'utf8',
    input: '',
  });
  return { code: result.status, stdout: result.stdout.replace(/\r\n/g, '\n'), stderr: result.stderr };
}

export const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

export function progressOf(root: string) {
  return JSON.parse(readFileSync(path.join(root, '.course', 'progress.json'), 'utf8'));
}

export function workFile(root: string, exercise: string, file: string): string {
  return path.join(root, 'work', '01-basics', exercise, file);
}

/** A fixture copy where the learner has read the first lesson and opened the greet exercise. */
export function atGreet(): string {
  const root = copyFixture();
  course(root, ['next']);
  course(root, ['next']);
  return root;
}

/** A fixture copy whose count exercise holds learner code that never resolves (the check hangs). */
export function withHangingCount(): string {
  const root = copyFixture();
  course(root, ['show', 'count']);
  writeFileSync(
    workFile(root, 'count', 'counter.ts'),
    'export function count(events: string[]): Promise<number> {\n  return new Promise(() => {});\n}\n',
  );
  return root;
}
