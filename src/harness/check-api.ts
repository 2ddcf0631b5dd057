// What graded checks (checks/**) may use of the runner: they import it from here and from nowhere
// else in src/. One door lets `course check` hand a check's worker this API as one bundled file
// (dist/harness/check-api.bundle.js, made by src/cold-bundles.ts): loading the ~230 small modules
// behind it (the harness, execa, zod, yaml) one by one was most of the worker's start, every check.
export * from './environment.js';
export * from './errors.js';
export * from './ports.js';
export * from './probe.js';
export * from './resources.js';
export * from './run-file.js';
export * from './spares.js';
export type { SidecarApi, SidecarFront } from './sidecar-front.js';
export { connectRedis } from './redis-client.js';
export * from '../grading/verdict-known.js';
