/** Test tiers by folder: unit (pure core), infra (CDK + cdk-nag), integration (local cloud), e2e (synthesized workflows). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.cjs' },
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
  maxWorkers: 2,
  testTimeout: 120000,
  verbose: false,
};
