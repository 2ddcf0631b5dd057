// Proves warm re-checks' spares against the real daprd and Redis: a check gets the run started ahead
// for it only when it asks for the very same run, with its resources unchanged, and the run it gets
// works as a cold one; whatever no check takes is stopped.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Environment, EnvironmentSpec } from './environment.js';
import { canConnect } from './ports.js';
import type { SidecarFront } from './sidecar-front.js';
import { askedRuns, dropSpares, prepareSpares, startCheckEnvironment } from './spares.js';
import { requestAt } from './testdata/request-at.js';

const testdata = path.join(import.meta.dirname, 'testdata');

let resourcesDir = '';
let env: Environment | undefined;
beforeEach(() => {
  // The test's own copy: one test edits it.
  resourcesDir = mkdtempSync(path.join(os.tmpdir(), 'spares-test-'));
  cpSync(path.join(testdata, 'redis-pubsub'), resourcesDir, { recursive: true });
});
afterEach(async () => {
  await env?.stop();
  env = undefined;
  await dropSpares();
  rmSync(resourcesDir, { recursive: true, force: true });
});

const specOf = (): EnvironmentSpec => ({
  resourcesDir,
  apps: [
    { appId: 'publisher' },
    { appId: 'sdk', command: ['npx', 'tsx', 'sdk-subscriber.ts'], cwd: testdata, env: { HANDLER_MODE: 'retry' } },
    { appId: 'watcher', probe: [{ pubsubname: 'pubsub', topic: 'orders' }] },
  ],
});

/**
 * The run of specOf with the sdk app reaching its sidecar's HTTP API through a front, and the
 * check's side of it: a plain pass-through to the sidecar that counts what it was handed, and asks,
 * as it attaches, whether the front still cut connections until then.
 */
