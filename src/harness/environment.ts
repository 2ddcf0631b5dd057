// The harness's one entry point: start an isolated Redis, N real daprd sidecars and the apps behind
// them, wait until everything is really ready, and tear it all down whatever happens.
//
//   const env = await startEnvironment({ resourcesDir, apps: [{ appId: 'orders', command: [...] }] });
//   await env.publish('orders', 'pubsub', 'orders', { id: 1 });
//   await env.stop();
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appExitError, appNeverListenedError, waitForApp } from './app.js';
import { attachFronts, compile, launchApp, launchSidecar, nameOf, plannedOf, spawnService, startStandby } from './launch.js';
import type { StandbyService } from './standby-service.js';
import type { Front, SidecarApi, SidecarFront } from './sidecar-front.js';
import { EnvironmentError, HarnessTimeoutError, LearnerCodeError } from './errors.js';
import { canConnect, portInUse } from './ports.js';
import { Probe, type ProbeSubscription } from './probe.js';
import { formatLine, installSignalCleanup, ownPath, reapOrphans, removeOwnedPath, RunLog, stopUnderWay, type ManagedProcess } from './processes.js';
import type { RedisServer } from './redis.js';
import { checkRedisAddresses, componentFile, parseResources, readResources, writeResources, type ResourceDoc } from './resources.js';
import { loadRedisClient } from './redis-client.js';
import { RunRuntime } from './runtime.js';
import { RunWatch } from './run-watch.js';
import { isNotableSidecarLine, sidecarTimeoutError, waitForSidecar, type Sidecar } from './sidecar.js';
import { now } from '../timeline/hop.js';
import { Timeline } from '../timeline/timeline.js';
import { readSubscriptions, recordRun, TIMELINE_SOURCE, type AppRecording } from './recorder.js';
import { timeLimit } from './time-limit.js';

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
  /** More daprd flags for this app's sidecar (e.g. app health checks). */
  sidecarArgs?: string[];
  /**
   * The sidecar APIs the app reaches through a front the check serves (sidecar-front.ts), not
   * directly: its DAPR_HTTP_PORT / DAPR_GRPC_PORT are the fronts' ports.
   */
  fronts?: SidecarApi[];
  /**
   * Attaches the check to each of the app's fronts, before the app's service starts (or, on a run
   * started ahead, is given its code). A function: not part of the run as data (spares.ts's key).
   */
  onFront?: (front: SidecarFront) => void | Promise<void>;
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
  /** The hops recording its exchanges with its sidecar (see recorder.ts). */
  recording?: AppRecording;
  /** The fronts before its sidecar's APIs that the check serves (AppSpec.fronts). */
  fronts?: Front[];
}

export interface EnvironmentTimings {
  /** Redis ready and every sidecar's components loaded. */
  environmentMs: number;
  /** From there until every app listens and is discovered by its sidecar. */
  servicesMs: number;
  /** Redis and the sidecars were started ahead, while the learner edited (spares.ts). */
  startedAhead?: boolean;
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
  /** Services compiled for this run, deleted when it stops. */
  readonly compiled = new Set<string>();
  /** Services started ahead, waiting for their code (standby-service.ts), by app name. */
  readonly standbys = new Map<string, StandbyService>();
  /** Every event of the run: publishes, delivery attempts and answers, dead letters (COURSE_TIMELINE=off: none). */
  readonly timeline = new Timeline();
  /** Aborted when the run stops. */
  readonly stopping = new AbortController();
  /** Notices a process of the run that stops by itself once the run is up. */
  readonly watch: RunWatch;

