// The detectors behind the run's closing check (test/global-setup.ts), shown to find what they
// look for: a process started under a temp root, a compiled service whose run is over.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orphanedBuilds, processesOfRun } from './helpers/leftovers.js';
import { scratchDir } from './helpers/temp.js';

describe('what a test run leaves behind', () => {
  it('a process started with the run’s temp root, or a folder below it, is found', async () => {
    const root = scratchDir('leftovers');
    const child = spawn('sleep', ['30'], { env: { ...process.env, TMPDIR: path.join(root, 'below') }, stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      expect(processesOfRun(root, -1).map((p) => p.pid)).toContain(child.pid);
      expect(processesOfRun(`${root}-other`, -1).map((p) => p.pid)).not.toContain(child.pid);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a compiled service is orphaned once the process that built it is gone', () => {
    const dir = scratchDir('builds');
    const gone = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1; // no process can have it
    // With each, a standby's preload of its packages (src/harness/standby-service.ts).
    const names = [gone, process.pid].flatMap((pid) => [`checkout-0123456789-${pid}-1.mjs`, `checkout-0123456789-${pid}-1-packages.mjs`]);
    for (const name of names) writeFileSync(path.join(dir, name), '');
    expect(orphanedBuilds(dir)).toEqual([`checkout-0123456789-${gone}-1-packages.mjs`, `checkout-0123456789-${gone}-1.mjs`]);
  });
});
