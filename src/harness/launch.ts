// How one app of a run is started: its ports, its probe or recording hops, its sidecar, and its
// service (compiled, spawned, or handed to a standby started ahead). environment.ts runs these for
// every app of a run, cold or started ahead (spares.ts).
import { appEnvironment, prepareCommand, spawnApp, type AppLaunch, type PreparedCommand } from './app.js';
import type { AppSpec, Environment, EnvironmentSpec, RunningApp } from './environment.js';
import { APP_LISTEN_HOST } from './network-layout.js';
import { freePort } from './ports.js';
import { Probe } from './probe.js';
import { removeOwnedPath, type ManagedProcess } from './processes.js';
import { recordApp, type AppRecording } from './recorder.js';
import { Front, type SidecarApi } from './sidecar-front.js';
import type { Sidecar, SidecarPorts } from './sidecar.js';
import { canStandBy, StandbyService } from './standby-service.js';

export function nameOf(app: AppSpec): string {
  return app.name ?? app.appId;
}

/** Allocates ports and starts one app's sidecar and its service (or probe). */
export async function launchApp(env: Environment, app: AppSpec, spec: EnvironmentSpec): Promise<RunningApp> {
  // Compile first: a syntax error is reported before any sidecar starts for it.
  const prepared = app.command ? await compile(env, app) : undefined;
  const planned = await planApp(env, app, Boolean(prepared));
  await attachFronts(app, planned.fronts).catch(async (error: unknown) => {
    await closePlanned(planned);
    throw error;
  });
  // A sidecar in a container takes a while to start: the service starts meanwhile, as under
  // `dapr run` (it waits for its sidecar).
  const starting = startSidecarOf(env, app, planned, spec);
  const service = prepared ? spawnService(env, app, planned, prepared) : undefined;
  const sidecar = await starting.catch(async (error: unknown) => {
    await Promise.all([service?.stop(1000), closePlanned(planned)]);
    throw error;
  });
  return register(env, app, planned, sidecar, service);
}

/** One app's sidecar (and probe), without its service. */
export async function launchSidecar(env: Environment, app: AppSpec, spec: EnvironmentSpec): Promise<RunningApp> {
  const planned = await planApp(env, app, Boolean(app.command));
  const sidecar = await startSidecarOf(env, app, planned, spec).catch(async (error: unknown) => {
    await closePlanned(planned);
    throw error;
  });
  return register(env, app, planned, sidecar, undefined);
}

export interface PlannedApp {
  ports: SidecarPorts;
  appPort?: number;
  probe?: Probe;
  recording?: AppRecording;
  fronts?: Front[];
}

/** What planApp opened, closed: for a launch that fails before the app is registered. */
async function closePlanned(planned: PlannedApp): Promise<void> {
  await Promise.all([planned.probe?.close(), planned.recording?.close(), ...(planned.fronts ?? []).map((f) => f.close())]);
}

/**
 * Attaches the check to the app's fronts (AppSpec.onFront): before its service starts, or is given
 * its code, so that it never finds a front nobody serves.
 */
export async function attachFronts(app: AppSpec, fronts: Front[] = []): Promise<void> {
  if (fronts.length > 0 && !app.onFront) throw new Error(`${nameOf(app)} reaches its sidecar through fronts (${app.fronts?.join(', ')}), but no onFront serves them`);
  for (const front of fronts) await app.onFront!(front);
}

/** The port the app is told for its sidecar's `api`, when a front stands there. */
function frontPort(fronts: Front[] | undefined, api: SidecarApi): number | undefined {
  return fronts?.find((f) => f.api === api)?.port;
}

