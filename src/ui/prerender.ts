// Warming the render cache for what the learner will see next, in a detached background process,
// so that `course next` does not pay for importing marked-terminal (~270 ms) on a lesson's first
// showing. The cache key depends on the terminal (width, colour, link support), so the renderer
// inherits this process's terminal as its stdout, and prints nothing. Only in a terminal: piped
// output and tests never start it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../course/workbook.js';

export function prerenderInBackground(root: string, itemId: string | undefined): void {
  if (!itemId || !process.stdout.isTTY || process.env.COURSE_NO_PRERENDER) return;
  try {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'course.js'), '__prerender', itemId], {
      detached: true,
      stdio: ['ignore', 'inherit', 'ignore'],
      env: { ...process.env, COURSE_ROOT: root, COURSE_NO_PRERENDER: '1' },
    });
    child.on('error', () => {});
    child.unref();
  } catch {
    // Only a speed-up: without it the next lesson renders on demand.
  }
}
