// `course list [--json]`: every lesson and exercise with its status.
import { parseArgs } from 'node:util';
import { completion, itemStatuses, type ItemStatus } from '../course/progress.js';
import { color } from '../ui/color.js';
import { openWorkbook, type Workbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  const workbook = await openWorkbook();
  console.log(values.json ? JSON.stringify(listJson(workbook), null, 2) : listText(workbook));
  return 0;
}

export function listJson({ course, progress }: Workbook) {
  const statuses = itemStatuses(course, progress);
  return {
    ...completion(course, progress),
    current: statuses.find((s) => s.status === 'current')?.item.id ?? null,
    items: statuses.map(({ item, status }) => ({
      id: item.id,
      kind: item.kind,
      module: item.moduleId,
      title: item.title,
      status,
      ...(item.kind === 'exercise' ? { hintsUsed: progress.hintsUsed[item.id] ?? 0 } : {}),
    })),
  };
}

export function listText({ course, progress }: Workbook): string {
  const statuses = itemStatuses(course, progress);
  const idWidth = Math.max(...course.items.map((item) => item.id.length));
  const lines: string[] = [];
  for (const module of course.modules) {
    lines.push(color.bold(`${module.id}  ${module.title}`));
    for (const { item, status } of statuses.filter((s) => s.item.moduleId === module.id)) {
      const line = `  ${SYMBOLS[status]} ${item.kind.padEnd(8)}  ${item.id.padEnd(idWidth)}  ${item.title}`;
      lines.push(status === 'current' ? color.bold(line) : status === 'pending' ? line : color.dim(line));
    }
    lines.push('');
  }
  const { finished, total } = completion(course, progress);
  lines.push(messages.summary(finished, total));
  return lines.join('\n');
}

const SYMBOLS: Record<ItemStatus, string> = {
  done: color.green('✓'),
  read: color.green('✓'),
  skipped: color.yellow('↷'),
  current: color.cyan('▶'),
  pending: '·',
};

const messages = {
  summary: (finished: number, total: number) =>
    `${finished}/${total} finished.  ✓ done  ▶ current  · to do  ↷ skipped   Continue: npx course next`,
};
