// `course setup`: get what checks run on this machine: a daprd (found, or built with Go into a
// cache) or its image, redis-server or the Redis image, each where the runtime plan puts it.
import { color } from '../ui/color.js';

export async function run(): Promise<number> {
  const { chooseRuntime } = await import('../harness/runtime-choice.js');
  const { provisionPart } = await import('../harness/provision.js');
  let ok = true;
  try {
    const plan = await chooseRuntime();
    for (const part of ['daprd', 'redis'] as const) {
      try {
        const what = await provisionPart(part, plan[part], (line) => console.log(color.dim(line)));
        console.log(`${color.green('✓')} ${messages.part(part, what)}`);
      } catch (error) {
        ok = false;
        console.log(`${color.red('✗')} ${messages.part(part, (error as Error).message)}`);
      }
    }
  } catch (error) {
    ok = false;
    console.log(`${color.red('✗')} ${(error as Error).message}`);
  }
  console.log(ok ? messages.ready : messages.notReady);
  await warmFirstItem();
  return ok ? 0 : 1;
}

const messages = {
  part: (part: string, text: string) => (text.startsWith(part) ? text : `${part === 'redis' ? 'Redis' : part}: ${text}`),
  ready: '\nSet up. Start the course with: npx course next',
  notReady: '\nSomething is missing (see above). `npx course doctor` explains each problem.',
};

/** Renders what `course next` will show first, so the first lesson appears at once. */
async function warmFirstItem(): Promise<void> {
  try {
    const { openWorkbook } = await import('./workbook-context.js');
    const { currentItem } = await import('../course/progress.js');
    const { prerenderInBackground } = await import('../ui/prerender.js');
    const workbook = await openWorkbook();
    prerenderInBackground(workbook.root, currentItem(workbook.course, workbook.progress)?.id);
  } catch {
    // a speed-up only
  }
}
