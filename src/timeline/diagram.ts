// The timeline in a terminal: a sequence diagram with a lane per app, one row per event, that fits
// the width it is given (80 columns and up), and one-line forms for `course run`'s live output.
//
//   time     check    payments
//     0ms      ●─────────▶       A publish orders {"orderId":"dl-bad"}
//     9ms      ├─────────▶       A orders #1 RETRY
//    62ms      ├─────────▶       A orders #2 RETRY
//   115ms                ✗       A dead-lettered to orders-dead
//   117ms                ↻       A orders-dead #1 SUCCESS
import { color } from '../ui/color.js';
import { shortId, summarize, type TimelineEvent } from './model.js';

const TIME_WIDTH = 7;
const TAG_WIDTH = 2;
const MIN_LABEL = 30;
const MIN_LANE = 7;
const MAX_LANE = 14;

/** A piece of a label; an optional one is cut to what is left of the line, never wrapped. */
type Segment = { text: string; paint?: (s: string) => string; optional?: boolean };

/** The diagram's lines, none wider than `width`; [] for no events. */
export function timelineLines(events: TimelineEvent[], width = 80): string[] {
  const shown = rowsOf(events);
  if (shown.length === 0) return [];
  const lanes = lanesOf(shown);
  const t0 = shown[0]!.at;
  const tags = tagsOf(shown);
  const fitting = Math.floor((width - TIME_WIDTH - 1 - TAG_WIDTH - 1 - MIN_LABEL) / lanes.length);
  const laneWidth = Math.min(fitting, MAX_LANE, Math.max(MIN_LANE, ...lanes.map((l) => l.length + 3)));
  if (laneWidth < MIN_LANE) return listLines(shown, width, t0, tags);
  const center = (lane: string) => lanes.indexOf(lane) * laneWidth + Math.floor(laneWidth / 2);
  const lines = headerLines(lanes, laneWidth).map((line) => color.dim(`${' '.repeat(TIME_WIDTH + 1)}${line}`.trimEnd()));
  const labelWidth = width - TIME_WIDTH - 1 - lanes.length * laneWidth - TAG_WIDTH - 1;
  const bars = () => {
    const cells = Array.from({ length: lanes.length * laneWidth }, () => ' ');
    for (const lane of lanes) cells[center(lane)] = '│';
    return cells;
  };
  for (const row of shown) {
    const cells = bars();
    drawRow(cells, row, center);
    const tag = row.eventId ? tags.get(row.eventId)! : ' ';
    const [first, ...more] = wrap(labelOf(row), labelWidth, 3);
    const time = relative(row.at - t0).padStart(TIME_WIDTH);
    lines.push(`${color.dim(time)} ${paintCells(cells.join(''))} ${color.bold(tag)} ${first}`.trimEnd());
    for (const line of more) lines.push(`${' '.repeat(TIME_WIDTH)} ${paintCells(bars().join(''))}   ${line}`.trimEnd());
  }
  return lines;
}

/** One line per event, for `course run` (beside the logs) and plain listings. */
export function eventLine(event: TimelineEvent): string {
  const id = event.eventId ? color.dim(` id ${shortId(event.eventId)}`) : '';
  switch (event.kind) {
    case 'publish':
      return `${event.app} ● ${join(labelOf(event))}${id}`;
    case 'delivery':
      return `${event.from ?? '?'} → ${event.app} ${join(labelOf(event))}${color.dim(` (${Math.round(event.answer?.durationMs ?? 0)} ms)`)}${id}`;
    default:
      return `${event.app} ${join(labelOf(event))}${id}`;
  }
}

/** daprd's and the SDK's lines about delivery answers, which the diagram draws. */
const SAID_BY_DIAGRAM = [
  /retriable error while publishing a subscribed message/,
  /Error processing operation component\[[^\]]+\] input\. Retrying/,
  /(retriable error|RETRY status|DROP status|non-retriable error|unknown status) returned from app/,
];
const SDK_THREW = /Message processing failed/;

/**
 * The log lines still worth showing beside a diagram of `events`: the apps' own output and the
 * sidecars' other lines. Lines that only repeat an answer the diagram draws are left out.
 */
export function logLinesBeside(logExcerpt: string[], events: TimelineEvent[]): string[] {
  if (!events.some((e) => e.kind === 'delivery')) return logExcerpt;
  const threw = events.some((e) => e.answer?.threw);
  return logExcerpt.filter((line) => !SAID_BY_DIAGRAM.some((p) => p.test(line)) && !(threw && SDK_THREW.test(line)));
}

