import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Temporal native runtime has crashed inside worker threads: always use forks.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Temporal servers are heavy on a 2-core machine: a couple of files at a time.
    maxWorkers: 2,
    globalSetup: ['test/support/globalSetup.ts'],
  },
});
