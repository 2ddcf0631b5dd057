// `course setup`: get a daprd (find one, or build it with Go into a cache) and find redis-server.
import { color } from '../ui/color.js';

export async function run(): Promise<number> {
  const { ensureDaprd } = await import('../harness/daprd-binary.js');
  const { checkRedis } = await import('../harness/preflight.js');
  let ok = true;
  try {
    const daprd = await ensureDaprd((line) => console.log(color.dim(line)));
    console.log(`${color.green('✓')} daprd ${daprd.version} at ${daprd.path} (found through ${daprd.source})`);
  } catch (error) {
    ok = false;
    console.log(`${color.red('✗')} daprd: ${(error as Error).message}`);
  }
  const redis = checkRedis();
  if (redis.status === 'ok') console.log(`${color.green('✓')} redis-server ${redis.detail}`);
  else {
    ok = false;
    console.log(`${color.red('✗')} redis-server: ${redis.detail}\n    ${redis.fix}`);
  }
  console.log(ok ? messages.ready : messages.notReady);
  await warmFirstItem();
  return ok ? 0 : 1;
}

const messages = {
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