  constructor(
    readonly log: RunLog,
    readonly runDir: string,
    private readonly spec: EnvironmentSpec,
    /** Where daprd and Redis run: local processes or containers, per part. */
    readonly runtime: RunRuntime,
    readonly resources: ResourceDoc[],
  ) {
    this.watch = new RunWatch(log, (component) => componentFile(resources, component));
  }

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
    const at = now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
    this.timeline.recordCheckPublish({ at, endedAt: now(), via: fromAppId, pubsub, topic, contentType, body, metadata: options.metadata ?? {}, status: res.status });
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
    const running = await launchApp(this, app, this.spec);
    await waitUntilReady(this, running, this.spec, timeLimit(this.spec.readyTimeoutMs ?? 30_000));
    if (this.timeline.enabled) await readSubscriptions(this);
    this.watch.app(running);
    return running;
  }

  /**
   * The first process of the run that stopped by itself once the run was up (a service that
   * crashed, a sidecar or Redis that died or was killed), as the error that names it; undefined
   * while everything runs.
   */
  failure(): EnvironmentError | LearnerCodeError | undefined {
    return this.watch.failure;
  }

  /**
   * The check is about to make an app's service exit by itself (a crash it stages through a switch
   * the exercise provides): that exit is no failure of the run.
   */
  expectExit(appId: string): void {
    const proc = this.app(appId).process;
    if (proc) this.watch.stoppedOnPurpose(proc);
  }

  /** Kills an app's service (not its sidecar), as a crash would. */
  async killApp(appId: string): Promise<void> {
    const app = this.app(appId);
    if (app.process) this.watch.stoppedOnPurpose(app.process);
    app.process?.killNow();
    await app.process?.exited;
  }

  /** Starts an app's service again on the same port, and waits until it listens. */
  async restartApp(appId: string): Promise<void> {
    const app = this.app(appId);
    const spec = this.spec.apps.find((a) => nameOf(a) === appId)!;
    if (!spec.command || app.appPort === undefined) throw new Error(`App \`${appId}\` has no service to restart`);
    if (app.process && !app.process.hasExited) {
      this.watch.stoppedOnPurpose(app.process);
      await app.process.stop();
    }
    app.process = spawnService(this, spec, plannedOf(app), await compile(this, spec));
    const listenMs = this.spec.appListenTimeoutMs ?? 20_000;
    await waitForApp(app.process, app.appPort, timeLimit(listenMs), this.log).catch(async (error: unknown) => {
      if (error instanceof LearnerCodeError) throw error;
      throw await appNeverListenedError(app.process!, app.appPort!, listenMs / 1000, this.log);
    });
    this.watch.app(app);
  }

  /**
   * What happened since `at`, for a failure report: the apps' own output and the sidecars'
   * notable lines (warnings, errors, routing decisions), newest last.
   */
  excerpt(at: number, limit = 20): string[] {
    return this.log
      .since(at)
      .filter((l) => !l.source.startsWith('daprd ') || isNotableSidecarLine(l.text))
      .filter((l) => l.source !== 'redis' && l.source !== TIMELINE_SOURCE)
      .slice(-limit)
      .map(formatLine);
  }

  /** Log lines of the run, `[source] text`; all sources, or the ones named. */
  tail(count = 40, sources?: string[]): string[] {
    return this.log.tail(count, sources);
  }

  stop(): Promise<void> {
    this.stoppedAll ??= stopUnderWay(this.stopAll());
    return this.stoppedAll;
  }

  private stoppedAll?: Promise<void>;

  private async stopAll(): Promise<void> {
    this.stopping.abort();
    this.watch.end();
    const apps = [...this.apps.values()];
    await Promise.all(apps.map((a) => a.process?.stop(1000)));
    await Promise.all([...this.standbys].map(([name, standby]) => standby.close(this.apps.get(name)?.process === standby.process)));
    await Promise.all(apps.map((a) => a.sidecar.process.stop(3000)));
    await Promise.all(apps.map((a) => a.probe?.close()));
    await Promise.all(apps.map((a) => a.recording?.close()));
    await Promise.all(apps.flatMap((a) => a.fronts ?? []).map((f) => f.close()));
    this.timeline.close();
    await this.redis?.stop();
    await this.runtime.close();
    removeOwnedPath(this.runDir);
    for (const file of this.compiled) removeOwnedPath(file);
  }
}

// Checks build their apps from an exercise folder's dapr.yaml with this.
export { readRunFile } from './run-file.js';

export async function startEnvironment(spec: EnvironmentSpec): Promise<Environment> {
  const started = Date.now();
  const env = await openEnvironment(spec);
  try {
    await start(env, spec, started);
    return env;
  } catch (error) {
    await env.stop();
    throw error;
  }
}

/**
 * Redis and every sidecar started and their components loaded, but no service yet: a run started
 * ahead of its check (spares.ts), which `startServices` completes. Probes listen already.
 */
export async function startSidecarsAhead(spec: EnvironmentSpec): Promise<Environment> {
  const env = await openEnvironment(spec);
  try {
    await startBroker(env, spec);
    await allLaunched(spec.apps.map((app) => launchSidecar(env, app, spec)));
    await Promise.all(spec.apps.map((app) => startStandby(env, app)));
    const redisClient = loadRedisClient();
    const deadline = timeLimit(spec.readyTimeoutMs ?? 30_000);
    await Promise.all(
      [...env.apps.values()].map((app) =>
        waitForSidecar(app.sidecar, { hasApp: false, signal: deadline, log: env.log, components: componentsFor(env.resources, app.appId) }),
      ),
    );
    await redisClient;
    return env;
  } catch (error) {
    await env.stop();
    throw error;
  }
}

/**
 * Starts the services of an environment whose sidecars were started ahead, and waits until the run
 * is ready; its timings count from `started`.
 */
export async function startServices(env: Environment, spec: EnvironmentSpec, started = Date.now()): Promise<void> {
  const all = [...env.apps.values()];
  await allLaunched(
    all.map(async (app) => {
      const appSpec = spec.apps.find((a) => nameOf(a) === app.name)!;
      await attachFronts(appSpec, app.fronts);
      if (!appSpec.command) return;
      const prepared = await compile(env, appSpec);
      app.process = env.standbys.get(app.name)?.start(prepared) ?? spawnService(env, appSpec, plannedOf(app), prepared);
    }),
  );
  await waitUntilAllReady(env, all, spec, started);
}

