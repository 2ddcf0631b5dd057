// Looking an item up by what a learner typed (its id, the number the screen shows, `lesson 3`,
// or its title), with suggestions when it is not there.
import type { Course, Exercise, Item } from './manifest.js';
import { itemByNumber } from './numbering.js';
import { UserError } from '../ui/errors.js';

export function findItem(course: Course, id: string): Item {
  const wanted = id.trim().toLowerCase();
  const item =
    course.items.find((candidate) => candidate.id === id) ??
    itemByNumber(course, id) ??
    course.items.find((candidate) => candidate.title.toLowerCase() === wanted);
  if (item) return item;
  throw new UserError(messages.unknown(id, closeIds(course.items.map((i) => i.id), id)));
}

export function findExercise(course: Course, id: string): Exercise {
  const item = findItem(course, id);
  if (item.kind === 'exercise') return item;
  throw new UserError(messages.notAnExercise(id));
}

/** Ids that look like what was typed: containing it, contained in it, or a few edits away. */
export function closeIds(ids: string[], typed: string, most = 5): string[] {
  const wanted = typed.toLowerCase();
  return ids
    .map((id) => ({ id, distance: editDistance(id, wanted) }))
    .filter(({ id, distance }) => id.includes(wanted) || wanted.includes(id) || distance <= Math.max(2, id.length / 3))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, most)
    .map(({ id }) => id);
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

const messages = {
  unknown: (id: string, close: string[]) =>
    close.length > 0
      ? `There is no lesson or exercise "${id}". Did you mean: ${close.join(', ')}?\nEvery id: npx course list`
      : `There is no lesson or exercise "${id}". Every id: npx course list`,
  notAnExercise: (id: string) => `"${id}" is a lesson, not an exercise. Read it with: npx course show ${id}`,
};
