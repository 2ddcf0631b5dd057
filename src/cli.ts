// The `course` command. Dispatch only: each command lives in src/commands/<name>.ts and is
// imported when it runs, so `course --help` or `course list` never pays for vitest or the SDK.

import { reportKnownError } from './ui/errors.js';

export interface CommandModule {
  run(args: string[]): Promise<number>;
}

interface CommandEntry {
  usage: string;
  summary: string;
  load: () => Promise<CommandModule>;
}

const COMMANDS: Record<string, CommandEntry> = {
  next: { usage: 'next [--skip]', summary: 'Show the next lesson or exercise', load: () => import('./commands/next.js') },
  list: { usage: 'list [--json]', summary: 'Every lesson and exercise with its status', load: () => import('./commands/list.js') },
  show: { usage: 'show <id>', summary: "Print an item's text", load: () => import('./commands/show.js') },
  check: {
    usage: 'check [id] [--reporter text|json|junit] [--timeline]',
    summary: 'Grade an exercise against real sidecars',
    load: () => import('./commands/check.js'),
  },
  watch: { usage: 'watch [id]', summary: 'Re-check the current exercise on every save', load: () => import('./commands/watch.js') },
  hint: { usage: 'hint [id]', summary: 'The next hint for an exercise', load: () => import('./commands/hint.js') },
  solution: {
    usage: 'solution [id] [--reveal]',
    summary: 'Diff your files against the solution',
    load: () => import('./commands/solution.js'),
  },
  reset: { usage: 'reset [id] [file] [--yes]', summary: 'Back up your files and restore the starter (or one file)', load: () => import('./commands/reset.js') },
  run: { usage: 'run [id]', summary: "Start an exercise's services with their sidecars (type stop/start <app> in it)", load: () => import('./commands/run.js') },
  publish: {
    usage: "publish <topic> ['<json>'] [--type T] [--id ID]",
    summary: 'Publish an event through a running course run',
    load: () => import('./commands/publish.js'),
  },
  timeline: {
    usage: 'timeline [id]',
    summary: 'Open the last check or run as a picture: every message, attempt and answer',
    load: () => import('./commands/timeline.js'),
  },
  doctor: { usage: 'doctor', summary: 'Check Node, daprd, Redis, Docker and ports', load: () => import('./commands/doctor.js') },
  setup: { usage: 'setup', summary: 'Find or build daprd and find redis-server', load: () => import('./commands/setup.js') },
  dev: { usage: 'dev check [id] [--repeat N]', summary: 'Authoring gate: starters fail, solutions pass, mutants are caught', load: () => import('./commands/dev.js') },
};

/** Not in --help: the runner's own background work. */
const HIDDEN: Record<string, () => Promise<CommandModule>> = {
  __prerender: () => import('./commands/prerender.js'),
};

export function helpText(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  const lines = Object.values(COMMANDS).map((c) => `  course ${c.usage.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: course [command]',
    '',
    'With no command, in a terminal: your progress and a menu.',
    '',
    ...lines,
    '',
    'Options for every command: --help',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(helpText());
    return 0;
  }
  if (name === undefined || name.startsWith('-')) {
    return runReportingErrors(() => import('./commands/dashboard.js'), argv);
  }
  const hidden = HIDDEN[name];
  if (hidden) return (await hidden()).run(rest);
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`Unknown command "${name}".\n\n${helpText()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`Usage: course ${entry.usage}\n\n${entry.summary}.`);
    return 0;
  }
  return runReportingErrors(entry.load, rest);
}

/** Known problems (unknown id, manifest mistake, Ctrl-C in a prompt) end as a message, not a stack. */
async function runReportingErrors(load: () => Promise<CommandModule>, args: string[]): Promise<number> {
  try {
    const command = await load();
    return await command.run(args);
  } catch (error) {
    const code = reportKnownError(error);
    if (code === undefined) throw error;
    return code;
  }
}
