// `course check` exits as soon as the verdict is printed (teardown-handover.ts): a long report
// (JSON with a whole timeline runs to hundreds of KB) must reach a reader that takes it slowly,
// not be cut at the pipe's 64 KB by the exit.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../course/workbook.js';

describe('exiting with the verdict while the teardown goes on', () => {
  it('exits only once a report longer than the pipe holds has been read, whole', async () => {
    const handover = pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'grading', 'teardown-handover.js')).href;
    const report = 'x'.repeat(1024 * 1024);
    const script = [
      `const { exitLeavingTeardown } = await import(${JSON.stringify(handover)});`,
      `process.stdout.write('x'.repeat(${report.length}));`,
      `process.stderr.write('handing over\\n');`,
      `await exitLeavingTeardown(new Promise(() => {}), 1);`,
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stdout.pause(); // a reader that has not come to it yet: the pipe fills
    await new Promise<void>((resolve) => child.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('handing over') && resolve()));
    let received = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    child.stdout.resume();
    expect(await exited).toBe(1); // 'close': it has exited and its output has all come
    expect(received.length).toBe(report.length);
  });
});
