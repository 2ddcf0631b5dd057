// `course run` on a real exercise: its services start on dapr.yaml's fixed ports with their
// sidecars, logs come out prefixed by app, Ctrl-C stops everything; a busy port is named plainly.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { course, startCourse } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixture.js';

const root = mkdtempSync(path.join(REPO_ROOT, 'test', 'tmp-run-'));
for (const dir of ['modules', 'exercises', 'solutions', 'checks', 'package.json']) {
  cpSync(path.join(REPO_ROOT, dir), path.join(root, dir), { recursive: true });
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('course run', { timeout: 60_000 }, () => {
  it('starts the services on their fixed ports, answers there, and stops on Ctrl-C', async () => {
    const run = startCourse(root, ['run', 'publish-order']);
    await expect.poll(run.stdout, { timeout: 30_000 }).toContain('Press Ctrl-C to stop everything');
    expect(run.stdout()).toMatch(/checkout\s+app http:\/\/127\.0\.0\.1:5001\s+sidecar http:\/\/127\.0\.0\.1:3501/);
    const health = await fetch('http://127.0.0.1:3501/v1.0/healthz');
    expect(health.status).toBe(204);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    await expect.poll(() => fetch('http://127.0.0.1:3501/v1.0/healthz').then(() => 'up', () => 'down')).toBe('down');
  });

  it('names a port that is already taken, without a stack trace, as an environment problem', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(3501, '127.0.0.1', () => resolve()));
    try {
      const result = course(root, ['run', 'publish-order']);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('Port 3501 (for checkout) is already in use');
      expect(result.stderr).toContain('npx course doctor');
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      blocker.close();
    }
  });
});
