// The resolved course, cached so everyday commands (`list`, `next`) skip parsing YAML and
// validating with zod (~150 ms of a ~250 ms start). Two places: the workbook's
// `.course/course.json`, and the package's `dist/course-cache.json`, written after each build
// (`course __prerender --all`), so that even the first command in a fresh workbook starts fast.
// An entry is used only while the manifest loader and the text of every module.yaml are the same
// (the key is a hash of them, not of where the workbook is) and every file the course names is
// still there; otherwise the manifest is loaded (and validated, with its errors) again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Course } from './manifest.js';
import { PACKAGE_ROOT, stateDir } from './workbook.js';

const CACHE_VERSION = 2;
/** The compiled manifest loader: a new runner may resolve the same YAML differently. */
const LOADER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'manifest.js');
/** Where the workbook's root stands in a stored entry, so that one entry serves any copy. */
const ROOT = '<workbook>';

export const BUILT_COURSE_CACHE = path.join(PACKAGE_ROOT, 'dist', 'course-cache.json');

interface CacheFile {
  version: number;
  key: string;
  /** Every file and folder the course refers to; one gone means the manifest must be re-checked. */
  paths: string[];
  course: Course;
}

export function courseCacheFile(root: string): string {
  return path.join(stateDir(root), 'course.json');
}

export async function loadCourseCached(root: string): Promise<Course> {
  const key = manifestKey(root);
  const cached = readCache(courseCacheFile(root), root, key) ?? readCache(BUILT_COURSE_CACHE, root, key);
  if (cached) return cached;
  const { loadCourse } = await loader();
  const course = loadCourse(root);
  writeCache(courseCacheFile(root), root, key, course);
  return course;
}

/** The loader bundled at build time (src/cold-bundles.ts), or its modules where there is no bundle (tests run src/). */
async function loader(): Promise<typeof import('./manifest.js')> {
  const { loadColdBundle } = await import('../cold-load.js');
  return loadColdBundle<typeof import('./manifest.js')>('loader') ?? import('./manifest.js');
}

/** Loads the course at `root` and stores it with the package (after a build). */
export async function buildCourseCache(root: string): Promise<void> {
  const { loadCourse } = await loader();
  writeCache(BUILT_COURSE_CACHE, root, manifestKey(root), loadCourse(root));
}

/** Changes when a module.yaml is added, removed or edited, or the loader is rebuilt. */
function manifestKey(root: string): string {
  const hash = createHash('sha256').update(contents(LOADER));
  const modulesDir = path.join(root, 'modules');
  const dirs = existsSync(modulesDir) ? readdirSync(modulesDir).sort() : [];
  for (const dir of dirs) {
    hash.update(`\0${dir}\0`);
    try {
      hash.update(readFileSync(path.join(modulesDir, dir, 'module.yaml')));
    } catch {
      hash.update('-');
    }
  }
  return hash.digest('hex');
}

/** A file's contents, not its time: a rebuild that changes nothing keeps the cache. */
function contents(file: string): Buffer | string {
  try {
    return readFileSync(file);
  } catch {
    return '-';
  }
}

function readCache(file: string, root: string, key: string): Course | undefined {
  try {
    const stored = readFileSync(file, 'utf8');
    const cache = JSON.parse(stored.split(ROOT).join(JSON.stringify(root).slice(1, -1))) as CacheFile;
    if (cache.version !== CACHE_VERSION || cache.key !== key || !cache.paths.every((p) => existsSync(p))) return undefined;
    // One object per item, as loadCourse returns it: the list is the modules' items in order.
    cache.course.items = cache.course.modules.flatMap((m) => m.items);
    return cache.course;
  } catch {
    return undefined;
  }
}

/** Best effort: a workbook that cannot be written to still works, only slower. */
function writeCache(file: string, root: string, key: string, course: Course): void {
  try {
    const cache: CacheFile = { version: CACHE_VERSION, key, paths: referencedPaths(course), course: { ...course, items: [] } };
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(cache).split(JSON.stringify(root).slice(1, -1)).join(ROOT));
    renameSync(temporary, file);
  } catch {
    // ignore
  }
}

function referencedPaths(course: Course): string[] {
  return course.items.flatMap((item) =>
    item.kind === 'lesson'
      ? [item.file, ...(item.exampleDir ? [item.exampleDir] : [])]
      : [
          item.checkFile,
          ...item.files.map((f) => path.join(item.starterDir, f)),
          ...item.files.map((f) => path.join(item.solutionDir, f)),
        ],
  );
}
