// `course run [id]`: start an exercise's (or a lesson example's) services with their sidecars on
// the fixed ports of its dapr.yaml, and print their logs interleaved, until Ctrl-C; as
// `dapr run -f .` does.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LogLine } from '../harness/processes.js';
import { isNotableSidecarLine } from '../harness/sidecar.js';
import { color } from '../ui/color.js';
import { UserError } from '../ui/errors.js';

const PALETTE = [color.cyan, color.magenta, color.yellow, color.green, color.blue, color.red];

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { verbose: { type: 'boolean', short: 'v' } },
    strict: true,
  });
  const { openWorkbook, chooseExercise } = await import('./workbook-context.js');
  const { findItem } = await import('../course/find-item.js');
  const { ensureWorkDir } = await import('../course/exercise-files.js');
  const workbook = await openWorkbook();
  let dir: string;
  const id = positionals[0];
  const item = id ? findItem(workbook.course, id) : chooseExercise(workbook, undefined, 'run');
  if (item.kind === 'exercise') dir = ensureWorkDir(workbook.root, item).dir;
  else if (item.exampleDir) dir = item.exampleDir;
  else throw new UserError(messages.nothingToRun(item.id));

  const { startEnvironment, readRunFile, RunLog } = await import('../harness/environment.js');
  const runFile = readRunFile(dir);
  const log = new RunLog();
  const names = runFile.apps.flatMap((a) => [a.appId, `daprd ${a.appId}`]).concat('redis');
  const width = Math.max(...names.map((n) => n.length));
  const paint = new Map(runFile.apps.map((a, i) => [a.appId, PALETTE[i % PALETTE.length]!]));
  log.onLine((line) => printLine(line, width, paint, values.verbose ?? false));

  console.log(messages.starting(path.relative(process.cwd(), dir) || '.', runFile.apps.length));
  const env = await startEnvironment({
    resourcesDir: runFile.apps[0]!.resourcesDir,
    apps: runFile.apps.map((a) => ({
      appId: a.appId,
      command: a.command,
      cwd: a.dir,
      env: a.env,
      appPort: a.appPort,
      daprHttpPort: a.daprHttpPort,
      daprGrpcPort: a.daprGrpcPort,
    })),
    log,
  });
  console.log(messages.ready);
  for (const app of env.apps.values()) {
    console.log(`  ${paint.get(app.appId)!(app.appId.padEnd(width))}  app ${app.appUrl ?? '(none)'}   sidecar ${app.daprUrl}`);
  }
  console.log(color.dim(messages.howToStop));
  // Ctrl-C: the harness's signal handler stops every process and exits with 130.
  await new Promise<never>(() => {});
  return 0;
}

function printLine(line: LogLine, width: number, paint: Map<string, (s: string) => string>, verbose: boolean): void {
  const sidecar = line.source.startsWith('daprd ');
  if (sidecar && !verbose && !isNotableSidecarLine(line.text) && !/dapr initialized/.test(line.text)) return;
  if (line.source === 'redis' && !verbose) return;
  const appId = sidecar ? line.source.slice('daprd '.length) : line.source;
  const tint = paint.get(appId) ?? color.gray;
  const prefix = sidecar ? color.dim(tint(line.source.padEnd(width))) : tint(line.source.padEnd(width));
  console.log(`${prefix} | ${sidecar ? color.dim(line.text) : line.text}`);
}

const messages = {
  nothingToRun: (id: string) => `"${id}" is a lesson without services to run. Name an exercise: npx course run <id>`,
  starting: (dir: string, count: number) => `Starting ${count} app(s) from ${dir}/dapr.yaml with their sidecars and a Redis...`,
  ready: 'Running:',
  howToStop: 'Logs follow (sidecar warnings and key events; --verbose for all). Press Ctrl-C to stop everything.',
};
