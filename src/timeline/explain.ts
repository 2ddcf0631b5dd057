// The few events that explain a failing expectation: the messages that moved while it ran, each
// with its whole story (publish, every attempt, dead letter, what the broker holds), the ones that
// went wrong first. A failure report draws these, not the whole run.
import { byTime, type TimelineEvent } from './model.js';

const SHOWN: TimelineEvent['kind'][] = ['publish', 'delivery', 'dead-letter', 'broker'];

/**
 * Events about the messages active between `from` and `to`, at most about `limit` of them. With
 * `about` (what the failure names: order ids, event ids, the first the most important), the
 * stories of the messages that carry those values, in the window or before it, when there are
 * any: the message a failure is about may not be the one with the most trouble in its window (a
 * retried delivery to a restarting app, say), nor in it at all (a duplicate the test found later).
 * A named story that went on in the window is told from `from` on, after the publish that began it.
 */
export function explain(events: TimelineEvent[], from: number, to: number, limit = 14, about: string[] = []): TimelineEvent[] {
  const active = events.filter((e) => e.at >= from && e.at <= to && SHOWN.includes(e.kind) && e.kind !== 'broker');
  const storyOf = (id: string) => ({ id, events: events.filter((e) => e.eventId === id && SHOWN.includes(e.kind)) });
  const all = idsOf(active).map(storyOf);
  // Within one named value, messages an app published in the window first: what it did again.
  const actedIn = (story: TimelineEvent[]) => story.some((e) => e.kind === 'publish' && e.by === 'app' && e.at >= from);
  const inWindow = (story: TimelineEvent[]) => story.some((e) => e.at >= from && e.at <= to && e.kind !== 'broker');
  const named = (about.length > 0 ? idsOf(events.filter((e) => e.at <= to && SHOWN.includes(e.kind))).map(storyOf) : [])
    .map((story) => ({ story, rank: firstCarried(story.events, about), acted: actedIn(story.events) }))
    .filter(({ rank }) => rank >= 0)
    .sort((a, b) => a.rank - b.rank || Number(b.acted) - Number(a.acted))
    .map(({ story }) => ({
      id: story.id,
      events: inWindow(story.events) ? story.events.filter((e, i) => i === 0 || e.at >= from) : story.events,
    }));
  if (named.length > 0) return fill(named, limit);
  // Messages that went wrong tell more: put them first, then the latest.
  const ranked = all
    .map((story, index) => ({ ...story, index, trouble: trouble(story.events) }))
    .sort((a, b) => b.trouble - a.trouble || b.index - a.index);
  return fill(ranked, limit, active.filter((e) => !e.eventId));
}

/** The event ids of `events`, in order, each once. */
function idsOf(events: TimelineEvent[]): string[] {
  return [...new Set(events.flatMap((e) => (e.eventId ? [e.eventId] : [])))];
}

/**
 * Whole stories in order while their rows fit in `limit` (the first always), then loose events.
 * The broker's word that a message was acknowledged draws no row, so it counts for nothing.
 */
function fill(stories: { events: TimelineEvent[] }[], limit: number, loose: TimelineEvent[] = []): TimelineEvent[] {
  const rows = (events: TimelineEvent[]) => events.filter((e) => !(e.kind === 'broker' && e.state === 'acked')).length;
  const chosen: TimelineEvent[] = [];
  let drawn = 0;
  for (const story of stories) {
    const more = rows(story.events);
    if (chosen.length > 0 && drawn + more > limit) continue;
    chosen.push(...story.events);
    drawn += more;
  }
  for (const e of loose) if (drawn < limit) (chosen.push(e), drawn++);
  return chosen.sort(byTime);
}

/** The index in `values` of the first value some event of the story carries (its id, or in its data); -1 if none. */
function firstCarried(story: TimelineEvent[], values: string[]): number {
  return values.findIndex((value) =>
    story.some((e) => e.eventId === value || (e.data !== undefined && JSON.stringify(e.data).includes(JSON.stringify(value)))),
  );
}

/** How much a message's story says something went wrong: failed answers, dead letters, leftovers. */
function trouble(story: TimelineEvent[]): number {
  let score = 0;
  for (const e of story) {
    if (e.kind === 'delivery' && e.answer?.outcome !== 'success') score += 2;
    if (e.kind === 'delivery' && e.answer?.threw) score += 3;
    if (e.kind === 'dead-letter') score += 3;
    if (e.kind === 'broker' && e.state !== 'acked') score += 2;
    if (e.kind === 'publish' && e.status !== undefined && e.status >= 300) score += 3;
  }
  if (story.some((e) => e.kind === 'publish') && !story.some((e) => e.kind === 'delivery')) score += 1;
  return score;
}
