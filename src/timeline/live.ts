// `course run`'s timeline: a line per event as it happens, printed beside the logs, and the page,
// rewritten (with what the broker holds) a moment after each change so that `course timeline`
// shows the run so far.
import type { Environment } from '../harness/environment.js';
import { eventLine } from './diagram.js';
import { newPagePath, writePage } from './store.js';

export interface LiveOptions {
  root: string;
  /** The exercise's (or example's) id: the page's name. */
  id: string;
  print: (line: string) => void;
  /** How long after a change the page is rewritten. */
  settleMs?: number;
}

/** Starts printing and writing; returns the page's path (undefined when the timeline is off). */
export function recordRunTimeline(env: Environment, options: LiveOptions): string | undefined {
  if (!env.timeline.enabled) return undefined;
  const file = newPagePath(options.root, options.id, 'run');
  const title = messages.title(options.id);
  const started = new Date().toLocaleString();
  let timer: NodeJS.Timeout | undefined;
  const rewrite = async () => {
    timer = undefined;
    await env.timeline.readBroker();
    writePage(file, { title, subtitle: messages.subtitle(started), events: env.timeline.events() });
  };
  env.timeline.onLive((events) => {
    for (const event of events) options.print(eventLine(event));
    timer ??= setTimeout(() => void rewrite().catch(() => {}), options.settleMs ?? 1000).unref();
  });
  writePage(file, { title, subtitle: messages.subtitle(started), events: env.timeline.events() });
  return file;
}

const messages = {
  title: (id: string) => `course run ${id}`,
  subtitle: (when: string) => `Started on ${when}; rewritten as events happen`,
};
