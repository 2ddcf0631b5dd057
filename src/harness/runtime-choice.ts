// Where each part of a run runs, decided per part: daprd is local when one is found (or Go can
// build one), Redis is local when redis-server is found; a part with nothing local runs in a
// container when an engine answers. The usual learner's machine (Docker and `dapr init`, no
// redis-server) thus gets a local daprd and a Redis container, and no container has to reach the
// host. COURSE_RUNTIME forces a plan:
//   local   daprd and redis-server on this machine
//   mixed   a local daprd, Redis in a container (what `dapr init` sets up)
//   docker  daprd and Redis in containers
import { findEngine } from './container-engine.js';
import { findDaprd } from './daprd-binary.js';
import { EnvironmentError } from './errors.js';
import { findRedisServer } from './redis.js';
import { findOnPath } from './which.js';

export type Where = 'local' | 'container';

export interface PartChoice {
  where: Where;
  /** Why, in a phrase `course doctor` shows. */
  why: string;
}

export interface RuntimePlan {
  daprd: PartChoice;
  redis: PartChoice;
}

export const RUNTIME_MODES = ['local', 'mixed', 'docker'] as const;

export function usesContainers(plan: RuntimePlan): boolean {
  return plan.daprd.where === 'container' || plan.redis.where === 'container';
}

export async function chooseRuntime(): Promise<RuntimePlan> {
  const forced = process.env.COURSE_RUNTIME;
  if (forced) return forcedPlan(forced);
  const daprd = localDaprd();
  const redis = findRedisServer();
  const local = { daprd: daprd.found ? { where: 'local' as const, why: daprd.why } : undefined, redis: redis ? { where: 'local' as const, why: messages.redisFound(redis) } : undefined };
  if (local.daprd && local.redis) return { daprd: local.daprd, redis: local.redis };
  // Something is not installed: a container engine can stand in for it.
  const engine = await findEngine();
  const fallback = (missing: string): PartChoice =>
    engine.ok ? { where: 'container', why: messages.inContainer(missing) } : { where: 'local', why: messages.nothing(missing, engine.why) };
  return {
    daprd: local.daprd ?? fallback(daprd.why),
    redis: local.redis ?? fallback(messages.noRedis),
  };
}

function forcedPlan(mode: string): RuntimePlan {
  const why = messages.forced(mode);
  switch (mode) {
    case 'local':
      return { daprd: { where: 'local', why }, redis: { where: 'local', why } };
    case 'mixed':
      return { daprd: { where: 'local', why }, redis: { where: 'container', why } };
    case 'docker':
      return { daprd: { where: 'container', why }, redis: { where: 'container', why } };
    default:
      throw new EnvironmentError(messages.badMode(mode));
  }
}

/** A daprd found (or Go to build one), with how. A DAPRD_PATH that does not run counts as found: using it reports why. */
function localDaprd(): { found: boolean; why: string } {
  try {
    const daprd = findDaprd();
    if (daprd) return { found: true, why: messages.daprdFound(daprd.version, daprd.source) };
  } catch (error) {
    return { found: true, why: (error as Error).message };
  }
  if (findOnPath('go')) return { found: true, why: messages.goBuilds };
  return { found: false, why: messages.noDaprd };
}

const messages = {
  forced: (mode: string) => `COURSE_RUNTIME=${mode}`,
  badMode: (mode: string) => `COURSE_RUNTIME is \`${mode}\`: use ${RUNTIME_MODES.map((m) => `\`${m}\``).join(', ')}, or unset it to let the course choose.`,
  daprdFound: (version: string, source: string) => `daprd ${version} found through ${source}`,
  goBuilds: 'no daprd found; Go is installed to build one (`npx course setup`)',
  noDaprd: 'no daprd found and no Go to build one',
  redisFound: (path: string) => `redis-server found at ${path}`,
  noRedis: 'no redis-server on PATH',
  inContainer: (missing: string) => `${missing}; a container engine answers`,
  nothing: (missing: string, why: string) => `${missing}, and no container engine answers (${why})`,
};