/** The app's ports, its fronts and probe listening, the hops recording it. */
async function planApp(env: Environment, app: AppSpec, hasService: boolean): Promise<PlannedApp> {
  const ports: SidecarPorts = {
    http: app.daprHttpPort ?? (await freePort()),
    grpc: app.daprGrpcPort ?? (await freePort()),
    internalGrpc: await freePort(),
    metrics: await freePort(),
  };
  const fronts = app.fronts && (await Promise.all(app.fronts.map((api) => Front.listen(api, ports[api]))));
  let appPort = app.appPort;
  let probe: Probe | undefined;
  if (app.probe) {
    probe = new Probe(app.probe);
    appPort = await probe.listen(appPort ?? 0);
  } else if (app.command && appPort === undefined) {
    appPort = await freePort();
  }
  env.timeline.addApp(nameOf(app), app.appId);
  const recording = env.timeline.enabled
    ? await recordApp(env.timeline, {
        name: nameOf(app),
        appPort,
        callsSidecar: hasService,
        daprHttpPort: frontPort(fronts, 'http') ?? ports.http,
        listenHost: APP_LISTEN_HOST,
        log: env.log,
        signal: env.stopping.signal,
      })
    : undefined;
  return { ports, appPort, probe, recording, fronts };
}

function startSidecarOf(env: Environment, app: AppSpec, planned: PlannedApp, spec: EnvironmentSpec): Promise<Sidecar> {
  return env.runtime.startSidecar({
    appId: app.appId,
    name: nameOf(app),
    appPort: planned.recording?.daprdAppPort ?? planned.appPort,
    ports: planned.ports,
    resourcesDir: env.resourcesDir,
    log: env.log,
    logLevel: spec.logLevel,
    extraArgs: app.sidecarArgs,
  });
}

export async function compile(env: Environment, app: AppSpec): Promise<PreparedCommand> {
  const prepared = await prepareCommand(app.command!, app.cwd ?? process.cwd());
  if (prepared.compiled) env.compiled.add(prepared.compiled);
  return prepared;
}

/** The app's service, told its ports (through the recording's hop where there is one). */
export function spawnService(env: Environment, app: AppSpec, planned: PlannedApp, prepared: PreparedCommand): ManagedProcess {
  return spawnApp(launchOf(env, app, planned), prepared);
}

function launchOf(env: Environment, app: AppSpec, planned: PlannedApp): AppLaunch {
  return {
    appId: app.appId,
    name: nameOf(app),
    command: app.command!,
    cwd: app.cwd ?? process.cwd(),
    env: app.env,
    appPort: planned.appPort,
    sidecarPorts: planned.ports,
    daprHttpPortForApp: planned.recording?.appDaprHttpPort ?? frontPort(planned.fronts, 'http'),
    daprGrpcPortForApp: frontPort(planned.fronts, 'grpc'),
    log: env.log,
  };
}

/**
 * A service of a run started ahead, waiting for its code with its packages loaded, when it is one
 * that can (standby-service.ts); none when it does not compile now (the run reports that).
 */
export async function startStandby(env: Environment, app: AppSpec): Promise<void> {
  if (!app.command) return;
  const prepared = await prepareCommand(app.command, app.cwd ?? process.cwd()).catch(() => undefined);
  if (!prepared || !canStandBy(prepared)) {
    if (prepared?.compiled) removeOwnedPath(prepared.compiled);
    return;
  }
  const launch = launchOf(env, app, plannedOf(env.app(nameOf(app))));
  env.standbys.set(nameOf(app), new StandbyService(prepared, { name: launch.name!, cwd: launch.cwd, env: appEnvironment(launch), log: env.log }));
}

/** What a running app was given, for starting its service again. */
export function plannedOf(app: RunningApp): PlannedApp {
  return { ports: app.sidecar.ports, appPort: app.appPort, probe: app.probe, recording: app.recording, fronts: app.fronts };
}

function register(env: Environment, app: AppSpec, planned: PlannedApp, sidecar: Sidecar, service: ManagedProcess | undefined): RunningApp {
  const running: RunningApp = {
    appId: app.appId,
    name: nameOf(app),
    appPort: planned.appPort,
    appUrl: planned.appPort === undefined ? undefined : `http://${APP_LISTEN_HOST}:${planned.appPort}`,
    sidecar,
    daprUrl: sidecar.url,
    process: service,
    probe: planned.probe,
    recording: planned.recording,
    fronts: planned.fronts,
  };
  // Registered at once, so that stop() finds it whatever fails next.
  env.apps.set(running.name, running);
  return running;
}
