// One numbering for what the learner sees: lessons and exercises are counted apart ("Lesson 3 of
// 9", "Exercise 2 of 11"), across the whole course, in course order. The headers, `list` and the
// item lookup (`course show "lesson 3"`) all use this, so a number on the screen always names the
// same item.
import type { Course, Item } from './manifest.js';

export interface ItemNumber {
  /** 1-based position among the items of its kind. */
  number: number;
  /** How many items of that kind the course has. */
  of: number;
  /** `Lesson` or `Exercise`. */
  kind: string;
}

export function itemNumber(course: Course, item: Item): ItemNumber {
  const sameKind = course.items.filter((candidate) => candidate.kind === item.kind);
  return { number: sameKind.indexOf(item) + 1, of: sameKind.length, kind: kindName(item.kind) };
}

/** `Lesson 3`, as the screen shows it. */
export function itemLabel(course: Course, item: Item): string {
  const { kind, number } = itemNumber(course, item);
  return `${kind} ${number}`;
}

/** The item a learner names by its number: `lesson 3`, `Exercise 2`, `lesson3`; else undefined. */
export function itemByNumber(course: Course, typed: string): Item | undefined {
  const match = /^(lesson|exercise)[\s-]*(\d+)$/i.exec(typed.trim());
  if (!match) return undefined;
  const kind = match[1]!.toLowerCase() as Item['kind'];
  return course.items.filter((item) => item.kind === kind)[Number(match[2]) - 1];
}

function kindName(kind: Item['kind']): string {
  return kind === 'lesson' ? 'Lesson' : 'Exercise';
}
