// The resolved course, cached in `.course/course.json` so everyday commands (`list`, `next`) skip
// parsing YAML and validating with zod (~150 ms of a ~250 ms start). The cache is used only while
// every module.yaml, the manifest loader itself and every file the course names are unchanged
// and still there; otherwise the manifest is loaded (and validated, with its errors) again.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Course } from './manifest.js';
import { stateDir } from './workbook.js';

const CACHE_VERSION = 1;
/** The compiled manifest loader: a new runner may resolve the same YAML differently. */
const LOADER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'manifest.js');

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
  const cached = readCache(root, key);
  if (cached) return cached;
  const { loadCourse } = await import('./manifest.js');
  const course = loadCourse(root);
  writeCache(root, { version: CACHE_VERSION, key, paths: referencedPaths(course), course });
  return course;
}

/** Changes when a module.yaml is added, removed or edited, or the loader is rebuilt. */
function manifestKey(root: string): string {
  const parts = [root, stamp(LOADER)];
  const modulesDir = path.join(root, 'modules');
  const dirs = existsSync(modulesDir) ? readdirSync(modulesDir).sort() : [];
  for (const dir of dirs) parts.push(`${dir}:${stamp(path.join(modulesDir, dir, 'module.yaml'))}`);
  return parts.join('|');
}

function stamp(file: string): string {
  try {
    const stats = statSync(file);
    return `${stats.mtimeMs}:${stats.size}`;
  } catch {
    return '-';
  }
}

function readCache(root: string, key: string): Course | undefined {
  try {
    const cache = JSON.parse(readFileSync(courseCacheFile(root), 'utf8')) as CacheFile;
    if (cache.version !== CACHE_VERSION || cache.key !== key || !cache.paths.every((p) => existsSync(p))) return undefined;
    // One object per item, as loadCourse returns it: the list is the modules' items in order.
    cache.course.items = cache.course.modules.flatMap((m) => m.items);
    return cache.course;
  } catch {
    return undefined;
  }
}

/** Best effort: a workbook that cannot be written to still works, only slower. */
function writeCache(root: string, cache: CacheFile): void {
  try {
    const file = courseCacheFile(root);
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(cache));
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
