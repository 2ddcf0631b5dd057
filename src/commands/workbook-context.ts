// What every command starts from: the workbook root, its course and the learner's progress, and
// which exercise a command means when the learner names none.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findExercise } from '../course/find-item.js';
import { loadCourseCached } from '../course/course-cache.js';
import type { Course, Exercise } from '../course/manifest.js';
import { currentItem, lastPassedExercise, loadProgress, type Progress, type ProgressProblem } from '../course/progress.js';
import { findWorkbookRoot, workDir } from '../course/workbook.js';
import { UserError } from '../ui/errors.js';

export interface Workbook {
  root: string;
  course: Course;
  progress: Progress;
}

/** Loads the workbook; a progress file that could not be used as it was is reported. */
export async function openWorkbook(): Promise<Workbook> {
  const root = findWorkbookRoot();
  const course = await loadCourseCached(root);
  const { progress, problem } = loadProgress(root);
  if (problem) console.error(messages.progressProblem(problem, path.relative(process.cwd(), problem.keptAt)));
  return { root, course, progress };
}

/**
 * The exercise a command is about: the one named; else the one whose work folder the learner is
 * in; else the exercise opened last (shown by `next` or `show`), never one not opened yet.
 * `orLastPassed`: failing those, the exercise passed most recently (what `solution` means right
 * after a pass).
 */
export function chooseExercise(
  workbook: Workbook,
  id: string | undefined,
  command: string,
  { orLastPassed = false, cwd = process.cwd() } = {},
): Exercise {
  if (id) return findExercise(workbook.course, id);
  const here = exerciseAt(workbook, cwd);
  if (here) return here;
  const opened = workbook.course.items.find((item) => item.id === workbook.progress.current);
  if (opened?.kind === 'exercise') return opened;
  const passed = orLastPassed ? lastPassedExercise(workbook.course, workbook.progress) : undefined;
  if (passed?.kind === 'exercise') return passed;
  const current = currentItem(workbook.course, workbook.progress);
  // Progress from before `current` was kept: the current exercise, if its work folder is there.
  if (current?.kind === 'exercise' && existsSync(workDir(workbook.root, current))) return current;
  if (current?.kind === 'lesson') throw new UserError(messages.currentIsLesson(current.id, current.title, command));
  if (current) throw new UserError(messages.notOpened(current.id, command));
  throw new UserError(messages.courseFinished(command));
}

/** The exercise whose work folder (`work/<module>/<id>/`) holds `cwd`, if any. */
export function exerciseAt({ root, course }: Workbook, cwd: string): Exercise | undefined {
  const [top, moduleId, id] = path.relative(root, path.resolve(cwd)).split(path.sep);
  if (top !== 'work' || !moduleId || !id) return undefined;
  const item = course.items.find((candidate) => candidate.id === id && candidate.moduleId === moduleId);
  return item?.kind === 'exercise' ? item : undefined;
}

const messages = {
  progressProblem: (problem: ProgressProblem, keptAt: string) =>
    `${messages.progressCause(problem)} ` +
    (problem.salvaged > 0
      ? `${problem.salvaged} ${problem.salvaged === 1 ? 'entry was' : 'entries were'} read back from it and kept; `
      : 'Nothing could be read back from it, so your progress starts again; ') +
    `the original is kept at ${keptAt}.\nYour work in work/ is untouched.`,
  progressCause: ({ cause, version }: ProgressProblem) =>
    cause === 'empty'
      ? 'Your progress file was empty (a crash or a full disk while it was written?).'
      : cause === 'damaged'
        ? 'Your progress file was damaged (it is not valid JSON: cut short, or edited by hand?).'
        : cause === 'version'
          ? typeof version === 'number' && version > 1
            ? `Your progress file is of version ${version}, written by a newer version of the course; this one reads version 1 (update the course to use it).`
            : `Your progress file is of an unknown version (${JSON.stringify(version ?? null)}; this course reads version 1).`
          : 'Your progress file held entries that are not progress (an unknown status, a negative hint count?).',
  currentIsLesson: (id: string, title: string, command: string) =>
    `You are on a lesson ("${title}", ${id}), not an exercise.\n` +
    `Read it with: npx course next   (or name an exercise: npx course ${command} <id>)`,
  notOpened: (id: string, command: string) =>
    `You have not opened an exercise yet: the next one, ${id}, starts with npx course next\n` +
    `(or name one: npx course ${command} <id>)`,
  courseFinished: (command: string) =>
    `You have finished every lesson and exercise. Name one to go back to: npx course ${command} <id>\n` +
    `Every id: npx course list`,
};
