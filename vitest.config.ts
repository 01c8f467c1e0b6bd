import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The unit tier: pure rules, configuration, and workflows run by the fake runtime in
 * test/support/workflowHarness.ts with mocked activities. Nothing here may start a Temporal server,
 * a database or a browser: new server-free tests go under test/unit/. `npm run test:unit` runs this
 * tier alone; `npm test` runs both tiers, each file once.
 */
const UNIT_TESTS = ['test/unit/**/*.test.ts', 'test/rules/**/*.test.ts', 'test/config.test.ts'];

export default defineConfig({
  test: {
    // The Temporal native runtime has crashed inside worker threads: always use forks.
    pool: 'forks',
    // Temporal servers are heavy on a 2-core machine: a couple of files at a time.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT_TESTS,
          testTimeout: 10_000,
          hookTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          // Everything else: Temporal servers, databases, the API over HTTP, Chromium, scripts.
          name: 'full',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT_TESTS],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Checks the Temporal binaries (and PostgreSQL when asked for): the unit tier needs neither.
          globalSetup: ['test/support/globalSetup.ts'],
          // The browser tests poll what a page shows; on a loaded 2-core machine a screen can take
          // seconds to settle, and vitest's default of 1 s would fail a correct page.
          expect: { poll: { timeout: 30_000, interval: 100 } },
        },
      },
    ],
  },
});
