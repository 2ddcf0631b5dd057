// The CLI tests spawn the built runner: build it first, so they never test a stale dist/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function buildRunner(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  const build = spawnSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  // Type errors are the typecheck step's to report; tsc still emits. A missing dist is fatal.
  if (!existsSync(path.join(root, 'dist', 'cli.js'))) {
    throw new Error(`Building the runner failed:\n${build.stdout}${build.stderr}`);
  }
}