/** A row of the diagram: an event, or the last of a run of attempts that got the same answer. */
type Row = TimelineEvent & { sinceAttempt?: number };

/** Events as rows: broker state folded into one row per event, state calls and start-up left out. */
function rowsOf(events: TimelineEvent[]): Row[] {
  const rows: TimelineEvent[] = [];
  const held = new Map<string, TimelineEvent[]>();
  for (const e of events) {
    if (e.kind === 'broker') {
      const key = `${e.eventId}\u0000${e.topic}`;
      if (!held.has(key)) held.set(key, []);
      held.get(key)!.push(e);
    } else if (e.kind !== 'state' && e.kind !== 'subscriptions') {
      rows.push(e);
    }
  }
  // Only what is left over says something: a message every subscriber acknowledged is done.
  for (const group of held.values()) {
    const open = group.filter((e) => e.state !== 'acked');
    if (open.length) rows.push(...open);
  }
  return foldRepeats(rows.sort((a, b) => a.at - b.at));
}

/**
 * Five or more attempts of one message to one app that got the same answer, one after the other
 * (a delivery retried 18 times to an app that is down): the first, one row for those between, at
 * the time of the last of them, and the last. Fewer are each drawn (a retry policy's few attempts).
 */
function foldRepeats(rows: TimelineEvent[]): Row[] {
  const folded: Row[] = [];
  const same = (a: TimelineEvent, b: TimelineEvent) =>
    a.kind === 'delivery' && b.kind === 'delivery' && a.eventId === b.eventId && a.app === b.app && a.from === b.from &&
    a.topic === b.topic && a.answer?.label === b.answer?.label && !a.answer?.threw && !b.answer?.threw;
  for (let i = 0; i < rows.length; ) {
    let end = i + 1;
    while (end < rows.length && same(rows[i]!, rows[end]!)) end++;
    if (end - i >= 5) folded.push(rows[i]!, { ...rows[end - 2]!, sinceAttempt: rows[i + 1]!.attempt }, rows[end - 1]!);
    else folded.push(...rows.slice(i, end));
    i = end;
  }
  return folded;
}

function lanesOf(rows: TimelineEvent[]): string[] {
  const lanes: string[] = [];
  const add = (lane: string | undefined) => {
    if (lane && !lanes.includes(lane)) lanes.push(lane);
  };
  if (rows.some((r) => r.app === 'check' || r.from === 'check')) add('check');
  for (const r of rows) {
    add(r.from);
    add(r.app);
  }
  return lanes;
}

function tagsOf(rows: TimelineEvent[]): Map<string, string> {
  const tags = new Map<string, string>();
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  for (const r of rows) if (r.eventId && !tags.has(r.eventId)) tags.set(r.eventId, letters[tags.size % letters.length]!);
  return tags;
}

function drawRow(cells: string[], row: TimelineEvent, center: (lane: string) => number): void {
  const at = center(row.app);
  switch (row.kind) {
    case 'publish':
      cells[at] = row.status !== undefined && row.status >= 300 ? '✗' : '●';
      return;
    case 'dead-letter':
      cells[at] = '✗';
      return;
    case 'broker':
      cells[at] = row.state === 'pending' ? '!' : '○';
      return;
    case 'delivery': {
      const from = row.from ? center(row.from) : at;
      if (from === at) {
        cells[at] = '↻';
        return;
      }
      const [lo, hi] = from < at ? [from, at] : [at, from];
      for (let i = lo + 1; i < hi; i++) cells[i] = '─';
      cells[from] = from < at ? '├' : '┤';
      cells[at] = from < at ? '▶' : '◀';
      return;
    }
    default:
      cells[at] = '◆';
  }
}

