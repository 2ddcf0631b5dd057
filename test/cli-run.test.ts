// `course run` on a real exercise: its services start on dapr.yaml's fixed ports with their
// sidecars, logs come out prefixed by app, Ctrl-C stops everything; a busy port is named plainly.
// While it runs, `course publish` publishes through its sidecar, and a line typed into it stops
// and starts one service. Real daprd, real Redis.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

  it('prints a timeline line per event beside the logs, and keeps the picture of the run up to date', async () => {
    const work = path.join(root, 'work', '04-pubsub', 'publish-order');
    cpSync(path.join(root, 'exercises', '04-pubsub', 'publish-order'), work, { recursive: true });
    cpSync(path.join(root, 'solutions', '04-pubsub', 'publish-order', 'checkout.ts'), path.join(work, 'checkout.ts'));
    const run = startCourse(root, ['run', 'publish-order']);
    await expect.poll(run.stdout, { timeout: 30_000 }).toContain('Press Ctrl-C to stop everything');
    const page = /The timeline as a picture .*:\n\s+(\S+\.html)/.exec(run.stdout())?.[1];
    expect(page).toMatch(/^\.course\/timelines\/publish-order-run-/);
    const order = { orderId: 'o-run-1', customer: 'ada', total: 3 };
    const posted = await fetch('http://127.0.0.1:5001/orders', { method: 'POST', body: JSON.stringify(order) });
    expect(posted.status).toBe(202);
    await expect.poll(run.stdout, { timeout: 5000 }).toMatch(/^timeline\s+\| checkout ● publish orders \{"orderId":"o-run-1",.*\} id o-run-1$/m);
    await expect.poll(() => readFileSync(path.join(root, page!), 'utf8'), { timeout: 5000 }).toContain('"eventId":"o-run-1"');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
  });

  it('course publish reaches the run\'s sidecar (CloudEvent type set), and stop/start typed into the run crash and revive one service', async () => {
    // The solved notifier routes on the CloudEvent type: user.registered goes to email only.
    const work = path.join(root, 'work', '04-pubsub', 'notifications');
    mkdirSync(path.dirname(work), { recursive: true });
    cpSync(path.join(root, 'exercises', '04-pubsub', 'notifications'), work, { recursive: true });
    cpSync(path.join(root, 'solutions', '04-pubsub', 'notifications'), work, { recursive: true });
    expect(course(root, ['publish', 'notifications', '{}']).stderr).toContain('Nothing is running to publish through');
    const run = startCourse(root, ['run', 'notifications']);
    try {
      await expect.poll(run.stdout, { timeout: 40_000 }).toContain('Press Ctrl-C to stop everything');
      const published = course(root, ['publish', 'notifications', '{"id":"e1","userId":"ada"}', '--type', 'user.registered', '--id', 'e1']);
      expect(published.stderr).toBe('');
      expect(published.stdout).toContain("Published to notifications on pubsub through notifier's sidecar (JSON, type user.registered, id e1)");
      const sent = () => fetch('http://127.0.0.1:5030/sent').then((r) => r.json() as Promise<Record<string, { eventId: string }[]>>);
      await expect.poll(async () => (await sent()).email?.map((s) => s.eventId), { timeout: 10_000 }).toEqual(['e1']);
      expect((await sent()).sms).toEqual([]);

      run.child.stdin.write('stop notifier\n');
      await expect.poll(run.stdout, { timeout: 10_000 }).toContain('notifier stopped');
      await expect.poll(() => fetch('http://127.0.0.1:5030/sent').then(() => 'up', () => 'down')).toBe('down');
      expect((await fetch('http://127.0.0.1:3530/v1.0/healthz/outbound')).status).toBe(204); // its sidecar stays
      run.child.stdin.write('start notifier\n');
      await expect.poll(run.stdout, { timeout: 30_000 }).toContain('notifier is listening again');
      expect((await sent()).email).toEqual([]); // a new process: what it kept in memory is gone
    } finally {
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(130);
    }
    expect(existsSync(path.join(root, '.course', 'running', 'notifications.json'))).toBe(false);
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
