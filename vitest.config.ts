import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'modules/**/*.test.ts'],
    // Graded checks run only through `course check`; fixture copies made by the tests are scratch.
    exclude: ['**/node_modules/**', 'dist/**', 'checks/**', 'test/fixture-course/**', 'test/**/tmp-*/**', '**/tmp-*/**'],
    globalSetup: ['test/global-setup.ts'],
    // The CLI tests spawn the built runner, some twice in a test; beside two busy loops one check of
    // the fixture took 14 s. A backstop only: what a test asserts is behaviour, each with its own bound.
    testTimeout: 60_000,
  },
});
