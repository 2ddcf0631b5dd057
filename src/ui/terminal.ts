// Facts about the terminal the runner prints to, and the few escape sequences it writes itself.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { escapesAllowed } from './color.js';

const MAX_WIDTH = 100;
const DEFAULT_WIDTH = 80;

/** Text width for wrapping: the terminal's, capped for readability; 80 when not a terminal. */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number {
  if (!stream.isTTY || !stream.columns) return DEFAULT_WIDTH;
  return Math.min(stream.columns, MAX_WIDTH);
}

/** A person is at the keyboard: both stdin and stdout are terminals, so prompts can be shown. */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/**
 * A file path to print: relative to cwd (short, and most terminals make it clickable), wrapped in
 * an OSC 8 hyperlink to the absolute file where the terminal is known to support those.
 */
export function fileLink(absolutePath: string, cwd = process.cwd()): string {
  const shown = path.relative(cwd, absolutePath) || '.';
  if (!hyperlinksAllowed()) return shown;
  return `\u001b]8;;${pathToFileURL(absolutePath).href}\u0007${shown}\u001b]8;;\u0007`;
}

/** OSC 8 hyperlinks may be written: a terminal that shows them, colour allowed. */
export function hyperlinksAllowed(): boolean {
  return Boolean(process.stdout.isTTY) && escapesAllowed() && supportsHyperlinks();
}

/** Terminals that render OSC 8 links instead of printing the escape; FORCE_HYPERLINK=0|1 decides. */
function supportsHyperlinks(env = process.env): boolean {
  if (env.FORCE_HYPERLINK !== undefined) return env.FORCE_HYPERLINK !== '0';
  if (env.TERM === 'dumb' || env.CI) return false;
  if (env.WT_SESSION || env.KONSOLE_VERSION || env.DOMTERM) return true;
  if (env.VTE_VERSION && Number(env.VTE_VERSION) >= 5000) return true;
  if (env.TERM === 'xterm-kitty' || env.TERM === 'xterm-ghostty' || env.TERM === 'alacritty') return true;
  return ['iTerm.app', 'WezTerm', 'vscode', 'ghostty', 'Hyper'].includes(env.TERM_PROGRAM ?? '');
}
