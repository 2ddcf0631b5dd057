// A work file the learner deleted or renamed, found before anything starts and said in plain words
// with the command that restores it, instead of a compiler's or daprd's complaint about it later.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Exercise } from '../course/manifest.js';

/** The starter's files (notes in Markdown aside) that the folder no longer has, relative to it. */
export function missingFiles(exercise: Exercise, dir: string): string[] {
  return filesUnder(exercise.starterDir).filter((file) => !existsSync(path.join(dir, file)));
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.md'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

export function missingFilesMessage(exercise: Exercise, dir: string, missing: string[]): string {
  const shown = path.relative(process.cwd(), dir) || '.';
  const list = missing.map((file) => `\`${file}\``).join(', ');
  const restore = missing.map((file) => `npx course reset ${exercise.id} ${file}`).join('\n');
  return `${missing.length === 1 ? `${list} is` : `${list} are`} missing from ${shown} (deleted or renamed?). ` +
    `The check needs ${missing.length === 1 ? 'it' : 'them'}. Restore the starter's copy with:\n${restore}`;
}
