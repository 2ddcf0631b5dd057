// `course doctor`: is this machine ready to grade exercises? Each problem comes with its fix.
import { parseArgs } from 'node:util';
import type { Finding, Status } from '../harness/preflight.js';
import { color } from '../ui/color.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  const preflight = await import('../harness/preflight.js');
  const findings: Finding[] = [
    preflight.checkNode(),
    ...(await preflight.checkRuntime()),
    await preflight.checkPorts(await fixedPorts()),
    await checkDaprCli(),
  ];
  const canGrade = !findings.some((f) => f.status === 'fail');
  if (canGrade) findings.push(await sidecarSmokeTest());
  const ok = !findings.some((f) => f.status === 'fail');
  if (values.json) {
    console.log(JSON.stringify({ ok, findings }, null, 2));
    return ok ? 0 : 1;
  }
  for (const finding of findings) {
    console.log(`${mark(finding.status)} ${color.bold(finding.name)}: ${finding.detail}`);
    if (finding.fix) console.log(color.dim(indent(finding.fix)));
  }
  console.log('');
  console.log(ok ? messages.ready : messages.notReady);
  return ok ? 0 : 1;
}

/** Starts one real sidecar on a real Redis, the way a check does. */
async function sidecarSmokeTest(): Promise<Finding> {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { startEnvironment } = await import('../harness/environment.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'course-doctor-'));
  writeFileSync(
    path.join(dir, 'pubsub.yaml'),
    'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: pubsub\nspec:\n  type: pubsub.redis\n  version: v1\n  metadata:\n    - name: redisHost\n      value: localhost:6379\n',
  );
  const started = Date.now();
  try {
    const env = await startEnvironment({ resourcesDir: dir, apps: [{ appId: 'doctor' }], readyTimeoutMs: 20_000 });
    const ms = Date.now() - started;
    const where = env.runtime.plan;
    await env.stop();
    return { name: 'sidecar', status: 'ok', detail: messages.smokeTest(where.daprd.where, where.redis.where, ms) };
  } catch (error) {
    const excerpt = ((error as { logExcerpt?: string[] }).logExcerpt ?? []).slice(-5).join('\n');
    return { name: 'sidecar', status: 'fail', detail: (error as Error).message, fix: excerpt || undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The Dapr CLI is optional: the course starts daprd itself. Said either way, because exercises
 * mention `dapr run -f .`, and because its runs share one Redis.
 */
export async function checkDaprCli(): Promise<Finding> {
  const { findOnPath } = await import('../harness/which.js');
  const dapr = findOnPath('dapr');
  if (!dapr) return { name: 'Dapr CLI', status: 'ok', detail: messages.noCli };
  const { execFile } = await import('node:child_process');
  const output = await new Promise<string>((resolve) =>
    execFile(dapr, ['--version'], { timeout: 5000 }, (error, stdout) => resolve(error ? '' : stdout)),
  );
  const version = /CLI version:\s*(\S+)/i.exec(output)?.[1];
  return { name: 'Dapr CLI', status: 'ok', detail: messages.cli(dapr, version), fix: messages.sharedRedis };
}

/** The fixed ports in the course's dapr.yaml files, which `course run` uses. */
async function fixedPorts(): Promise<{ port: number; what: string }[]> {
  try {
    const { openWorkbook } = await import('./workbook-context.js');
    const { readRunFile } = await import('../harness/run-file.js');
    const { course } = await openWorkbook();
    const dirs = course.items.flatMap((i) => (i.kind === 'exercise' ? [i.starterDir] : i.exampleDir ? [i.exampleDir] : []));
    const ports = new Map<number, string>();
    for (const dir of dirs) {
      try {
        for (const app of readRunFile(dir).apps) {
          if (app.appPort) ports.set(app.appPort, `${app.appId} app`);
          if (app.daprHttpPort) ports.set(app.daprHttpPort, `${app.appId} sidecar`);
        }
      } catch {
        // a broken dapr.yaml is reported by check and run, not here
      }
    }
    return [...ports].map(([port, what]) => ({ port, what }));
  } catch {
    return [];
  }
}

function mark(status: Status): string {
  return status === 'ok' ? color.green('✓') : status === 'warn' ? color.yellow('!') : color.red('✗');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

const messages = {
  smokeTest: (daprd: string, redis: string, ms: number) =>
    `a daprd (${daprd === 'local' ? 'here' : 'in a container'}) with a Redis pubsub (${redis === 'local' ? 'here' : 'in a container'}) started and was ready in ${ms} ms`,
  noCli: 'not installed (optional: npx course run starts an exercise by hand, npx course publish publishes to it)',
  cli: (file: string, version: string | undefined) =>
    `${version ? `version ${version}` : 'found'} at ${file}: dapr run -f . also starts an exercise by hand`,
  sharedRedis:
    "Runs of the Dapr CLI share the Redis of `dapr init`: a subscriber new to a topic first receives what earlier exercises published to it. npx course run starts a fresh Redis each time.",
  ready: 'Ready: checks can start real sidecars here. Next: npx course next',
  notReady: 'Not ready: fix the ✗ lines above (each has its fix), then run npx course doctor again.',
};
