// Metadata a check attaches to a test (see checks/lib/exercise.ts) for the engine to report.
import 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** Log lines shown to the learner next to a failed expectation. */
    logExcerpt?: string[];
    /** The events that explain a failed expectation (see src/timeline/explain.ts). */
    timeline?: import('../timeline/model.js').TimelineEvent[];
  }
}
