// `course publish <topic> [data] [--type T] [--id ID] [--pubsub NAME] [--app APP-ID] [--run ID]`:
// publishes one event through a sidecar of a `course run` in progress, as `dapr publish` does with
// the Dapr CLI. Data that parses as JSON goes as application/json (so rules on `event.data.x`
// match), anything else as text/plain; --type and --id set the CloudEvent's `type` and `id`
// (daprd's `cloudevent.type` / `cloudevent.id` publish metadata).
import { parseArgs } from 'node:util';
import { runningRuns, type RunningRun } from '../course/running.js';
import { color } from '../ui/color.js';
import { UserError } from '../ui/errors.js';
import { exerciseAt, openWorkbook, type Workbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      type: { type: 'string' },
      id: { type: 'string' },
      pubsub: { type: 'string' },
      app: { type: 'string' },
      run: { type: 'string' },
    },
  });
  const [topic, data = '{}', ...extra] = positionals;
  if (!topic || extra.length > 0) throw new UserError(messages.usage);
  const workbook = await openWorkbook();
  const running = chooseRun(workbook, values.run);
  const app = values.app ? running.apps.find((a) => a.appId === values.app) : running.apps[0];
  if (!app) throw new UserError(messages.noSuchApp(values.app!, running));
  const pubsub = values.pubsub ?? onlyPubsub(running);
  const json = isJson(data);
  const metadata = new URLSearchParams();
  if (values.type) metadata.set('metadata.cloudevent.type', values.type);
  if (values.id) metadata.set('metadata.cloudevent.id', values.id);
  const url = `${app.daprUrl}/v1.0/publish/${encodeURIComponent(pubsub)}/${encodeURIComponent(topic)}${metadata.size ? `?${metadata}` : ''}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': json ? 'application/json' : 'text/plain' },
      body: data,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new UserError(messages.unreachable(app.appId, (error as Error).message), 1);
  }
  if (!response.ok) throw new UserError(messages.refused(response.status, await response.text()), 1);
  console.log(messages.published(topic, pubsub, app.appId, json, values.type, values.id));
  return 0;
}

/** The run named, the only one, or the one of the exercise the learner is in. */
function chooseRun(workbook: Workbook, named: string | undefined): RunningRun {
  const runs = runningRuns(workbook.root);
  if (named) {
    const run = runs.find((r) => r.itemId === named);
    if (!run) throw new UserError(messages.notRunning(named), 1);
    return run;
  }
  if (runs.length === 1) return runs[0]!;
  if (runs.length === 0) throw new UserError(messages.nothingRunning, 1);
  const here = exerciseAt(workbook, process.cwd());
  const current = runs.find((r) => r.itemId === (here?.id ?? workbook.progress.current));
  if (current) return current;
  throw new UserError(messages.several(runs.map((r) => r.itemId)));
}

function onlyPubsub(run: RunningRun): string {
  if (run.pubsubs.length === 1) return run.pubsubs[0]!;
  if (run.pubsubs.length === 0) throw new UserError(messages.noPubsub(run.itemId));
  throw new UserError(messages.severalPubsubs(run.pubsubs));
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const messages = {
  usage:
    "Usage: npx course publish <topic> ['<data as JSON>'] [--type <CloudEvent type>] [--id <CloudEvent id>]\n" +
    '                          [--pubsub <component>] [--app <app-id>] [--run <exercise>]\n' +
    '  Publishes one event through a sidecar of a running `npx course run` (start one first).',
  nothingRunning: 'Nothing is running to publish through. Start the services first, in another terminal: npx course run',
  notRunning: (id: string) => `No npx course run ${id} is running. Start it first, in another terminal: npx course run ${id}`,
  several: (ids: string[]) => `Several runs are going on (${ids.join(', ')}): name one with --run <id>.`,
  noSuchApp: (appId: string, run: RunningRun) =>
    `The run of ${run.itemId} has no app "${appId}". Its apps: ${run.apps.map((a) => a.appId).join(', ')}`,
  noPubsub: (id: string) => `The run of ${id} loads no pub/sub component.`,
  severalPubsubs: (names: string[]) => `The run has several pub/sub components (${names.join(', ')}): name one with --pubsub <name>.`,
  unreachable: (appId: string, detail: string) =>
    `The sidecar of ${appId} did not answer (${detail}). Is npx course run still running?`,
  refused: (status: number, body: string) => `The sidecar refused the event: ${status} ${body}`.trim(),
  published: (topic: string, pubsub: string, appId: string, json: boolean, type?: string, id?: string) =>
    `${color.green('✓')} Published to ${topic} on ${pubsub} through ${appId}'s sidecar` +
    ` (${json ? 'JSON' : 'text'}${type ? `, type ${type}` : ''}${id ? `, id ${id}` : ''}).` +
    ' The run\'s logs show what happened next.',
};
