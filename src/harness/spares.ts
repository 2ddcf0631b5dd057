// Runs started ahead ("spares"): while the learner edits (`course watch`, `course dev check --warm`),
// the next check's worker starts the run the last check asked for as far as it can without the
// learner's code: Redis, every sidecar with its components loaded, the probes, and each service as
// a standby with its packages loaded (standby-service.ts). The check takes that spare when it asks
// for the very same run, with its resources unchanged, and only compiles and starts the services.
// Nothing has gone through a spare before that: it is the run a cold check would start, started
// earlier. Anything else (a changed spec or resource, a spare that failed or whose process died) is
// stopped and the run starts cold, as `course check` always does.
import { isDeepStrictEqual } from 'node:util';
import { canConnect } from './ports.js';
import { resourcesOf, startEnvironment, startServices, startSidecarsAhead, type Environment, type EnvironmentSpec } from './environment.js';

interface Spare {
  key: string;
  /** The environment once its sidecars are ready; undefined when it could not start. */
  ready: Promise<Environment | undefined>;
}

const spares: Spare[] = [];
/** The runs this process's check asked for, for the next check's spares. */
const asked: EnvironmentSpec[] = [];

/**
 * Starts a check's run: on a spare started ahead for the same run when there is one, else cold.
 * Either way the run is what `startEnvironment` starts.
 */
export async function startCheckEnvironment(spec: EnvironmentSpec, { spareWaitMs = SPARE_WAIT_MS } = {}): Promise<Environment> {
  const askedAt = Date.now();
  const key = keyOf(spec);
  if (key === undefined) return startEnvironment(spec);
  asked.push(JSON.parse(key) as EnvironmentSpec);
  const spare = takeSpare(key);
  const env = spare && (await readyWithin(spare, spareWaitMs));
  if (!env) return startEnvironment(spec);
  if (!(await stillFits(env, spec))) {
    stopLater(env.stop());
    return startEnvironment(spec);
  }
  try {
    // From the ask: waiting for a spare still starting is the environment's time.
    await startServices(env, spec, askedAt);
    env.timings.startedAhead = true;
    return env;
  } catch (error) {
    await env.stop();
    throw error;
  }
}

/** Starts a spare for each run (as given by `askedRuns` in the last check's worker); each, once ready. */
export function prepareSpares(specs: EnvironmentSpec[]): Promise<Environment | undefined>[] {
  return specs.flatMap((spec) => {
    const key = keyOf(spec);
    if (key === undefined) return [];
    const spare = { key, ready: startSidecarsAhead(spec).catch(() => undefined) };
    spares.push(spare);
    return [spare.ready];
  });
}

/** The runs this process's check started, as plain data. */
export function askedRuns(): EnvironmentSpec[] {
  return [...asked];
}

/** Stops every spare no check took. */
export async function dropSpares(): Promise<void> {
  const left = spares.splice(0);
  await Promise.all([...left.map(async (spare) => (await spare.ready)?.stop()), ...late]);
}

/**
 * How long a check waits for a spare still starting: a spare that takes longer (a sidecar that will
 * not get ready) must not make the check's own start, and its failure message, come later.
 */
const SPARE_WAIT_MS = 5000;
/** Spares a check did not take after all, stopping (once they are up). */
const late = new Set<Promise<void>>();

async function readyWithin(spare: Spare, ms: number): Promise<Environment | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const env = await Promise.race([spare.ready, new Promise<'late'>((resolve) => (timer = setTimeout(resolve, ms, 'late')))]);
  clearTimeout(timer);
  if (env !== 'late') return env;
  stopLater(spare.ready.then((started) => started?.stop()));
  return undefined;
}

/** A spare's stop, which the run does not wait for (dropSpares does). */
function stopLater(stopping: Promise<void>): void {
  late.add(stopping);
  void stopping.finally(() => late.delete(stopping));
}

function takeSpare(key: string): Spare | undefined {
  const index = spares.findIndex((s) => s.key === key);
  return index < 0 ? undefined : spares.splice(index, 1)[0];
}

/**
 * The spec as canonical JSON; undefined for a run that cannot be carried to another process as
 * data (one that logs to the caller's RunLog, `course run`).
 */
function keyOf(spec: EnvironmentSpec): string | undefined {
  if (spec.log) return undefined;
  return JSON.stringify(spec, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  );
}

/**
 * Its resources read the same now, every process it started still runs and every front still
 * listens, and no other program listens on a port where a service, or the hop in front of it, is
 * yet to listen (chosen while the learner was editing).
 */
async function stillFits(env: Environment, spec: EnvironmentSpec): Promise<boolean> {
  let resources;
  try {
    resources = resourcesOf(spec);
  } catch {
    return false; // a cold start reports the file
  }
  if (!isDeepStrictEqual(resources, env.resources)) return false;
  if (env.redis?.process.hasExited) return false;
  const apps = [...env.apps.values()];
  if (apps.some((app) => app.sidecar.process.hasExited)) return false;
  if (apps.some((app) => app.fronts?.some((front) => !front.listening))) return false;
  const toListen = apps
    .filter((app) => !app.probe)
    .flatMap((app) => [app.appPort, app.recording?.daprdAppPort])
    .filter((port): port is number => port !== undefined);
  // Connected to, not bound: a bind, however brief, could be what a sidecar discovers as its app.
  return !(await Promise.all(toListen.map((port) => canConnect(port)))).some(Boolean);
}
