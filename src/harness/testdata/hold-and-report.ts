// For the signal tests: starts an environment, prints the pids of everything it started, and
// waits to be interrupted.
import path from 'node:path';
import { startEnvironment } from '../environment.js';
import { liveProcesses } from '../processes.js';

const here = import.meta.dirname;
await startEnvironment({
  resourcesDir: path.join(here, 'redis-pubsub'),
  apps: [
    { appId: 'publisher' },
    { appId: 'sdk-subscriber', command: ['npx', 'tsx', 'sdk-subscriber.ts'], cwd: here, env: { HANDLER_MODE: 'retry' } },
  ],
});
console.log(JSON.stringify(liveProcesses().map((p) => ({ name: p.name, pid: p.pid }))));
setInterval(() => {}, 1000);
