// Ctrl-C while something runs: abort it through its AbortSignal (so it tears its processes down)
// instead of dying with children left behind. A second Ctrl-C exits at once.
import { color } from '../ui/color.js';

export async function whileCtrlCAborts<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = () => {
    process.stderr.write(`\n${color.dim(messages.stopping)}\n`);
    controller.abort();
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await task(controller.signal);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

const messages = {
  stopping: 'Stopping… (Ctrl-C again to quit at once)',
};
