// The course manifest: one `module.yaml` per folder under modules/, parsed and validated here and
// nowhere else. Everything else in the runner works on the resolved `Course` this returns.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes');

const lessonEntry = z
  .object({
    lesson: id,
    title: z.string().min(1),
    file: z.string().min(1),
    /** A folder with a dapr.yaml that `course run <lesson>` starts (runnable example code). */
    example: z.string().optional(),
  })
  .strict();

const exerciseEntry = z
  .object({
    exercise: id,
    title: z.string().min(1),
    /** What to build, in markdown. */
    task: z.string().min(1),
    /** The files the learner edits, relative to the exercise folder. */
    files: z.array(z.string().min(1)).min(1),
    /** Folder of the starter; default exercises/<module>/<exercise>. */
    starter: z.string().optional(),
    /** Folder holding the solution's versions of `files`; default solutions/<module>/<exercise>. */
    solution: z.string().optional(),
    /** The graded check; default checks/<module>/<exercise>.check.ts. */
    check: z.string().optional(),
    /** Hints, gentlest first. */
    hints: z.array(z.string().trim().min(1, 'a hint must not be empty')).min(1),
    /**
     * Keyed by expectation (test) name: where to look when that expectation fails, shown under it
     * as "Where to look: …". A pointer (a file, a function, a setting to compare with the task),
     * never the fix: the fix belongs in `hints`, the ladder `course hint` climbs one rung at a time.
     */
    expectationHints: z.record(z.string(), z.string().min(1)).optional(),
    /** Expectations (test names) the untouched starter must fail; every other one must pass. */
    starterFails: z.array(z.string().min(1)).min(1),
    /** How long the whole check may take before it is reported as timed out. */
    timeoutSeconds: z.number().positive().max(600).optional(),
  })
  .strict();

const moduleFile = z
  .object({
    id,
    title: z.string().min(1),
    items: z.array(z.union([lessonEntry, exerciseEntry])).min(1),
  })
  .strict();

export interface Lesson {
  kind: 'lesson';
  id: string;
  moduleId: string;
  title: string;
  /** Absolute path of the markdown file. */
  file: string;
  /** Absolute path of a runnable example folder (with dapr.yaml), if the lesson has one. */
  exampleDir?: string;
}

export interface Exercise {
  kind: 'exercise';
  id: string;
  moduleId: string;
  title: string;
  task: string;
  files: string[];
  /** Absolute paths. */
  starterDir: string;
  solutionDir: string;
  checkFile: string;
  hints: string[];
  expectationHints: Record<string, string>;
  starterFails: string[];
  timeoutSeconds: number;
}

export type Item = Lesson | Exercise;

export interface CourseModule {
  id: string;
  title: string;
  file: string;
  items: Item[];
}

export interface Course {
  root: string;
  modules: CourseModule[];
  items: Item[];
}

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${field}: ${problem}`);
    this.name = 'ManifestError';
  }
}

const DEFAULT_TIMEOUT_SECONDS = 120;

/** Loads every modules/<dir>/module.yaml below `root`, in folder-name order. */
export function loadCourse(root: string): Course {
  const modulesDir = path.join(root, 'modules');
  if (!existsSync(modulesDir)) {
    throw new ManifestError(path.relative(process.cwd(), modulesDir) || modulesDir, 'modules', 'folder not found');
  }
  const dirs = readdirSync(modulesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(modulesDir, d.name, 'module.yaml')))
    .map((d) => d.name)
    .sort();
  const modules = dirs.map((dir) => loadModule(root, path.join(modulesDir, dir, 'module.yaml')));
  const items = modules.flatMap((m) => m.items);
  const seen = new Map<string, string>();
  for (const item of items) {
    const other = seen.get(item.id);
    if (other) {
      throw new ManifestError(rel(root, modules.find((m) => m.id === item.moduleId)!.file), item.id, `id already used in module ${other}`);
    }
    seen.set(item.id, item.moduleId);
  }
  return { root, modules, items };
}

export function loadModule(root: string, file: string): CourseModule {
  const shown = rel(root, file);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ManifestError(shown, '(file)', `not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = moduleFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ManifestError(shown, describePath(raw, issue.path), issue.message);
  }
  const data = parsed.data;
  const moduleDir = path.dirname(file);
  const items: Item[] = data.items.map((entry, index) => {
    const where = (field: string) => `items[${index}] (${'lesson' in entry ? entry.lesson : entry.exercise}).${field}`;
    const mustExist = (absolute: string, field: string) => {
      if (!existsSync(absolute)) throw new ManifestError(shown, where(field), `${rel(root, absolute)} does not exist`);
      return absolute;
    };
    if ('lesson' in entry) {
      return {
        kind: 'lesson',
        id: entry.lesson,
        moduleId: data.id,
        title: entry.title,
        file: mustExist(path.resolve(moduleDir, entry.file), 'file'),
        exampleDir: entry.example ? mustExist(path.resolve(moduleDir, entry.example), 'example') : undefined,
      } satisfies Lesson;
    }
    const starterDir = mustExist(
      path.resolve(root, entry.starter ?? path.join('exercises', data.id, entry.exercise)),
      'starter',
    );
    const solutionDir = mustExist(
      path.resolve(root, entry.solution ?? path.join('solutions', data.id, entry.exercise)),
      'solution',
    );
    const checkFile = mustExist(
      path.resolve(root, entry.check ?? path.join('checks', data.id, `${entry.exercise}.check.ts`)),
      'check',
    );
    entry.files.forEach((f, i) => {
      if (path.isAbsolute(f) || f.split(/[\\/]/).includes('..')) {
        throw new ManifestError(shown, where(`files[${i}]`), 'must be a path inside the exercise folder');
      }
      mustExist(path.join(starterDir, f), `files[${i}]`);
      mustExist(path.join(solutionDir, f), `files[${i}] (solution)`);
    });
    return {
      kind: 'exercise',
      id: entry.exercise,
      moduleId: data.id,
      title: entry.title,
      task: entry.task,
      files: entry.files,
      starterDir,
      solutionDir,
      checkFile,
      hints: entry.hints,
      expectationHints: entry.expectationHints ?? {},
      starterFails: entry.starterFails,
      timeoutSeconds: entry.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    } satisfies Exercise;
  });
  return { id: data.id, title: data.title, file, items };
}

/** Turns a zod issue path into what an author sees: `items[3] (publish-order).hints[0]`. */
function describePath(raw: unknown, issuePath: PropertyKey[]): string {
  if (issuePath.length === 0) return '(top level)';
  let out = '';
  let node: unknown = raw;
  for (const key of issuePath) {
    if (typeof key === 'number') {
      out += `[${key}]`;
      const child = Array.isArray(node) ? node[key] : undefined;
      const name =
        child && typeof child === 'object'
          ? ((child as Record<string, unknown>).lesson ?? (child as Record<string, unknown>).exercise)
          : undefined;
      if (typeof name === 'string') out += ` (${name})`;
      node = child;
    } else {
      out += out ? `.${String(key)}` : String(key);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key as string] : undefined;
    }
  }
  return out;
}

function rel(root: string, file: string): string {
  return path.relative(root, file) || file;
}
