// What the fixture's checks share: where the graded code is, and a stand-in for the harness's
// environment start, which fails the way the real one does (an error named EnvironmentError)
// when a test sets FIXTURE_BROKEN_ENVIRONMENT.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export function exerciseFile(file: string): string {
  const dir = process.env.COURSE_EXERCISE_DIR;
  if (!dir) throw new Error('COURSE_EXERCISE_DIR is not set: run this through `course check`');
  return path.join(dir, file);
}

export async function importExercise<T>(file: string): Promise<T> {
  return (await import(pathToFileURL(exerciseFile(file)).href)) as T;
}

export function startEnvironment(): void {
  if (process.env.FIXTURE_BROKEN_ENVIRONMENT) {
    const error = new Error('redis-server did not start: port 6379 is already in use');
    error.name = 'EnvironmentError';
    throw error;
  }
}
