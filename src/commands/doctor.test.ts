import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDaprCli } from './doctor.js';

describe('doctor: the Dapr CLI', () => {
  const originalPath = process.env.PATH;
  let dir: string | undefined;
  afterEach(() => {
    process.env.PATH = originalPath;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports a Dapr CLI on PATH with its version, and that its runs share one Redis', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'doctor-dapr-'));
    const dapr = path.join(dir, 'dapr');
    writeFileSync(dapr, '#!/bin/sh\necho "CLI version: 1.18.0"\necho "Runtime version: n/a"\n');
    chmodSync(dapr, 0o755);
    process.env.PATH = dir;
    const finding = await checkDaprCli();
    expect(finding).toMatchObject({ name: 'Dapr CLI', status: 'ok' });
    expect(finding.detail).toBe(`version 1.18.0 at ${dapr}: dapr run -f . also starts an exercise by hand`);
    expect(finding.fix).toContain('share the Redis of `dapr init`');
  });

  it('says it is optional when there is none', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'doctor-dapr-'));
    process.env.PATH = dir;
    const finding = await checkDaprCli();
    expect(finding.status).toBe('ok');
    expect(finding.detail).toContain('not installed (optional: npx course run');
  });
});
