// `course __prerender <id>|--all` (hidden): renders markdown into the render cache and prints
// nothing. `<id>`: one item, into the workbook's cache, started in the background by
// src/ui/prerender.ts. `--all`: every lesson, task and hint, with and without colour, into the
// package's dist/render-cache; run after each build (npm's postbuild), so that no lesson waits
// for the renderer when it is first shown. It also stores the resolved course with the package
// (src/course/course-cache.ts), so that the first command in a fresh workbook skips the YAML.
import { readFileSync, rmSync } from 'node:fs';
import type { Item } from '../course/manifest.js';

export async function run(args: string[]): Promise<number> {
  const [id] = args;
  const { openWorkbook } = await import('./workbook-context.js');
  const { prerenderCached, BUILT_RENDERS } = await import('../ui/render-cache.js');
  const { escapesAllowed } = await import('../ui/color.js');
  try {
    const workbook = await openWorkbook();
    if (id === '--all') {
      // Renders of an earlier build can never match again (the key holds the renderer's files).
      rmSync(BUILT_RENDERS, { recursive: true, force: true });
      const { buildCourseCache } = await import('../course/course-cache.js');
      await buildCourseCache(workbook.root);
      for (const item of workbook.course.items) {
        for (const text of texts(item)) {
          await prerenderCached(workbook.root, text, true, BUILT_RENDERS);
          await prerenderCached(workbook.root, text, false, BUILT_RENDERS);
        }
      }
      // The bundles have done all their work once: their code caches hold every function it needed.
      (await import('../cold-load.js')).storeCodeCaches();
      return 0;
    }
    const item = workbook.course.items.find((i) => i.id === id);
    if (!item) return 2;
    await prerenderCached(workbook.root, texts(item)[0]!, escapesAllowed());
    return 0;
  } catch {
    // A speed-up only: a course that cannot be loaded is reported by the commands that need it.
    return id === '--all' ? 0 : 1;
  }
}

/** What is shown of an item: the lesson, or the task and each hint. */
export function texts(item: Item): string[] {
  return item.kind === 'lesson' ? [readFileSync(item.file, 'utf8')] : [item.task, ...item.hints];
}
