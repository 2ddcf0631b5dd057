// Ctrl-C (or SIGTERM, or a closed terminal) while something runs: abort it through its
// AbortSignal (so it tears its processes down) instead of dying with children left behind. A
// second signal exits at once.
import { color } from '../ui/color.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let received: NodeJS.Signals | undefined;

export async function whileCtrlCAborts<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) process.exit(stoppedExitCode());
    received = signal;
    process.stderr.write(`\n${color.dim(messages.stopping)}\n`);
    controller.abort();
  };
  // `on`, not `once`: a library's signal-exit (execa, the container engine's client) re-raises the
  // signal when it finds no other listener left, which would kill this process mid-teardown.
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    return await task(controller.signal);
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}

/** The exit code of a command a signal stopped, as a shell gives it (128 + the signal's number). */
export function stoppedExitCode(): number {
  return received === 'SIGTERM' ? 143 : received === 'SIGHUP' ? 129 : 130;
}

const messages = {
  stopping: 'Stopping… (Ctrl-C again to quit at once)',
};
