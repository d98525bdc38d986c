import { InvalidConfigError } from '../../../config/config-errors';
import { DEFAULT_FAILOVER_TARGET_SUFFIX, failoverTargetName } from '../../../config/failover-target-name';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { failoverTargetOf } from '../../../lambdas/failover/failover-targets';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * lifeboat.config.json refuses an S3 source whose failover bucket `lifeboat-<env>-restore-<source>-failover` would exceed
 * S3's 63 characters (audit R7, finding 3): the failover would find out during an outage and refuse the whole plan.
 * LifeboatProtection checks the same rule with its own prefix (lifeboat-protection.test.ts, "prop validation").
 */

const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);

/** The sample config with one environment named `envName` whose first plan's sources are `sources`. */
function configWith(envName: string, sources: Record<string, unknown>[]): unknown {
  const raw = JSON.parse(JSON.stringify(sample)) as { environments: { name: string; plans: { sources: unknown[]; drill?: unknown }[] }[] };
  const [env] = raw.environments;
  if (!env?.plans[0]) throw new Error('the sample config has no plan');
  env.name = envName;
  env.plans = [{ ...env.plans[0], sources }];
  raw.environments = [env];
  return raw;
}

function issuesOf(raw: unknown): string[] {
  try {
    parseLifeboatConfig(raw, 'test.json');
  } catch (err) {
    if (err instanceof InvalidConfigError) return err.issues as string[];
    throw err;
  }
  return [];
}

describe('failover target names in lifeboat.config.json', () => {
  // lifeboat-production-eu-restore- has 31 characters, -failover 9: a source name may have 23.
  const env = 'production-eu';

  it('refuses an S3 source, mirrored or not, whose failover bucket would exceed 63 characters, naming it and the bucket', () => {
    const issues = issuesOf(
      configWith(env, [
        { type: 's3', name: 'customer-uploads-originals', bucket: 'shop-uploads' },
        { type: 's3', name: 'customer-uploads-mirrored', bucket: 'shop-mirrored', mirror: true },
        { type: 's3', name: 'customer-uploads-fits', bucket: 'shop-fits' },
        // Table names may have 255 characters: a table source is not limited.
        { type: 'dynamodb', name: 'customer-orders-table-eu-west-on', table: 'orders' },
      ]),
    );
    expect(issues).toEqual([
      'environments[0].plans[0].sources[0].name: source "customer-uploads-originals": the failover would restore it into the bucket lifeboat-production-eu-restore-customer-uploads-originals-failover (66 characters), over S3\'s 63, and so refuse to fail over its plan; shorten the environment\'s name or the source\'s',
      'environments[0].plans[0].sources[1].name: source "customer-uploads-mirrored": the failover would restore it into the bucket lifeboat-production-eu-restore-customer-uploads-mirrored-failover (65 characters), over S3\'s 63, and so refuse to fail over its plan; shorten the environment\'s name or the source\'s',
    ]);
  });

  it('takes an S3 source whose failover bucket has exactly 63 characters', () => {
    expect(issuesOf(configWith(env, [{ type: 's3', name: 'customer-uploads-23char', bucket: 'shop-fits' }]))).toEqual([]);
    expect(failoverTargetName('lifeboat-production-eu-restore-', 'customer-uploads-23char', DEFAULT_FAILOVER_TARGET_SUFFIX)).toHaveLength(63);
  });
});

describe('the failover target name rule', () => {
  it('is the failover\'s own: the name failoverTargetOf gives', () => {
    const target = failoverTargetOf({ type: 's3', name: 'assets', bucket: 'shop-assets', prefix: '' }, 'shop-restore-', DEFAULT_FAILOVER_TARGET_SUFFIX);
    expect(target).toEqual({ type: 's3', bucket: failoverTargetName('shop-restore-', 'assets', DEFAULT_FAILOVER_TARGET_SUFFIX), prefix: '' });
    expect(target).toEqual({ type: 's3', bucket: 'shop-restore-assets-failover', prefix: '' });
  });
});
