// `course list [--json]`: every lesson and exercise with its status and the number the screen
// shows for it (lessons and exercises counted apart).
import { parseArgs } from 'node:util';
import { itemLabel, itemNumber } from '../course/numbering.js';
import { completion, itemStatuses, type ItemStatus } from '../course/progress.js';
import { color } from '../ui/color.js';
import { wrapText } from '../ui/layout.js';
import { terminalWidth } from '../ui/terminal.js';
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
      number: itemNumber(course, item).number,
      module: item.moduleId,
      title: item.title,
      status,
      ...(item.kind === 'exercise' ? { hintsUsed: progress.hintsUsed[item.id] ?? 0 } : {}),
    })),
  };
}

export function listText({ course, progress }: Workbook, width = terminalWidth()): string {
  const statuses = itemStatuses(course, progress);
  const labelWidth = Math.max(...course.items.map((item) => itemLabel(course, item).length));
  const idWidth = Math.max(...course.items.map((item) => item.id.length));
  const lines: string[] = [];
  for (const module of course.modules) {
    lines.push(color.bold(`${module.id}  ${module.title}`));
    for (const { item, status } of statuses.filter((s) => s.item.moduleId === module.id)) {
      const start = `  ${SYMBOLS[status]} ${itemLabel(course, item).padEnd(labelWidth)}  ${item.id.padEnd(idWidth)}  `;
      const hang = ' '.repeat(6 + labelWidth + idWidth);
      const style = status === 'current' ? color.bold : status === 'pending' ? (s: string) => s : color.dim;
      lines.push(...wrapText(item.title, width, start, hang).map((line) => style(line)));
    }
    lines.push('');
  }
  lines.push(...wrapText(messages.summary(completion(course, progress)), width), messages.legend);
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
  summary: ({ lessons, exercises, skipped }: ReturnType<typeof completion>) =>
    `${lessons.read} of ${lessons.total} lessons read, ${exercises.passed} of ${exercises.total} exercises passed` +
    `${skipped > 0 ? `, ${skipped} skipped` : ''}.`,
  legend: '✓ done  ▶ current  · to do  ↷ skipped   Continue: npx course next',
};
