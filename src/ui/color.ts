// The one chalk instance every module prints with (marked-terminal shares it).
// chalk 5.6 turns colour off when stdout is not a terminal or FORCE_COLOR=0, but not for NO_COLOR
// (https://no-color.org) in a terminal: that is done here, once, before anything prints.
import chalk from 'chalk';

if (process.env.NO_COLOR) chalk.level = 0;

export const color = chalk;

/** False when nothing but plain text may be printed: no colour, no links, no cursor moves. */
export function escapesAllowed(): boolean {
  return chalk.level > 0;
}
