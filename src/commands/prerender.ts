// `course __prerender <id>` (hidden): renders an item's markdown into the render cache and prints
// nothing. Started in the background by src/ui/prerender.ts.
import { readFileSync } from 'node:fs';

export async function run(args: string[]): Promise<number> {
  const [id] = args;
  const { openWorkbook } = await import('./workbook-context.js');
  const { renderMarkdownCached } = await import('../ui/render-cache.js');
  const workbook = await openWorkbook();
  const item = workbook.course.items.find((i) => i.id === id);
  if (!item) return 2;
  await renderMarkdownCached(workbook.root, item.kind === 'lesson' ? readFileSync(item.file, 'utf8') : item.task);
  return 0;
}
