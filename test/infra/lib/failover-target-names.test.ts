import { InvalidConfigError } from '../../../config/config-errors';
import { DEFAULT_FAILOVER_TARGET_SUFFIX, failoverSuffixRoom, failoverSuffixWarning, failoverTargetName } from '../../../config/failover-target-name';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { failoverTargetOf } from '../../../lambdas/failover/failover-targets';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * lifeboat.config.json refuses an S3 source whose failover bucket `lifeboat-<env>-restore-<source>-<suffix>` would exceed
 * S3's 63 characters with any suffix (audit R7, finding 3): the failover would find out during an outage and refuse the
 * whole plan. One that fits only a suffix shorter than the default is taken, and synth warns (review 40c: refusing it
 * forced a rename of the source, its identity in the catalog, where a shorter targetSuffix would do).
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
  // lifeboat-production-eu-restore- has 31 characters: with `-` and a suffix of at least one character, a source name may have 30.
  const env = 'production-eu';

  it('refuses an S3 source, mirrored or not, whose failover bucket exceeds 63 characters with any suffix, naming it and the bucket', () => {
    const issues = issuesOf(
      configWith(env, [
        { type: 's3', name: 'customer-uploads-originals-eu-1', bucket: 'shop-uploads' },
        { type: 's3', name: 'customer-uploads-mirrored-eu-w1', bucket: 'shop-mirrored', mirror: true },
        // Fits a targetSuffix of up to 5 characters, not the default: the failover's input names one (synth warns).
        { type: 's3', name: 'customer-uploads-originals', bucket: 'shop-fits' },
        // Table names may have 255 characters: a table source is not limited.
        { type: 'dynamodb', name: 'customer-orders-table-eu-west-on', table: 'orders' },
      ]),
    );
    expect(issues).toEqual([
      'environments[0].plans[0].sources[0].name: source "customer-uploads-originals-eu-1": the failover would restore it into a bucket lifeboat-production-eu-restore-customer-uploads-originals-eu-1-x or longer (64 characters with a one-character targetSuffix), over S3\'s 63, and so refuse to fail over its plan; shorten the environment\'s name or the source\'s',
      'environments[0].plans[0].sources[1].name: source "customer-uploads-mirrored-eu-w1": the failover would restore it into a bucket lifeboat-production-eu-restore-customer-uploads-mirrored-eu-w1-x or longer (64 characters with a one-character targetSuffix), over S3\'s 63, and so refuse to fail over its plan; shorten the environment\'s name or the source\'s',
    ]);
  });

  it('takes an S3 source whose failover bucket has exactly 63 characters with a one-character suffix, and one that fits the default', () => {
    expect(issuesOf(configWith(env, [{ type: 's3', name: 'customer-uploads-originals-eu1', bucket: 'shop-fits' }]))).toEqual([]);
    expect(failoverTargetName('lifeboat-production-eu-restore-', 'customer-uploads-originals-eu1', 'x')).toHaveLength(63);
    expect(issuesOf(configWith(env, [{ type: 's3', name: 'customer-uploads-23char', bucket: 'shop-fits' }]))).toEqual([]);
    expect(failoverTargetName('lifeboat-production-eu-restore-', 'customer-uploads-23char', DEFAULT_FAILOVER_TARGET_SUFFIX)).toHaveLength(63);
  });
});

describe('the room for a targetSuffix', () => {
  it('is what S3\'s 63 characters leave, and the warning names it only when the default does not fit', () => {
    expect(failoverSuffixRoom('lifeboat-production-eu-restore-', 'customer-uploads-originals')).toBe(5);
    expect(failoverSuffixWarning('lifeboat-production-eu-restore-', 'customer-uploads-originals')).toBe(
      'source "customer-uploads-originals": the failover\'s default bucket lifeboat-production-eu-restore-customer-uploads-originals-failover (66 characters) is over S3\'s 63: a failover of its plan must name a targetSuffix of at most 5 characters (docs/RUNBOOKS.md, "Failover")',
    );
    expect(failoverSuffixWarning('lifeboat-production-eu-restore-', 'customer-uploads-23char')).toBeUndefined();
    expect(failoverSuffixWarning('lifeboat-production-eu-restore-', 'customer-uploads-originals-eu-1')).toBeUndefined();
  });
});

describe('the failover target name rule', () => {
  it('is the failover\'s own: the name failoverTargetOf gives', () => {
    const target = failoverTargetOf({ type: 's3', name: 'assets', bucket: 'shop-assets', prefix: '' }, 'shop-restore-', DEFAULT_FAILOVER_TARGET_SUFFIX);
    expect(target).toEqual({ type: 's3', bucket: failoverTargetName('shop-restore-', 'assets', DEFAULT_FAILOVER_TARGET_SUFFIX), prefix: '' });
    expect(target).toEqual({ type: 's3', bucket: 'shop-restore-assets-failover', prefix: '' });
  });
});
