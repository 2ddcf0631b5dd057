// Getting what this machine's runtime plan needs, before a check's clock starts and in `course
// setup`, with progress a learner can see: a local daprd (found, or built with Go), and the images
// of the parts that run in containers (pulled once).
import { findEngine, START_ENGINE_HINT } from './container-engine.js';
import { ensureImage } from './containers.js';
import { ensureDaprd } from './daprd-binary.js';
import { DAPRD_IMAGE, REDIS_IMAGE } from './docker.js';
import { EnvironmentError } from './errors.js';
import { findRedisServer, REDIS_INSTALL_HINT } from './redis.js';
import { chooseRuntime, type PartChoice, type RuntimePlan } from './runtime-choice.js';

export type Part = keyof RuntimePlan;

/** Every part of the plan, provisioned. Throws an EnvironmentError saying what to install. */
export async function provisionRuntime(onProgress: (line: string) => void = () => {}): Promise<RuntimePlan> {
  const plan = await chooseRuntime();
  await provisionPart('daprd', plan.daprd, onProgress);
  await provisionPart('redis', plan.redis, onProgress);
  return plan;
}

/** One part, where the plan runs it; returns what it will run, in a line for `course setup`. */
export async function provisionPart(part: Part, choice: PartChoice, onProgress: (line: string) => void = () => {}): Promise<string> {
  if (choice.where === 'container') {
    const image = part === 'daprd' ? DAPRD_IMAGE : REDIS_IMAGE;
    const answer = await findEngine();
    if (!answer.ok) throw new EnvironmentError(messages.noEngine(image, answer.why));
    await ensureImage(answer.engine, image, onProgress);
    return messages.inContainer(image, choice.why);
  }
  if (part === 'daprd') {
    const daprd = await ensureDaprd(onProgress);
    return messages.daprd(daprd.version, daprd.path, daprd.source);
  }
  const redis = findRedisServer();
  if (!redis) throw new EnvironmentError(messages.noRedis);
  return messages.redis(redis);
}

const messages = {
  inContainer: (image: string, why: string) => `runs in a container, ${image} (${why})`,
  daprd: (version: string, path: string, source: string) => `daprd ${version} at ${path} (found through ${source})`,
  redis: (path: string) => `redis-server at ${path}`,
  noRedis: `redis-server was not found on PATH. ${REDIS_INSTALL_HINT}`,
  noEngine: (image: string, why: string) =>
    `${image} must run in a container here, but no container engine answers: ${why}. ${START_ENGINE_HINT}`,
};