/** The run's folder and its environment, once the learner's YAML has been read and found sound. */
async function openEnvironment(spec: EnvironmentSpec): Promise<Environment> {
  installSignalCleanup();
  await reapOrphans();
  const log = spec.log ?? new RunLog();
  const ids = new Set<string>();
  for (const app of spec.apps) {
    if (ids.has(nameOf(app))) throw new LearnerCodeError(`Two apps have the app-id \`${app.appId}\`; each sidecar needs its own.`);
    ids.add(nameOf(app));
  }
  // Validate the learner's YAML before starting anything: a bad file is their mistake, reported first.
  const resources = resourcesOf(spec);
  if (spec.redis !== false) checkRedisAddresses(resources);
  const runtime = await RunRuntime.prepare();
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'course-run-'));
  ownPath(runDir);
  return new Environment(log, runDir, spec, runtime, resources);
}

/** The resources a run's sidecars load: the folder's files and the check's own, as read now. */
export function resourcesOf(spec: EnvironmentSpec): ResourceDoc[] {
  return [
    ...(spec.resourcesDir ? readResources(spec.resourcesDir) : []),
    ...(spec.extraResources ?? []).flatMap((text, i) => parseResources(text, `check resource ${i + 1}`)),
  ];
}

async function start(env: Environment, spec: EnvironmentSpec, started: number): Promise<void> {
  await startBroker(env, spec);
  // Start all sidecars and apps at once: they find each other.
  const launched = await allLaunched(spec.apps.map((app) => launchApp(env, app, spec)));
  // While every process starts (redis-client.ts).
  const redisClient = loadRedisClient();
  await waitUntilAllReady(env, launched, spec, started);
  await redisClient;
}

/**
 * Waits for every launch, then throws the first failure: settled first, so that every launch has
 * registered what it started before a failure tears the run down.
 */
async function allLaunched<T>(launches: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(launches);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Fixed ports free, the run's Redis up, the resources written for the sidecars. */
async function startBroker(env: Environment, spec: EnvironmentSpec): Promise<void> {
  for (const app of spec.apps) {
    for (const port of [app.appPort, app.daprHttpPort, app.daprGrpcPort]) {
      if (port !== undefined && (await portInUse(port))) {
        throw new EnvironmentError(
          `Port ${port} (for ${app.appId}) is already in use by another program. Stop that program, or change the port in dapr.yaml.`,
        );
      }
    }
  }
  if (spec.redis !== false) env.redis = await env.runtime.startRedis(env.log);
  const resourcesDir = path.join(env.runDir, 'resources');
  writeResources(resourcesDir, await env.runtime.resourcesForSidecars(env.resources, env.redis));
  env.resourcesDir = resourcesDir;
  recordRun(env);
}

async function waitUntilAllReady(env: Environment, all: RunningApp[], spec: EnvironmentSpec, started: number): Promise<void> {
  const deadline = timeLimit(spec.readyTimeoutMs ?? 30_000);
  let componentsLoaded = 0;
  await Promise.all(
    all.map((app) =>
      waitUntilReady(env, app, spec, deadline, () => {
        if (++componentsLoaded === all.length) env.timings.environmentMs = Date.now() - started;
      }),
    ),
  );
  env.timings.servicesMs = Date.now() - started - env.timings.environmentMs;
  if (env.timeline.enabled) await readSubscriptions(env);
  if (env.redis) env.watch.redis(env.redis);
  for (const app of all) env.watch.app(app);
}

/** Names of the components daprd loads for an app-id (those without scopes, or scoped to it). */
function componentsFor(resources: ResourceDoc[], appId: string): string[] {
  return resources
    .filter(({ doc }) => doc.kind === 'Component' && (!Array.isArray(doc.scopes) || doc.scopes.includes(appId)))
    .filter(({ doc }) => !(doc.spec as { ignoreErrors?: boolean } | undefined)?.ignoreErrors)
    .map(({ doc }) => String((doc.metadata as { name: string }).name));
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
  const appListenLimit = timeLimit(listenMs, deadline);
  try {
    await Promise.all([
      waitForSidecar(app.sidecar, {
        hasApp: app.appPort !== undefined,
        signal: deadline,
        log,
        components: componentsFor(env.resources, app.appId),
        onComponentsLoaded,
        fileOf: (component) => componentFile(env.resources, component),
      }),
      app.process && app.appPort !== undefined ? waitForApp(app.process, app.appPort, appListenLimit, log) : undefined,
    ]);
  } catch (error) {
    if (app.process?.hasExited) throw appExitError(app.process, log, app.appPort);
    if (error instanceof LearnerCodeError || error instanceof EnvironmentError) throw error;
    // A service that never listened is the cause, whichever limit passed first: not its sidecar.
    if (app.process && app.appPort !== undefined && !(await canConnect(app.appPort))) {
      throw await appNeverListenedError(app.process, app.appPort, deadline.aborted ? readySeconds : listenMs / 1000, log);
    }
    if (deadline.aborted) throw sidecarTimeoutError(app.sidecar, log, readySeconds, app.appPort !== undefined);
    throw error;
  }
}

export { EnvironmentError, HarnessTimeoutError, LearnerCodeError, RunLog };
