// For the signal tests: starts an environment, prints the pids of everything it started and the folders it owns, and
// waits to be interrupted.
import path from 'node:path';
import { startEnvironment } from '../environment.js';
import { liveProcesses, ownedPaths } from '../processes.js';

const here = import.meta.dirname;
await startEnvironment({
  resourcesDir: path.join(here, 'redis-pubsub'),
  apps: [
    { appId: 'publisher' },
    { appId: 'sdk-subscriber', command: ['npx', 'tsx', 'sdk-subscriber.ts'], cwd: here, env: { HANDLER_MODE: 'retry' } },
  ],
});
console.log(JSON.stringify({ processes: liveProcesses().map((p) => ({ name: p.name, pid: p.pid })), paths: ownedPaths() }));
setInterval(() => {}, 1000);
