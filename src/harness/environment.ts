// The harness's one entry point: start an isolated Redis, N real daprd sidecars and the apps behind
// them, wait until everything is really ready, and tear it all down whatever happens.
//
//   const env = await startEnvironment({ resourcesDir, apps: [{ appId: 'orders', command: [...] }] });
//   await env.publish('orders', 'pubsub', 'orders', { id: 1 });
//   await env.stop();
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appExitError, appNeverListenedError, prepareCommand, spawnApp, startApp, waitForApp } from './app.js';
import { ensureDaprd } from './daprd-binary.js';
import { chooseRuntime, DAPRD_IMAGE, startRedisContainer, startSidecarContainer, type Runtime } from './docker.js';
import { EnvironmentError, HarnessTimeoutError, LearnerCodeError } from './errors.js';
import { freePort, portInUse } from './ports.js';
import { Probe, type ProbeSubscription } from './probe.js';
import { formatLine, installSignalCleanup, ownPath, reapOrphans, removeOwnedPath, RunLog, type ManagedProcess } from './processes.js';
import { startRedis, type RedisServer } from './redis.js';
import { fillBrokerAddresses, parseResources, readResources, writeResources, type ResourceDoc } from './resources.js';
import { isNotableSidecarLine, startSidecar, sidecarTimeoutError, waitForSidecar, type Sidecar, type SidecarPorts } from './sidecar.js';

export interface AppSpec {
  appId: string;
  /** How the run names this app (logs, `env.app(name)`); replicas of one app-id need distinct names. */
  name?: string;
  /** The learner's service; omit for a sidecar with no app, or give `probe` instead. */
  command?: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** An in-process subscriber with these subscriptions, in place of a service. */
  probe?: ProbeSubscription[];
  /** Fixed ports (`course run` honours dapr.yaml's); checks leave them out and get free ones. */
  appPort?: number;
  daprHttpPort?: number;
  daprGrpcPort?: number;
}

export interface EnvironmentSpec {
  /** Folder of YAML resources (components, subscriptions, resiliency). */
  resourcesDir?: string;
  /** Extra resources as YAML text, e.g. a policy the check adds. */
  extraResources?: string[];
  /** Start an isolated Redis and point Redis components at it (default true). */
  redis?: boolean;
  apps: AppSpec[];
  /** Limit for everything to become ready (default 30 s). */
  readyTimeoutMs?: number;
  /** How long a service may take to listen on its port (default 20 s). */
  appListenTimeoutMs?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Pass a RunLog to watch every process's output as it comes (`course run` prints it). */
  log?: RunLog;
}

export interface RunningApp {
  appId: string;
  name: string;
  appPort?: number;
  /** http://127.0.0.1:<appPort> */
  appUrl?: string;
  sidecar: Sidecar;
  /** http://127.0.0.1:<dapr http port> */
  daprUrl: string;
  process?: ManagedProcess;
  probe?: Probe;
}

export interface EnvironmentTimings {
  /** Redis ready and every sidecar's components loaded. */
  environmentMs: number;
  /** From there until every app listens and is discovered by its sidecar. */
  servicesMs: number;
}

export interface SidecarMetadata {
  components?: { name: string; type: string; version: string }[];
  subscriptions?: { pubsubname: string; topic: string; deadLetterTopic?: string; rules?: unknown }[];
}

export interface PublishOptions {
  contentType?: string;
  metadata?: Record<string, string>;
}

export class Environment {
  readonly apps = new Map<string, RunningApp>();
  redis?: RedisServer;
  timings: EnvironmentTimings = { environmentMs: 0, servicesMs: 0 };
  /** The run's written resources folder, which every sidecar loads. */
  resourcesDir = '';
  /** Local processes, or containers where daprd and redis-server are not installed. */
  runtime: Runtime = 'local';
  /** Services compiled for this run, deleted when it stops. */
  readonly compiled = new Set<string>();
  private stopped = false;

  constructor(
    readonly log: RunLog,
    readonly runDir: string,
    private readonly spec: EnvironmentSpec,
    readonly daprd: string,
    readonly resources: ResourceDoc[],
  ) {}

