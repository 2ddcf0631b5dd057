// A service started from standby is the process a cold start gives it, as far as the service can
// tell: argv, execArgv, its module's URL, its environment, and node's own report and exit code for an
// error at import. A standby whose packages no longer match is not used, and an unused one ends.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { appEnvironment, prepareCommand, spawnApp, type AppLaunch } from './app.js';
import { removeOwnedPath, RunLog, type ManagedProcess } from './processes.js';
import { canStandBy, StandbyService } from './standby-service.js';

const testdata = path.join(import.meta.dirname, 'testdata');
const launch = (file: string, env: Record<string, string> = {}): AppLaunch => ({
  appId: 'svc',
  command: ['npx', 'tsx', file],
  cwd: testdata,
  env,
  appPort: 40111,
  sidecarPorts: { http: 40112, grpc: 40113, internalGrpc: 40114, metrics: 40115 },
  log: new RunLog(),
});
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The service run cold, and from a standby: each one's output lines and exit. */
async function bothWays(file: string, env: Record<string, string> = {}) {
  const cold = launch(file, env);
  const coldPrepared = await prepareCommand(cold.command, cold.cwd);
  const coldProcess = spawnApp(cold, coldPrepared);
  cleanups.push(async () => removeOwnedPath(coldPrepared.compiled!));
  const warm = launch(file, env);
  const ahead = await prepareCommand(warm.command, warm.cwd);
  if (!canStandBy(ahead)) throw new Error('not a service that can stand by');
  const standby = new StandbyService(ahead, { name: 'svc', cwd: warm.cwd, env: appEnvironment(warm), log: warm.log });
  const prepared = await prepareCommand(warm.command, warm.cwd);
  const started = standby.start(prepared);
  cleanups.push(async () => {
    await standby.close(started !== undefined);
    removeOwnedPath(prepared.compiled!);
  });
  expect(started).toBe(standby.process);
  const outcome = async (run: AppLaunch, proc: ManagedProcess, compiled: string) => ({
    exit: (await proc.exited).code,
    lines: run.log.tail(50, ['svc']).map((l) => l.replace(/^\[svc\] /, '').replaceAll(compiled, '<compiled>')),
  });
  return { cold: await outcome(cold, coldProcess, coldPrepared.compiled!), warm: await outcome(warm, started!, prepared.compiled!) };
}

describe('a service started from standby', { timeout: 30_000 }, () => {
  test('sees the argv, execArgv, module URL and environment a cold start gives it', async () => {
    process.env.COURSE_CHECK_REPORT_DIR = '/tmp/not-for-services';
    try {
      const { cold, warm } = await bothWays('standby-report.ts');
      expect(cold.exit).toBe(0);
      expect(warm).toEqual(cold);
      expect(JSON.parse(cold.lines[0]!)).toMatchObject({ argv: ['<compiled>'], execArgv: ['--enable-source-maps'], harness: null });
    } finally {
      delete process.env.COURSE_CHECK_REPORT_DIR;
    }
  });

  test('an error at import is reported by node and exits 1, as from a cold start', async () => {
    const { cold, warm } = await bothWays('standby-report.ts', { STANDBY_THROW: '1' });
    expect(cold.exit).toBe(1);
    expect(warm.exit).toBe(1);
    const report = (lines: string[]) => lines.filter((l) => !/^\s+at /.test(l));
    expect(report(warm.lines)).toEqual(report(cold.lines));
    expect(cold.lines.join('\n')).toContain('Error: thrown at import: 1');
  });

  test('is not used once the service imports other packages, and ends unused with nothing left', async () => {
    const run = launch('standby-report.ts');
    const ahead = await prepareCommand(run.command, run.cwd);
    if (!canStandBy(ahead)) throw new Error('not a service that can stand by');
    expect(ahead.packages).toEqual(['yaml']);
    const standby = new StandbyService(ahead, { name: 'svc', cwd: run.cwd, env: appEnvironment(run), log: run.log });
    const other = await prepareCommand(['npx', 'tsx', 'standby-other-packages.ts'], testdata);
    cleanups.push(async () => removeOwnedPath(other.compiled!));
    expect(standby.start(other)).toBeUndefined();
    await standby.close(false);
    expect(standby.process.hasExited).toBe(true);
    expect(existsSync(ahead.compiled)).toBe(false);
    expect(existsSync(ahead.compiled.replace(/\.mjs$/, '-packages.mjs'))).toBe(false);
  });
});