function labelOf(row: Row): Segment[] {
  switch (row.kind) {
    case 'publish': {
      const failed = row.status !== undefined && row.status >= 300;
      return [
        { text: `publish ${row.topic ?? '?'}` },
        ...(row.by === 'broker' ? [{ text: ' (seen on the broker)', paint: color.dim }] : []),
        ...(failed ? [{ text: ` failed: HTTP ${row.status}`, paint: color.red }] : []),
        { text: ` ${summarize(row.data, 48)}`, paint: color.dim, optional: true },
      ];
    }
    case 'delivery': {
      const answer = row.answer;
      const paint = answer?.outcome === 'success' ? color.green : answer?.outcome === 'retry' ? color.yellow : color.red;
      return [
        { text: `${row.topic ?? '?'} #${row.sinceAttempt !== undefined ? `${row.sinceAttempt}–#` : ''}${row.attempt ?? '?'} ` },
        { text: `${answer?.label ?? 'no answer'}${row.sinceAttempt !== undefined ? ', each time' : ''}`, paint },
        ...(answer?.threw ? [{ text: ` (the handler threw: ${answer.threw})`, paint: color.red }] : []),
      ];
    }
    case 'dead-letter':
      return [{ text: `dead-lettered to ${row.topic}`, paint: color.red }, { text: ` (from ${row.fromTopic})`, paint: color.dim, optional: true }];
    case 'broker':
      return [{ text: row.state === 'pending' ? `still pending at ${row.app} on ${row.topic}` : `never read by ${row.app} on ${row.topic}`, paint: color.yellow }];
    default:
      return [{ text: row.kind }];
  }
}

/** Plain list, for more lanes than the width holds. */
function listLines(rows: Row[], width: number, t0: number, tags: Map<string, string>): string[] {
  return rows.map((row) => {
    const tag = row.eventId ? tags.get(row.eventId)! : ' ';
    const who = row.kind === 'delivery' ? `${row.from ?? '?'} → ${row.app}` : row.app;
    const head = `${relative(row.at - t0).padStart(TIME_WIDTH)} ${tag} ${who}: `.slice(0, Math.max(width - 12, TIME_WIDTH + 3));
    return `${color.dim(head.slice(0, TIME_WIDTH))}${head.slice(TIME_WIDTH)}${wrap(labelOf(row), width - head.length, 1)[0]}`;
  });
}

/**
 * Lays segments out on up to `maxLines` lines of `width` visible characters, breaking at spaces
 * where it can, the last line cut with …; each line keeps its segments' colours.
 */
function wrap(segments: Segment[], width: number, maxLines: number): string[] {
  const room = Math.max(width, 4);
  const lines: Segment[][] = [[]];
  let used = 0;
  const words: Segment[] = segments.flatMap((segment) =>
    segment.optional ? [segment] : segment.text.split(/(?<= )/).map((text) => ({ text, paint: segment.paint })),
  );
  for (const word of words) {
    if (word.optional) {
      const left = room - used;
      if (left >= 6) lines.at(-1)!.push({ text: word.text.length > left ? `${word.text.slice(0, left - 1)}…` : word.text, paint: word.paint });
      used = room;
      continue;
    }
    if (used + word.text.trimEnd().length > room && used > 0) {
      if (lines.length === maxLines) {
        const last = lines.at(-1)!;
        // Room for the … : cut the line's end.
        for (let over = used + 1 - room; over > 0 && last.length > 0; ) {
          const tail = last.at(-1)!;
          const keep = Math.max(tail.text.length - over, 0);
          over -= tail.text.length - keep;
          if (keep === 0) last.pop();
          else last[last.length - 1] = { ...tail, text: tail.text.slice(0, keep) };
        }
        last.push({ text: '…' });
        return lines.map(join);
      }
      lines.push([]);
      used = 0;
    }
    const text = word.text.length > room ? `${word.text.slice(0, room - 1)}…` : word.text;
    lines.at(-1)!.push({ text, paint: word.paint });
    used += text.length;
  }
  return lines.map(join);
}

function join(segments: Segment[]): string {
  return segments.map(({ text, paint }) => (paint ? paint(text) : text)).join('').trimEnd();
}

function paintCells(text: string): string {
  return text.replace(/[│]/g, (c) => color.dim(c)).replace(/✗/g, (c) => color.red(c));
}

/** Lane names over their lanes; on two staggered lines when one is wider than its lane. */
function headerLines(lanes: string[], laneWidth: number): string[] {
  const fits = lanes.every((l) => l.length <= laneWidth - 1);
  const rows = fits ? [lanes.map((l, i) => ({ l, i }))] : [0, 1].map((r) => lanes.map((l, i) => ({ l, i })).filter(({ i }) => i % 2 === r));
  const room = fits ? laneWidth - 1 : 2 * laneWidth - 1;
  return rows.map((row) => {
    let line = '';
    for (const { l, i } of row) {
      const text = l.length > room ? `${l.slice(0, room - 1)}…` : l;
      const start = Math.max(line.length, i * laneWidth + Math.floor(laneWidth / 2) - Math.floor((text.length - 1) / 2));
      line = `${line.padEnd(start)}${text}`;
    }
    return line;
  });
}

function relative(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}
