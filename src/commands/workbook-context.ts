// What every command starts from: the workbook root, its course and the learner's progress, and
// which exercise a command means when the learner names none.
import path from 'node:path';
import { findExercise } from '../course/find-item.js';
import { loadCourseCached } from '../course/course-cache.js';
import type { Course, Exercise } from '../course/manifest.js';
import { currentItem, lastPassedExercise, loadProgress, type Progress } from '../course/progress.js';
import { findWorkbookRoot } from '../course/workbook.js';
import { UserError } from '../ui/errors.js';

export interface Workbook {
  root: string;
  course: Course;
  progress: Progress;
}

/** Loads the workbook; a progress file that could not be read is reported (it was moved aside). */
export async function openWorkbook(): Promise<Workbook> {
  const root = findWorkbookRoot();
  const course = await loadCourseCached(root);
  const { progress, movedCorruptFileTo } = loadProgress(root);
  if (movedCorruptFileTo) console.error(messages.corruptProgress(path.relative(process.cwd(), movedCorruptFileTo)));
  return { root, course, progress };
}

/**
 * The exercise a command is about: the one named, else the current item if it is an exercise.
 * `orLastPassed`: when the current item is not an exercise, the exercise passed most recently
 * (what `solution` means right after a pass).
 */
export function chooseExercise(
  workbook: Workbook,
  id: string | undefined,
  command: string,
  { orLastPassed = false } = {},
): Exercise {
  if (id) return findExercise(workbook.course, id);
  const current = currentItem(workbook.course, workbook.progress);
  if (current?.kind === 'exercise') return current;
  const passed = orLastPassed ? lastPassedExercise(workbook.course, workbook.progress) : undefined;
  if (passed?.kind === 'exercise') return passed;
  if (current) throw new UserError(messages.currentIsLesson(current.id, current.title, command));
  throw new UserError(messages.courseFinished(command));
}

const messages = {
  corruptProgress: (movedTo: string) =>
    `Your progress file could not be read, so it was moved to ${movedTo} and a fresh one was started.\n` +
    `Your work in work/ is untouched. To recover, fix that file and move it back to .course/progress.json.`,
  currentIsLesson: (id: string, title: string, command: string) =>
    `You are on a lesson ("${title}", ${id}), not an exercise.\n` +
    `Read it with: npx course next   (or name an exercise: npx course ${command} <id>)`,
  courseFinished: (command: string) =>
    `You have finished every lesson and exercise. Name one to go back to: npx course ${command} <id>\n` +
    `Every id: npx course list`,
};
