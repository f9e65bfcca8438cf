import { defineConfig } from 'vitest/config';

/**
 * Tests that synthesize CDK apps run in one reused process, not a fresh one per file: the first
 * synthesis in a process pays for loading aws-cdk-lib and warming up its CloudFormation validator
 * (over ten seconds on two cores), and test/infra/synth.ts can share apps between files.
 */
const SYNTHESIZING = ['test/infra/**/*.test.ts', 'test/library.test.ts'];

export default defineConfig({
  test: {
    // CDK synthesis of the largest architectures takes a few seconds on two cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest keeps one CPU free by default, which on two cores runs every file in turn.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'synth', include: SYNTHESIZING, isolate: false } },
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: SYNTHESIZING } },
    ],
  },
});
