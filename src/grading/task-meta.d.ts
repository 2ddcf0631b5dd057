// Metadata a check attaches to a test (see checks/lib/exercise.ts) for the engine to report.
import 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** Log lines shown to the learner next to a failed expectation. */
    logExcerpt?: string[];
  }
}
