import { runtimeConfigFromEnv } from '../../../../lambdas/runtime/runtime-config';

/** The drill's comparison reads the live buckets in the primary region: functions learn it from LIFEBOAT_PRIMARY_REGION. */
const env = { AWS_REGION: 'us-west-2', LIFEBOAT_ENVIRONMENT: 'dev', CATALOG_TABLE: 'lifeboat-dev-catalog', LIFEBOAT_PLANS: '[]', VAULT_BUCKET: 'v' };

it('reads LIFEBOAT_PRIMARY_REGION, and leaves it out when unset or empty', () => {
  expect(runtimeConfigFromEnv({ ...env, LIFEBOAT_PRIMARY_REGION: 'us-east-1' }).primaryRegion).toBe('us-east-1');
  expect(runtimeConfigFromEnv(env)).not.toHaveProperty('primaryRegion');
  expect(runtimeConfigFromEnv({ ...env, LIFEBOAT_PRIMARY_REGION: '' })).not.toHaveProperty('primaryRegion');
});
