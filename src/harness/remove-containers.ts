// Started detached by a process on its way out with the containers it still had (processes.ts):
// removes them, so that they do not outlive an owner that exits without stopping them.
//   node remove-containers.js <container id>...
import { removeContainers } from './containers.js';

await removeContainers(process.argv.slice(2));
