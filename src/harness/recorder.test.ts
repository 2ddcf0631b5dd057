// The recording hops' ports are a run's ports like any other: reserved across processes and never
// the number of another port of the run, though a hop binds its port only once its app listens.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Timeline } from '../timeline/timeline.js';
import { freePort } from './ports.js';
import { RunLog } from './processes.js';
import { recordApp } from './recorder.js';

const reservations = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'dapr-pubsub-course', 'ports');

describe('recording hops', () => {
  it('take reserved ports that no other port of the run has, before they bind them', async () => {
    const stopped = new AbortController();
    const recordings = [];
    const ports: number[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        ports.push(await freePort());
        // No app listens: the hop waits, unbound, as one does until its app is up.
        const recording = await recordApp(new Timeline(true), {
          name: `app-${i}`,
          appPort: await freePort(),
          callsSidecar: true,
          daprHttpPort: await freePort(),
          listenHost: '127.0.0.1',
          log: new RunLog(),
          signal: stopped.signal,
        });
        recordings.push(recording);
        ports.push(recording.daprdAppPort!, recording.appDaprHttpPort!);
        for (const port of [recording.daprdAppPort!, recording.appDaprHttpPort!]) {
          expect(existsSync(path.join(reservations, `${port}.${process.pid}`)), `port ${port} reserved`).toBe(true);
        }
      }
      expect(new Set(ports).size).toBe(ports.length);
    } finally {
      stopped.abort();
      await Promise.all(recordings.map((r) => r.close()));
    }
  });
});
