// Mutants and alternatives: variants of an exercise's solution that keep its checks honest.
//
//   mutants/<module>/<exercise>/<name>.patch       the solution with one realistic mistake; the
//                                                  check must fail, and fail the expectations the
//                                                  patch names under `Caught by:`
//   alternatives/<module>/<exercise>/<name>.patch  a correct solution written differently; the
//                                                  check must pass it
//
// A variant is a unified diff against the solution laid over the starter (paths relative to the
// exercise folder, with or without git's a/ b/ prefixes), preceded by a header of `Key: value`
// lines that `git apply` and `patch` ignore:
//
//   Mistake: publishes the order as a string (JSON.stringify) instead of an object
//   Caught by: the order arrives as a JSON object, not a string
//
//   --- a/checkout.ts
//   +++ b/checkout.ts
//   @@ ...
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyPatch, parsePatch, type StructuredPatch } from 'diff';
import type { Exercise } from '../course/manifest.js';

export type VariantKind = 'mutant' | 'alternative';

export interface Variant {
  kind: VariantKind;
  exercise: string;
  /** The file name without `.patch`. */
  name: string;
  file: string;
  /** Mutants: the mistake, in words. Alternatives: how it differs. */
  about: string;
  /** Mutants only: expectations (test names) that must fail. */
  caughtBy: string[];
  patches: StructuredPatch[];
}

export class VariantError extends Error {
  override name = 'VariantError';
}

export function variantsDir(root: string, exercise: Exercise, kind: VariantKind): string {
  return path.join(root, kind === 'mutant' ? 'mutants' : 'alternatives', exercise.moduleId, exercise.id);
}

/** Every mutant or alternative of an exercise, by name; none when its folder does not exist. */
export function loadVariants(root: string, exercise: Exercise, kind: VariantKind): Variant[] {
  const dir = variantsDir(root, exercise, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((f) => parseVariant(path.join(dir, f), readFileSync(path.join(dir, f), 'utf8'), kind, exercise.id));
}

export function parseVariant(file: string, text: string, kind: VariantKind, exercise: string): Variant {
  const name = path.basename(file, '.patch');
  const where = path.relative(process.cwd(), file) || file;
  const bodyAt = text.search(/^(diff |--- )/m);
  if (bodyAt < 0) throw new VariantError(`${where}: no diff in the file (it needs \`--- a/<file>\` / \`+++ b/<file>\` lines).`);
  const header = text.slice(0, bodyAt);
  const fields = new Map<string, string[]>();
  for (const line of header.split('\n')) {
    const m = /^([A-Za-z][A-Za-z ]*):\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    fields.set(key, [...(fields.get(key) ?? []), m[2]!.trim()]);
  }
  const about = (kind === 'mutant' ? fields.get('mistake') : (fields.get('why') ?? fields.get('about')))?.join(' ') ?? '';
  if (!about) throw new VariantError(`${where}: the header needs a \`${kind === 'mutant' ? 'Mistake' : 'Why'}:\` line saying what it is.`);
  const caughtBy = fields.get('caught by') ?? [];
  if (kind === 'mutant' && caughtBy.length === 0) {
    throw new VariantError(`${where}: the header needs a \`Caught by:\` line naming the expectation that must fail.`);
  }
  let patches: StructuredPatch[];
  try {
    patches = parsePatch(text.slice(bodyAt));
  } catch (error) {
    throw new VariantError(`${where}: the diff cannot be read (${(error as Error).message}).`);
  }
  patches = patches.filter((p) => p.hunks.length > 0);
  if (patches.length === 0) throw new VariantError(`${where}: the diff changes nothing.`);
  return { kind, exercise, name, file, about, caughtBy, patches };
}

/** `a/checkout.ts` → `checkout.ts`; `/dev/null` → undefined. */
function relativePath(name: string | undefined): string | undefined {
  if (!name || name === '/dev/null') return undefined;
  return name.replace(/^[ab]\//, '').split('\t')[0];
}

/**
 * Applies a variant to a folder holding the solution laid over the starter. Throws a VariantError
 * naming the file when a hunk no longer applies (the solution changed under it).
 */
export function applyVariant(variant: Variant, dir: string): void {
  const where = path.relative(process.cwd(), variant.file) || variant.file;
  for (const patch of variant.patches) {
    const target = relativePath(patch.newFileName) ?? relativePath(patch.oldFileName);
    if (!target || path.isAbsolute(target) || target.split('/').includes('..')) {
      throw new VariantError(`${where}: a diff names \`${patch.newFileName}\`, not a file inside the exercise.`);
    }
    const full = path.join(dir, target);
    if (relativePath(patch.newFileName) === undefined) {
      rmSync(full, { force: true });
      continue;
    }
    const source = relativePath(patch.oldFileName) === undefined ? '' : readFileSync(full, 'utf8');
    const result = applyPatch(source, patch);
    if (result === false) {
      throw new VariantError(`${where}: its diff of ${target} no longer applies to the solution; make it again from the current solution.`);
    }
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, result);
  }
}
