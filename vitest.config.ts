import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'modules/**/*.test.ts'],
    // Graded checks run only through `course check`; fixture copies made by the tests are scratch.
    exclude: ['**/node_modules/**', 'dist/**', 'checks/**', 'test/fixture-course/**', 'test/**/tmp-*/**', '**/tmp-*/**'],
    globalSetup: ['test/global-setup.ts'],
    // The CLI tests spawn the built runner; its start-up is slower on a loaded machine.
    testTimeout: 30_000,
  },
});