  /** An app by its name (its app-id unless it was given a name). */
  app(name: string): RunningApp {
    const app = this.apps.get(name);
    if (!app) throw new Error(`No app \`${name}\` in this run (apps: ${[...this.apps.keys()].join(', ')})`);
    return app;
  }

  probe(appId: string): Probe {
    const probe = this.app(appId).probe;
    if (!probe) throw new Error(`App \`${appId}\` is not a probe`);
    return probe;
  }

  /** Publishes through an app's sidecar, as a service would. Throws with daprd's answer on failure. */
  async publish(fromAppId: string, pubsub: string, topic: string, data: unknown, options: PublishOptions = {}): Promise<void> {
    const query = new URLSearchParams(Object.entries(options.metadata ?? {}).map(([k, v]) => [`metadata.${k}`, v]));
    const contentType = options.contentType ?? (typeof data === 'string' ? 'text/plain' : 'application/json');
    const body = typeof data === 'string' ? data : JSON.stringify(data);
    const url = `${this.app(fromAppId).daprUrl}/v1.0/publish/${encodeURIComponent(pubsub)}/${encodeURIComponent(topic)}${query.size ? `?${query}` : ''}`;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
    if (!res.ok) throw new Error(`Publishing to ${pubsub}/${topic} through ${fromAppId}'s sidecar failed: ${res.status} ${await res.text()}`);
  }

  /** Reads a key from a state store through an app's sidecar (undefined if it has none). */
  async getState(appId: string, store: string, key: string): Promise<unknown> {
    const res = await fetch(`${this.app(appId).daprUrl}/v1.0/state/${encodeURIComponent(store)}/${encodeURIComponent(key)}`);
    if (res.status === 204) return undefined;
    const text = await res.text();
    if (!res.ok) throw new Error(`Reading state ${store}/${key} failed: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /** What an app's sidecar says about itself (`GET /v1.0/metadata`). */
  async metadata(appId: string): Promise<SidecarMetadata> {
    const res = await fetch(`${this.app(appId).daprUrl}/v1.0/metadata`, { signal: AbortSignal.timeout(3000) });
    return (await res.json()) as SidecarMetadata;
  }

  /** The components an app's sidecar has loaded. */
  async components(appId: string): Promise<NonNullable<SidecarMetadata['components']>> {
    return (await this.metadata(appId)).components ?? [];
  }

  /** The subscriptions an app's sidecar runs. */
  async subscriptions(appId: string): Promise<NonNullable<SidecarMetadata['subscriptions']>> {
    return (await this.metadata(appId)).subscriptions ?? [];
  }

  /**
   * Starts one more app with its sidecar into the running environment (a user who joins late),
   * and waits until it is ready.
   */
  async addApp(app: AppSpec): Promise<RunningApp> {
    if (this.apps.has(nameOf(app))) throw new Error(`App \`${nameOf(app)}\` is already running`);
    this.spec.apps.push(app);
    const running = await launchApp(this, app, this.daprd, this.spec);
    await waitUntilReady(this, running, this.spec, AbortSignal.timeout(this.spec.readyTimeoutMs ?? 30_000));
    return running;
  }

  /** Kills an app's service (not its sidecar), as a crash would. */
  async killApp(appId: string): Promise<void> {
    const app = this.app(appId);
    app.process?.killNow();
    await app.process?.exited;
  }

  /** Starts an app's service again on the same port, and waits until it listens. */
  async restartApp(appId: string): Promise<void> {
    const app = this.app(appId);
    const spec = this.spec.apps.find((a) => nameOf(a) === appId)!;
    if (!spec.command || app.appPort === undefined) throw new Error(`App \`${appId}\` has no service to restart`);
    if (app.process && !app.process.hasExited) await app.process.stop();
    app.process = await startApp({
      appId: app.appId,
      name: app.name,
      command: spec.command,
      cwd: spec.cwd ?? process.cwd(),
      env: spec.env,
      appPort: app.appPort,
      sidecarPorts: app.sidecar.ports,
      log: this.log,
    });
    await waitForApp(app.process, app.appPort, AbortSignal.timeout(this.spec.appListenTimeoutMs ?? 20_000), this.log);
  }

