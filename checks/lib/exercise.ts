// Shared helpers for graded checks. A check file calls `useExercise()` once at the top; the
// helpers start the exercise's services (from its dapr.yaml) behind real sidecars on a real Redis,
// plus any probe subscribers the check needs, and tear everything down after the last expectation.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import {
  markVerdictKnown,
  readRunFile,
  startCheckEnvironment,
  writeReportFile,
  type AppSpec,
  type Environment,
  type EnvironmentSpec,
  type RunFileApp,
} from '../../src/harness/check-api.js';

export type { Delivery, Environment, ProbeSubscription } from '../../src/harness/check-api.js';

/** The folder being graded: the learner's work folder, or a scratch copy in `course dev check`. */
export function exerciseDir(): string {
  const dir = process.env.COURSE_EXERCISE_DIR;
  if (!dir) throw new Error('COURSE_EXERCISE_DIR is not set: run checks through `course check`.');
  return dir;
}

export interface UseExerciseOptions {
  /** Subscribers living in the check, each behind its own sidecar. */
  probes?: AppSpec[];
  /** Apps from dapr.yaml to leave out (e.g. a check that plays that part itself). */
  skipApps?: string[];
  /** Extra YAML resources the check adds (e.g. a resiliency policy the exercise does not own). */
  extraResources?: string[];
  /** Resources folder to use instead of dapr.yaml's. */
  resourcesDir?: string;
  /** Extra environment for every app. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  logLevel?: EnvironmentSpec['logLevel'];
  /** Adjusts the run before it starts (e.g. a gate in front of a sidecar: sidecar-gate.ts). */
  beforeStart?: (spec: EnvironmentSpec) => void | Promise<void>;
}

/**
 * Registers beforeAll/afterAll hooks and returns a getter for the running environment. When the
 * environment cannot start, every expectation fails with the reason (a LearnerCodeError for the
 * learner's mistakes, an EnvironmentError for the machine's).
 */
export function useExercise(options: UseExerciseOptions = {}): () => Environment {
  let env: Environment | undefined;
  beforeAll(async () => {
    const spec = exerciseSpec(options);
    await options.beforeStart?.(spec);
    env = await startCheckEnvironment(spec);
    const reportDir = process.env.COURSE_CHECK_REPORT_DIR;
    if (reportDir) writeFileSync(path.join(reportDir, 'timings.json'), JSON.stringify(env.timings));
  });
  let testStarted = 0;
  beforeEach(() => {
    testStarted = Date.now();
    // Once a process of the run has died, every later expectation fails at once, for that reason.
    const failure = env?.failure();
    if (failure) throw failure;
  });
  afterEach(async (context) => {
    if (env && context.task.result?.state === 'fail') {
      // Only what happened during this expectation: earlier output belongs to earlier ones.
      const excerpt = env.excerpt(testStarted);
      if (excerpt.length > 0) context.task.meta.logExcerpt ??= excerpt;
      if (env.timeline.enabled) {
        await env.timeline.readBroker();
        const about = (context.task.result.errors ?? []).flatMap((e) => (e as { about?: string[] }).about ?? []);
        const events = env.timeline.between(testStarted, Date.now(), undefined, about);
        if (events.length > 0) context.task.meta.timeline ??= events;
      }
      // A process that died meanwhile explains the failure better than the expectation can. A
      // request a crash cut off fails a moment before the crashed process has exited.
      const cutOff = context.task.result.errors?.some((e) => CONNECTION_LOST.test(String(e.message)));
      const failure = cutOff ? await env.watch.failureWithin(1000) : env.failure();
      if (failure) throw failure;
    }
  });
  afterAll(async () => {
    const reportDir = process.env.COURSE_CHECK_REPORT_DIR;
    if (reportDir) {
      if (env?.timeline.enabled) writeReportFile(reportDir, 'timeline.json', JSON.stringify(await env.timeline.settle()));
      // The report is complete: `course check` prints it while the run is stopped.
      markVerdictKnown(reportDir);
    }
    await env?.stop();
  });
  return () => {
    if (!env) throw new Error('The environment did not start (see the first failure).');
    return env;
  };
}

const CONNECTION_LOST = /fetch failed|ECONNRESET|ECONNREFUSED|UND_ERR_SOCKET|socket hang up|other side closed/;

export function exerciseSpec(options: UseExerciseOptions = {}): EnvironmentSpec {
  const runFile = readRunFile(exerciseDir());
  const apps: AppSpec[] = runFile.apps
    .filter((app) => !options.skipApps?.includes(app.appId))
    .map((app) => appSpecOf(app, options.env));
  return {
    resourcesDir: options.resourcesDir ?? runFile.apps[0]?.resourcesDir,
    extraResources: options.extraResources,
    apps: [...apps, ...(options.probes ?? [])],
    readyTimeoutMs: options.readyTimeoutMs,
    logLevel: options.logLevel,
  };
}


/** A dapr.yaml app as the harness starts it in a check (free ports, so none of the file's). */
export function appSpecOf(app: RunFileApp, extraEnv: Record<string, string> = {}): AppSpec {
  return { appId: app.appId, command: app.command, cwd: app.dir, env: { ...app.env, ...extraEnv } };
}