function withFront() {
  const check = { attached: [] as SidecarFront[], cutBeforeAttach: [] as string[], handed: 0 };
  const spec = specOf();
  const sdk = spec.apps.find((a) => a.appId === 'sdk')!;
  sdk.fronts = ['http'];
  sdk.onFront = async (front) => {
    check.cutBeforeAttach.push(await requestAt(front.port));
    check.attached.push(front);
    front.attach((socket) => {
      check.handed++;
      const upstream = net.connect(front.sidecarPort, '127.0.0.1');
      upstream.on('error', () => socket.destroy());
      upstream.on('close', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      socket.pipe(upstream).pipe(socket);
    });
  };
  return { spec, check };
}

/** Until the sdk subscriber has had an attempt at `id` (it counts them on GET /attempts). */
async function attemptedWithin(run: Environment, id: string, ms: number): Promise<number> {
  const attempts = async () => ((await (await fetch(`${run.app('sdk').appUrl}/attempts`)).json()) as Record<string, number>)[id] ?? 0;
  const deadline = Date.now() + ms;
  while ((await attempts()) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return attempts();
}

const processesOf = (run: Environment) => [run.redis!.process, ...[...run.apps.values()].flatMap((a) => [a.sidecar.process, ...(a.process ? [a.process] : [])])];

describe('spares: runs started ahead for a warm re-check', { timeout: 60_000 }, () => {
  test('a check asking for the same run gets the spare, with its services started on it, and it works', async () => {
    const [ready] = prepareSpares([specOf()]);
    const spare = (await ready)!;
    expect(spare.app('sdk').process).toBeUndefined(); // no learner code runs ahead

    env = await startCheckEnvironment(specOf());
    expect(env).toBe(spare);
    expect(env.timings.startedAhead).toBe(true);
    await env.publish('publisher', 'pubsub', 'orders', { id: 'o-1' });
    expect(await env.probe('watcher').waitUntil((d) => d.length === 1, 10_000)).toBe(true);
    expect(await attemptedWithin(env, 'o-1', 10_000)).toBeGreaterThanOrEqual(1);
    expect(askedRuns().at(-1)).toEqual(JSON.parse(JSON.stringify(specOf())));
  });

  test('an app behind a front the check serves: the spare is taken, its front cuts connections until the check attaches, then serves them', async () => {
    // What the last check's worker hands over: the run as data, without the check's onFront.
    const asked = JSON.parse(JSON.stringify(withFront().spec)) as EnvironmentSpec;
    expect(asked.apps.find((a) => a.appId === 'sdk')).toMatchObject({ fronts: ['http'] });
    const [ready] = prepareSpares([asked]);
    const spare = (await ready)!;
    const [front] = spare.app('sdk').fronts!;
    expect(front!.sidecarPort).toBe(spare.app('sdk').sidecar.ports.http);
    expect(await requestAt(front!.port)).toBe('cut');
    // The standby was told the recording hop's port, which forwards to the front.
    const told = spare.app('sdk').recording?.appDaprHttpPort;
    if (told !== undefined) expect(await requestAt(told)).toBe('cut');

    const { spec, check } = withFront();
    const sdk = spec.apps.find((a) => a.appId === 'sdk')!;
    const attach = sdk.onFront!;
    const serviceAtAttach: unknown[] = [];
    sdk.onFront = (front) => {
      serviceAtAttach.push(spare.app('sdk').process);
      return attach(front);
    };
    env = await startCheckEnvironment(spec);
    expect(env).toBe(spare);
    expect(serviceAtAttach).toEqual([undefined]); // attached before the standby was handed its code
    expect(env.timings.startedAhead).toBe(true);
    expect(check.attached).toEqual([front]);
    expect(check.cutBeforeAttach).toEqual(['cut']);
    await env.publish('publisher', 'pubsub', 'orders', { id: 'o-2' });
    expect(await attemptedWithin(env, 'o-2', 10_000)).toBeGreaterThanOrEqual(1);
    expect(check.handed).toBeGreaterThan(0); // the SDK's start() reached its sidecar through the front only
    expect(askedRuns().at(-1)).toEqual(asked);

    await env.stop();
    expect(await canConnect(front!.port)).toBe(false);
  });

  test('an app behind a front, with no spare: the run starts cold, the front cuts connections until the check attaches, then serves them', async () => {
    const { spec, check } = withFront();
    env = await startCheckEnvironment(spec);
    expect(env.timings.startedAhead).toBeUndefined();
    expect(check.attached).toEqual(env.app('sdk').fronts);
    expect(check.cutBeforeAttach).toEqual(['cut']);
    await env.publish('publisher', 'pubsub', 'orders', { id: 'o-3' });
    expect(await attemptedWithin(env, 'o-3', 10_000)).toBeGreaterThanOrEqual(1);
    expect(check.handed).toBeGreaterThan(0);
  });

  test('a resource changed since the spare started: the spare is stopped and the run starts cold, with the change', async () => {
    const [ready] = prepareSpares([specOf()]);
    const spare = (await ready)!;
    const file = path.join(resourcesDir, 'pubsub.yaml');
    writeFileSync(path.join(resourcesDir, 'pubsub2.yaml'), readFileSync(file, 'utf8').replace(/name: pubsub\b/, 'name: pubsub2'));

    env = await startCheckEnvironment(specOf());
    expect(env).not.toBe(spare);
    expect(env.timings.startedAhead).toBeUndefined();
    await dropSpares(); // waits for the unfit spare's stop, which the run did not
    expect(processesOf(spare).every((p) => p.hasExited)).toBe(true);
    expect(existsSync(spare.runDir)).toBe(false);
    expect((await env.components('publisher')).map((c) => c.name).sort()).toEqual(['pubsub', 'pubsub2']);
  });

  test('the same resources but another run asked for: a cold start, and the spare is left for its own run', async () => {
    const [ready] = prepareSpares([specOf()]);
    const spare = (await ready)!;
    env = await startCheckEnvironment({ ...specOf(), apps: specOf().apps.filter((a) => a.appId !== 'sdk') });
    expect(env).not.toBe(spare);
    expect(processesOf(spare).some((p) => p.hasExited)).toBe(false);
  });

  test('a spare not ready within the wait is not waited for: the run starts cold, and the spare is stopped once up', async () => {
    const [ready] = prepareSpares([specOf()]);
    env = await startCheckEnvironment(specOf(), { spareWaitMs: 1 });
    expect(env.timings.startedAhead).toBeUndefined();
    const spare = (await ready)!;
    expect(env).not.toBe(spare);
    await dropSpares(); // waits for the late one's stop
    expect(processesOf(spare).every((p) => p.hasExited)).toBe(true);
    expect(existsSync(spare.runDir)).toBe(false);
  });

  test('what no check took is stopped, folders and all', async () => {
    const spares = await Promise.all(prepareSpares([specOf(), { ...specOf(), apps: specOf().apps.slice(2) }]));
    expect(spares.every((s) => s !== undefined)).toBe(true);
    await dropSpares();
    for (const spare of spares) {
      expect(processesOf(spare!).every((p) => p.hasExited)).toBe(true);
      expect(existsSync(spare!.runDir)).toBe(false);
    }
  });

  test('a spare that could not start (a component daprd refuses) leaves the check to start cold and say why', async () => {
    writeFileSync(path.join(resourcesDir, 'broken.yaml'), 'apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken\nspec:\n  type: pubsub.nosuch\n  version: v1\n');
    const [ready] = prepareSpares([specOf()]);
    expect(await ready).toBeUndefined();
    const cold = startCheckEnvironment(specOf());
    await expect(cold).rejects.toThrow(/broken|pubsub\.nosuch/);
  });
});
