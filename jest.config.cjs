/**
 * Test tiers by folder, one jest project each (`npm run test:<tier>`, or `jest --selectProjects <tier>`):
 * unit (pure core), infra (CDK + cdk-nag), integration (local cloud), e2e (synthesized workflows).
 * The tiers that synthesize the app share one globalSetup (test/support/jest-global-setup.ts):
 * handler bundles built once per run and a synthesis cache, passed to the workers by environment;
 * every tier's setup also bundles the CLI once, for the tests that run it as a process
 * (test/support/cli-bundle.ts), and the synthesizing tiers' setup bundles the local cloud's process
 * once, for every cloud the tests start (test/support/cloud-process-bundle.ts). Why: docs/TESTING.md.
 * Jest runs a project's globalSetup only when that project has tests to run. Every test file stops
 * its vault codec threads when it ends (test/support/stop-codec-pool-after-file.ts), and the slowest
 * suites start first, also on a fresh clone without timings (test/support/slow-first-sequencer.cjs).
 */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.cjs' },
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
  setupFilesAfterEnv: ['<rootDir>/test/support/stop-codec-pool-after-file.ts', '<rootDir>/test/support/buffer-equality.ts'],
};

const synthesizing = {
  globalSetup: '<rootDir>/test/support/jest-global-setup.ts',
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.ts',
};

const tier = (name, extra = {}) => ({
  ...shared,
  ...extra,
  displayName: name,
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
});

module.exports = {
  projects: [tier('unit', { globalSetup: '<rootDir>/test/support/jest-unit-setup.ts', globalTeardown: '<rootDir>/test/support/jest-unit-teardown.ts' }), tier('infra', synthesizing), tier('integration', synthesizing), tier('e2e', synthesizing)],
  testSequencer: '<rootDir>/test/support/slow-first-sequencer.cjs',
  maxWorkers: 2,
  // A worker whose heap is over this after a test file is replaced by a fresh one: every file's
  // module registry (AWS SDK, zod, aws-cdk-lib) stays on the heap until a full collection, and with
  // 550 MB at the end a worker missed jest's 500 ms to exit. docs/TESTING.md, "Worker memory".
  workerIdleMemoryLimit: '300MB',
  testTimeout: 120000,
  verbose: false,
};
