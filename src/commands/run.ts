// `course run [id]`: start an exercise's (or a lesson example's) services with their sidecars on
// the fixed ports of its dapr.yaml, and print their logs interleaved, until Ctrl-C; as
// `dapr run -f .` does, with a fresh Redis of its own. While it runs, a line typed into it stops,
// starts or restarts one service (its sidecar stays up), as the saga's crash scenario needs, and
// `npx course publish` in another terminal publishes through its sidecars.
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import type { Environment } from '../harness/environment.js';
import type { LogLine } from '../harness/processes.js';
import { TIMELINE_SOURCE as TIMELINE } from '../harness/recorder.js';
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
  const names = runFile.apps.flatMap((a) => [a.appId, `daprd ${a.appId}`]).concat('redis', TIMELINE);
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
  const { recordRunTimeline } = await import('../timeline/live.js');
  const page = recordRunTimeline(env, {
    root: workbook.root,
    id: item.id,
    print: (text) => console.log(`${color.bold(TIMELINE.padEnd(width))} | ${text}`),
  });
  if (page) {
    const { timelinePageLine } = await import('../timeline/report.js');
    console.log(timelinePageLine(page, item.id));
  }
  await announce(workbook.root, item.id, env);
  console.log(color.dim(messages.howToStop));
  listenForCommands(env);
  // Ctrl-C: the harness's signal handler stops every process and exits with 130.
  await new Promise<never>(() => {});
  return 0;
}

/** Records the run for `course publish` (removed with the run's other files when it stops). */
async function announce(root: string, itemId: string, env: Environment): Promise<void> {
  const { recordRunning } = await import('../course/running.js');
  const { ownPath } = await import('../harness/processes.js');
  const pubsubs = env.resources
    .filter(({ doc }) => doc.kind === 'Component' && String((doc.spec as { type?: unknown } | undefined)?.type ?? '').startsWith('pubsub.'))
    .map(({ doc }) => String((doc.metadata as { name?: unknown } | undefined)?.name));
  const apps = [...env.apps.values()].map((a) => ({ appId: a.appId, appUrl: a.appUrl, daprUrl: a.daprUrl }));
  ownPath(recordRunning(root, { itemId, pid: process.pid, apps, pubsubs }));
}

/** `stop <app>`, `start <app>`, `restart <app>` typed into the run, a line at a time. */
function listenForCommands(env: Environment): void {
  const keyboard = readline.createInterface({ input: process.stdin, terminal: false });
  let busy = Promise.resolve();
  keyboard.on('line', (line) => {
    busy = busy.then(() => runCommand(env, line.trim()));
  });
}

async function runCommand(env: Environment, line: string): Promise<void> {
  if (!line) return;
  const [verb, appId, ...extra] = line.split(/\s+/);
  const services = [...env.apps.values()].filter((a) => a.process).map((a) => a.appId);
  if (!['stop', 'start', 'restart'].includes(verb!) || extra.length > 0 || !appId) {
    console.log(messages.commands(services));
    return;
  }
  if (!services.includes(appId)) {
    console.log(messages.noSuchService(appId, services));
    return;
  }
  try {
    if (verb === 'stop') {
      await env.killApp(appId);
      console.log(messages.stopped(appId));
    } else {
      console.log(messages.starting1(appId));
      await env.restartApp(appId);
      console.log(messages.started(appId));
    }
  } catch (error) {
    console.log(color.red(messages.failed(verb!, appId, (error as Error).message)));
  }
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
  starting: (dir: string, count: number) => `Starting ${count} app(s) from ${dir}/dapr.yaml with their sidecars and a fresh Redis...`,
  ready: 'Running:',
  howToStop:
    'Logs follow (sidecar warnings and key events; --verbose for all), with a `timeline` line per message published or delivered.\n' +
    'Type stop <app>, start <app> or restart <app> and Enter to crash or bring back one service (its sidecar stays up).\n' +
    'Publish an event from another terminal: npx course publish <topic> \'<data as JSON>\' [--type <type>]\n' +
    'Press Ctrl-C to stop everything.',
  commands: (services: string[]) => `Commands: stop <app>, start <app>, restart <app>. Apps: ${services.join(', ')}`,
  noSuchService: (appId: string, services: string[]) => `No service "${appId}" in this run. Apps: ${services.join(', ')}`,
  stopped: (appId: string) => color.yellow(`${appId} stopped (killed, as a crash would); its sidecar keeps running. Bring it back: start ${appId}`),
  starting1: (appId: string) => `Starting ${appId} again...`,
  started: (appId: string) => color.green(`${appId} is listening again.`),
  failed: (verb: string, appId: string, detail: string) => `Could not ${verb} ${appId}: ${detail}`,
};
