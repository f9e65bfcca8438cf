import { defineConfig } from 'vitest/config';

/**
 * The test set mutation testing runs against a module: its own unit tests, named by the
 * MUTATION_TESTS glob (comma-separated), not the whole suite. Nearly every test resolves a Plan, so
 * with the whole suite each mutant of a plan rule would also re-run every CDK synthesis.
 */
const include = (process.env.MUTATION_TESTS ?? 'test/**/*.test.ts').split(',');

export default defineConfig({
  test: { include, testTimeout: 120_000, hookTimeout: 120_000, pool: 'forks' },
});
