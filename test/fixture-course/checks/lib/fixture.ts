// What the fixture's checks share: where the graded code is, and a stand-in for the harness's
// environment start, which fails the way the real one does (an error named EnvironmentError)
// when a test sets FIXTURE_BROKEN_ENVIRONMENT, or kills the check's process (FIXTURE_WORKER_DIES_AFTER).
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';

export function exerciseFile(file: string): string {
  const dir = process.env.COURSE_EXERCISE_DIR;
  if (!dir) throw new Error('COURSE_EXERCISE_DIR is not set: run this through `course check`');
  return path.join(dir, file);
}

/** The learner's TypeScript module, compiled by tsx (a check runs in plain Node). */
export async function importExercise<T>(file: string): Promise<T> {
  return (await tsImport(exerciseFile(file), import.meta.url)) as T;
}

let started = 0;

export function startEnvironment(): void {
  // FIXTURE_WORKER_DIES_AFTER=N: the check's process is killed as the expectation after the Nth starts.
  if (++started > Number(process.env.FIXTURE_WORKER_DIES_AFTER ?? Infinity)) process.kill(process.pid, 'SIGKILL');
  if (process.env.FIXTURE_BROKEN_ENVIRONMENT) {
    const error = new Error('redis-server did not start: port 6379 is already in use');
    error.name = 'EnvironmentError';
    throw error;
  }
}
