// For the signal tests: starts an environment, prints what it runs (processes by pid, containers
// by id), the folders it owns and its run file, and waits to be interrupted; with `--exit`, exits
// at once instead, without stopping anything.
import path from 'node:path';
import { startEnvironment } from '../environment.js';
import { liveProcesses, ownedPaths, runFileOf } from '../processes.js';

const here = import.meta.dirname;
await startEnvironment({
  resourcesDir: path.join(here, 'redis-pubsub'),
  apps: [
    { appId: 'publisher' },
    { appId: 'sdk-subscriber', command: ['npx', 'tsx', 'sdk-subscriber.ts'], cwd: here, env: { HANDLER_MODE: 'retry' } },
  ],
});
console.log(
  JSON.stringify({
    processes: liveProcesses().map((p) => ({ name: p.name, pid: p.pid, containerId: p.containerId })),
    paths: ownedPaths(),
    runFile: runFileOf(process.pid),
  }),
);
if (process.argv.includes('--exit')) process.exit(0);
setInterval(() => {}, 1000);
