// The timeline in the check's text report: the whole run under `--timeline`, and the line that
// points to the picture.
import path from 'node:path';
import type { CheckResult } from '../grading/result.js';
import { color } from '../ui/color.js';
import { fileLink, terminalWidth } from '../ui/terminal.js';
import { timelineLines } from './diagram.js';

/** `course check --timeline`: every event of the check, as one diagram. */
export function wholeTimeline(result: CheckResult, width = terminalWidth()): string[] {
  if (!result.timeline) return ['', messages.off];
  const lines = timelineLines(result.timeline, width);
  return ['', color.bold(messages.whole(result.exerciseId)), ...(lines.length ? lines : [messages.none])];
}

/** Where the check's picture is. */
export function timelinePageLine(file: string, id?: string): string {
  return color.dim(messages.page(fileLink(file), id ?? ''));
}

export function pageTitle(result: CheckResult): { title: string; subtitle: string } {
  const passed = result.expectations.filter((e) => e.passed).length;
  return {
    title: `${result.exerciseId}: ${passed} passed, ${result.expectations.length - passed} failed`,
    subtitle: messages.subtitle(path.basename(result.dir), new Date().toLocaleString()),
  };
}

const messages = {
  whole: (id: string) => `Every event of this check of ${id}:`,
  none: 'No event was recorded: nothing was published or delivered.',
  off: 'The timeline was not recorded (COURSE_TIMELINE=off).',
  // The path on a line of its own: it is copied whole, whatever the terminal's width.
  page: (file: string, id: string) => `The timeline as a picture (npx course timeline${id ? ` ${id}` : ''}):\n  ${file}`,
  subtitle: (dir: string, when: string) => `Checked ${dir} on ${when}`,
};
