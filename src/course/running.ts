// What a `course run` in progress publishes about itself, so that `course publish` in another
// terminal can reach its sidecars: `.course/running/<item>.json`, written when the run is ready and
// removed when it stops (a run killed outright leaves it, so readers check that its process lives).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pidAlive } from '../harness/process-tree.js';
import { stateDir } from './workbook.js';

export interface RunningRun {
  /** The exercise or lesson whose services run. */
  itemId: string;
  pid: number;
  apps: { appId: string; appUrl?: string; daprUrl: string }[];
  /** The names of the run's pub/sub components. */
  pubsubs: string[];
}

export function runningFile(root: string, itemId: string): string {
  return path.join(stateDir(root), 'running', `${itemId}.json`);
}

export function recordRunning(root: string, run: RunningRun): string {
  const file = runningFile(root, run.itemId);
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(run, null, 2));
  renameSync(temporary, file);
  return file;
}

/** The runs whose process is still alive, in no particular order. */
export function runningRuns(root: string): RunningRun[] {
  const dir = path.join(stateDir(root), 'running');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      try {
        const run = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as RunningRun;
        return pidAlive(run.pid) ? [run] : [];
      } catch {
        return [];
      }
    });
}
