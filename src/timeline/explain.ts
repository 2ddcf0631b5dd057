// The few events that explain a failing expectation: the messages that moved while it ran, each
// with its whole story (publish, every attempt, dead letter, what the broker holds), the ones that
// went wrong first. A failure report draws these, not the whole run.
import { byTime, type TimelineEvent } from './model.js';

const SHOWN: TimelineEvent['kind'][] = ['publish', 'delivery', 'dead-letter', 'broker'];

/** Events about the messages active between `from` and `to`, at most about `limit` of them. */
export function explain(events: TimelineEvent[], from: number, to: number, limit = 14): TimelineEvent[] {
  const active = events.filter((e) => e.at >= from && e.at <= to && SHOWN.includes(e.kind) && e.kind !== 'broker');
  const ids: string[] = [];
  for (const e of active) if (e.eventId && !ids.includes(e.eventId)) ids.push(e.eventId);
  const stories = ids.map((id) => ({ id, events: events.filter((e) => e.eventId === id && SHOWN.includes(e.kind)) }));
  // Messages that went wrong tell more: put them first, then the latest.
  const ranked = stories
    .map((story, index) => ({ ...story, index, trouble: trouble(story.events) }))
    .sort((a, b) => b.trouble - a.trouble || b.index - a.index);
  const chosen: TimelineEvent[] = [];
  const unidentified = active.filter((e) => !e.eventId);
  for (const story of ranked) {
    if (chosen.length > 0 && chosen.length + story.events.length > limit) continue;
    chosen.push(...story.events);
  }
  for (const e of unidentified) if (chosen.length < limit) chosen.push(e);
  return chosen.sort(byTime);
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
