// Mutation testing (not part of CI: it takes minutes to hours). Shows whether the tests guard
// behaviour: a surviving mutant is a change to the code that no test notices.
//   MUTATION_TESTS='test/plan/**/*.test.ts' npm run mutation -- --mutate 'src/plan/checks/**/*.ts'
// names one module and the tests that own it (see vitest.mutation.config.ts); without
// MUTATION_TESTS every test runs against every mutant, which takes hours.
// The HTML report lands in reports/mutation/.
// The vitest runner switches a mutant on in beforeAll: what a test file computes while it is being
// collected (a describe-level `const plan = resolvePlan(...)`) runs unmutated, so every mutant only
// it reaches survives. Build fixtures in beforeAll/beforeEach in tests that guard a mutated module.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // Only the tests that cover a mutant run against it.
  coverageAnalysis: 'perTest',
  mutate: [
    'src/plan/checks/**/*.ts',
    'src/config/rails.ts',
    'src/config/gitaly.ts',
    'src/config/praefect.ts',
    'src/cost/bom.ts',
    'src/infra/security.ts',
    'src/lifecycle/upgrade.ts',
  ],
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  thresholds: { high: 90, low: 85, break: null },
  concurrency: 2,
  timeoutMS: 60_000,
  tempDirName: '.stryker-tmp',
};