  /**
   * What happened since `at`, for a failure report: the apps' own output and the sidecars'
   * notable lines (warnings, errors, routing decisions), newest last.
   */
  excerpt(at: number, limit = 20): string[] {
    return this.log
      .since(at)
      .filter((l) => !l.source.startsWith('daprd ') || isNotableSidecarLine(l.text))
      .filter((l) => l.source !== 'redis')
      .slice(-limit)
      .map(formatLine);
  }

  /** Log lines of the run, `[source] text`; all sources, or the ones named. */
  tail(count = 40, sources?: string[]): string[] {
    return this.log.tail(count, sources);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const apps = [...this.apps.values()];
    await Promise.all(apps.map((a) => a.process?.stop(1000)));
    await Promise.all(apps.map((a) => a.sidecar.process.stop(3000)));
    await Promise.all(apps.map((a) => a.probe?.close()));
    await this.redis?.stop();
    removeOwnedPath(this.runDir);
    for (const file of this.compiled) rmSync(file, { force: true });
  }
}

// Checks build their apps from an exercise folder's dapr.yaml with this.
export { readRunFile } from './run-file.js';

export async function startEnvironment(spec: EnvironmentSpec): Promise<Environment> {
  installSignalCleanup();
  reapOrphans();
  const started = Date.now();
  const log = spec.log ?? new RunLog();
  const ids = new Set<string>();
  for (const app of spec.apps) {
    if (ids.has(nameOf(app))) throw new LearnerCodeError(`Two apps have the app-id \`${app.appId}\`; each sidecar needs its own.`);
    ids.add(nameOf(app));
  }
  // Validate the learner's YAML before starting anything: a bad file is their mistake, reported first.
  const resources = [
    ...(spec.resourcesDir ? readResources(spec.resourcesDir) : []),
    ...(spec.extraResources ?? []).flatMap((text, i) => parseResources(text, `check resource ${i + 1}`)),
  ];
  const runtime = await chooseRuntime();
  const daprd = runtime === 'local' ? (await ensureDaprd()).path : DAPRD_IMAGE;
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'course-run-'));
  ownPath(runDir);
  const env = new Environment(log, runDir, spec, daprd, resources);
  env.runtime = runtime;
  try {
    await start(env, spec, daprd, started);
    return env;
  } catch (error) {
    await env.stop();
    throw error;
  }
}

async function start(env: Environment, spec: EnvironmentSpec, daprd: string, started: number): Promise<void> {
  const { log, runDir, resources } = env;
  const readyTimeoutMs = spec.readyTimeoutMs ?? 30_000;
  const deadline = AbortSignal.timeout(readyTimeoutMs);
  for (const app of spec.apps) {
    for (const port of [app.appPort, app.daprHttpPort, app.daprGrpcPort]) {
      if (port !== undefined && (await portInUse(port))) {
        throw new EnvironmentError(
          `Port ${port} (for ${app.appId}) is already in use by another program. Stop that program, or change the port in dapr.yaml.`,
        );
      }
    }
  }
  if (spec.redis !== false) env.redis = env.runtime === 'docker' ? await startRedisContainer(log, await freePort()) : await startRedis(log);
  const resourcesDir = path.join(runDir, 'resources');
  writeResources(resourcesDir, fillBrokerAddresses(resources, { redis: env.redis?.address }));

  env.resourcesDir = resourcesDir;

  // Start all sidecars and apps at once: they find each other.
  // allSettled: every launch has registered what it started before a failure tears the run down.
  const launched = await Promise.allSettled(spec.apps.map((app) => launchApp(env, app, daprd, spec)));
  const failed = launched.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const all = launched.map((r) => (r as PromiseFulfilledResult<RunningApp>).value);

  let componentsLoaded = 0;
  await Promise.all(
    all.map((app) =>
      waitUntilReady(env, app, spec, deadline, () => {
        if (++componentsLoaded === all.length) env.timings.environmentMs = Date.now() - started;
      }),
    ),
  );
  env.timings.servicesMs = Date.now() - started - env.timings.environmentMs;
}

