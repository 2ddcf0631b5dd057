// `course timeline [id]`: opens the last check's (or run's) timeline page in a browser, of one
// exercise if given. Where no browser can be opened (no display, over SSH, in CI) it prints the
// page's path, which is printed in every case.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { findOnPath } from '../harness/which.js';
import { lastPage } from '../timeline/store.js';
import { UserError } from '../ui/errors.js';
import { fileLink } from '../ui/terminal.js';
import { openWorkbook } from './workbook-context.js';

export async function run(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const id = positionals[0];
  const workbook = await openWorkbook();
  const page = lastPage(workbook.root, id);
  if (!page) throw new UserError(id ? messages.noneFor(id) : messages.none, 1);
  const opened = openInBrowser(page);
  console.log(opened ? messages.opened(fileLink(page)) : messages.path(page));
  return 0;
}

/** Starts the system's opener for a file, detached; false where there is none or no display. */
export function openInBrowser(file: string, env = process.env, platform = process.platform): boolean {
  const opener = openerFor(env, platform);
  if (!opener) return false;
  try {
    const child = spawn(opener.command, [...opener.args, file], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

function openerFor(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): { command: string; args: string[] } | undefined {
  if (env.CI) return undefined;
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  const xdgOpen = findOnPath('xdg-open', env.PATH);
  return xdgOpen ? { command: xdgOpen, args: [] } : undefined;
}

const messages = {
  none: 'No timeline yet: every check writes one. Run npx course check, then npx course timeline.',
  noneFor: (id: string) => `No timeline of ${id} yet: run npx course check ${id} (or npx course run ${id}).`,
  opened: (file: string) => `Opened ${file} in your browser.`,
  path: (file: string) => `No browser can be opened here. Open this file in one: ${file}`,
};