/** Names of the components daprd loads for an app-id (those without scopes, or scoped to it). */
function componentsFor(resources: ResourceDoc[], appId: string): string[] {
  return resources
    .filter(({ doc }) => doc.kind === 'Component' && (!Array.isArray(doc.scopes) || doc.scopes.includes(appId)))
    .filter(({ doc }) => !(doc.spec as { ignoreErrors?: boolean } | undefined)?.ignoreErrors)
    .map(({ doc }) => String((doc.metadata as { name: string }).name));
}

function nameOf(app: AppSpec): string {
  return app.name ?? app.appId;
}

/** Allocates ports and starts one app's sidecar and its service (or probe). */
async function launchApp(env: Environment, app: AppSpec, daprd: string, spec: EnvironmentSpec): Promise<RunningApp> {
  const ports: SidecarPorts = {
    http: app.daprHttpPort ?? (await freePort()),
    grpc: app.daprGrpcPort ?? (await freePort()),
    internalGrpc: await freePort(),
    metrics: await freePort(),
  };
  // Compile first: a syntax error is reported before any sidecar starts for it.
  const prepared = app.command ? await prepareCommand(app.command, app.cwd ?? process.cwd()) : undefined;
  if (prepared?.compiled) env.compiled.add(prepared.compiled);
  let appPort = app.appPort;
  let probe: Probe | undefined;
  if (app.probe) {
    probe = new Probe(app.probe);
    appPort = await probe.listen(appPort ?? 0);
  } else if (app.command && appPort === undefined) {
    appPort = await freePort();
  }
  const sidecarOptions = { appId: app.appId, name: nameOf(app), appPort, ports, resourcesDir: env.resourcesDir, log: env.log, logLevel: spec.logLevel };
  const sidecar = env.runtime === 'docker' ? await startSidecarContainer(sidecarOptions) : startSidecar({ daprd, ...sidecarOptions });
  const running: RunningApp = {
    appId: app.appId,
    name: nameOf(app),
    appPort,
    appUrl: appPort === undefined ? undefined : `http://127.0.0.1:${appPort}`,
    sidecar,
    daprUrl: sidecar.url,
    probe,
  };
  // Registered at once, so that stop() finds it whatever fails next.
  env.apps.set(running.name, running);
  if (prepared) {
    running.process = spawnApp(
      { appId: app.appId, name: nameOf(app), command: app.command!, cwd: app.cwd ?? process.cwd(), env: app.env, appPort, sidecarPorts: ports, log: env.log },
      prepared,
    );
  }
  return running;
}

/** Waits for an app's sidecar (and service) to be ready, turning failures into plain reasons. */
async function waitUntilReady(
  env: Environment,
  app: RunningApp,
  spec: EnvironmentSpec,
  deadline: AbortSignal,
  onComponentsLoaded?: () => void,
): Promise<void> {
  const { log } = env;
  const readySeconds = (spec.readyTimeoutMs ?? 30_000) / 1000;
  const listenMs = spec.appListenTimeoutMs ?? 20_000;
  const appListenLimit = AbortSignal.any([deadline, AbortSignal.timeout(listenMs)]);
  try {
    await Promise.all([
      waitForSidecar(app.sidecar, {
        hasApp: app.appPort !== undefined,
        signal: deadline,
        log,
        components: componentsFor(env.resources, app.appId),
        onComponentsLoaded,
      }),
      app.process && app.appPort !== undefined
        ? waitForApp(app.process, app.appPort, appListenLimit, log).catch((error: unknown) => {
            if (error instanceof LearnerCodeError || deadline.aborted) throw error;
            throw appNeverListenedError(app.name, app.appPort!, listenMs / 1000, log);
          })
        : undefined,
    ]);
  } catch (error) {
    if (app.process?.hasExited) throw appExitError(app.process, log, app.appPort);
    if (deadline.aborted && !(error instanceof LearnerCodeError) && !(error instanceof EnvironmentError)) {
      throw sidecarTimeoutError(app.sidecar, log, readySeconds, app.appPort !== undefined);
    }
    throw error;
  }
}

export { EnvironmentError, HarnessTimeoutError, LearnerCodeError, RunLog };
