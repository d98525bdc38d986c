import { Aws, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InvalidConfigError } from '../../../config/config-errors';
import { DEFAULT_FAILOVER_TARGET_SUFFIX, failoverTargetName } from '../../../config/failover-target-name';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { InvalidLifeboatPropsError, LifeboatProtection, LifeboatSource } from '../../../lib';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * Audit R12, F1: a source whose bucket, table or directory is named like an environment's drill scratch targets
 * (`<prefix>-drill-*`, which the drill's cleanup empties and deletes) is refused, by lifeboat.config.json and by
 * LifeboatProtection, whichever protection is constructed first and whether or not the name holds a token (review
 * 41a, F1 and F3). `<prefix>-restore-*` is not reserved (review 41a, F2): the failover's targets may become the plan's
 * sources (docs/RUNBOOKS.md), and the restore's own check keeps other sources' restores out of them.
 */
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);

type RawEnvironment = { name: string; plans: { sources: Record<string, unknown>[] }[]; fileSystem?: unknown };

/** The sample config with environments `names`, each a copy of the first; `edit` changes them. */
function configWith(names: string[], edit: (envs: RawEnvironment[]) => void): unknown {
  const raw = JSON.parse(JSON.stringify(sample)) as { environments: RawEnvironment[] };
  const first = raw.environments[0];
  if (!first) throw new Error('the sample config has no environment');
  raw.environments = names.map((name) => ({ ...(JSON.parse(JSON.stringify(first)) as RawEnvironment), name }));
  edit(raw.environments);
  return raw;
}

function sourcesOf(env: RawEnvironment | undefined): Record<string, unknown>[] {
  const sources = env?.plans[0]?.sources;
  if (!sources) throw new Error('the sample config has no plan');
  return sources;
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

const drillWhy = (pattern: string, noun: string, tail: string) =>
  `the drill scratch targets of environment "${pattern.split('-')[1]}", a name pattern Lifeboat reserves: the drill's cleanup deletes every ${pattern} ${noun} older than the drill's timeout and an hour, ${tail}; rename the ${noun} or the environment`;

describe('source names in the reserved patterns (lifeboat.config.json)', () => {
  it('refuses a bucket, table and directory named like drill scratch, naming the field, the pattern and why', () => {
    const issues = issuesOf(
      configWith(['dev'], ([env]) => {
        const sources = sourcesOf(env);
        Object.assign(sources[0] ?? {}, { bucket: 'lifeboat-dev-drill-results' });
        Object.assign(sources[1] ?? {}, { table: 'lifeboat-dev-drill-ledger' });
        Object.assign(sources[2] ?? {}, { path: '/mnt/lifeboat/lifeboat-dev-drill-files/2026' });
      }),
    );
    expect(issues).toEqual([
      `environments[0].plans[0].sources[0].bucket: source "demo-assets": bucket "lifeboat-dev-drill-results" matches lifeboat-dev-drill-*, ${drillWhy('lifeboat-dev-drill-*', 'bucket', 'every object version with it')}`,
      `environments[0].plans[0].sources[1].table: source "demo-orders": table "lifeboat-dev-drill-ledger" matches lifeboat-dev-drill-*, ${drillWhy('lifeboat-dev-drill-*', 'table', 'with all it holds')}`,
      `environments[0].plans[0].sources[2].path: source "demo-files": path "/mnt/lifeboat/lifeboat-dev-drill-files/2026" (its directory "lifeboat-dev-drill-files") matches lifeboat-dev-drill-*, ${drillWhy('lifeboat-dev-drill-*', 'directory', 'with all it holds')}`,
    ]);
  });

  it('refuses names in ANOTHER environment\'s patterns, and an inventory bucket; a directory under the configured mount path', () => {
    const issues = issuesOf(
      configWith(['dev', 'prod'], ([, prod]) => {
        if (!prod) throw new Error('no prod');
        prod.fileSystem = {
          efs: { fileSystemId: 'fs-0123456789abcdef0', accessPointId: 'fsap-0123456789abcdef0', vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupId: 'sg-0123456789abcdef0', mountPath: '/mnt/data' },
        };
        const sources = sourcesOf(prod);
        Object.assign(sources[0] ?? {}, { bucket: 'lifeboat-dev-drill-site', inventory: { bucket: 'lifeboat-prod-drill-inventory' } });
        Object.assign(sources[2] ?? {}, { path: '/mnt/data/lifeboat-dev-drill-x' });
      }),
    );
    expect(issues).toEqual([
      expect.stringMatching(/^environments\[1\]\.plans\[0\]\.sources\[0\]\.bucket: source "demo-assets": bucket "lifeboat-dev-drill-site" matches lifeboat-dev-drill-\*, the drill scratch targets of environment "dev", /),
      expect.stringMatching(/^environments\[1\]\.plans\[0\]\.sources\[0\]\.inventory\.bucket: source "demo-assets": inventory bucket "lifeboat-prod-drill-inventory" matches lifeboat-prod-drill-\*, the drill scratch targets of environment "prod", /),
      expect.stringMatching(/^environments\[1\]\.plans\[0\]\.sources\[2\]\.path: source "demo-files": path "\/mnt\/data\/lifeboat-dev-drill-x" \(its directory "lifeboat-dev-drill-x"\) matches lifeboat-dev-drill-\*, the drill scratch targets of environment "dev", /),
    ]);
  });

  it('accepts names that only look alike, a directory in the pattern deeper than the first level, and a directory named like a restore target', () => {
    const raw = configWith(['dev', 'prod'], ([dev]) => {
      const sources = sourcesOf(dev);
      Object.assign(sources[0] ?? {}, { bucket: 'lifeboat-dev-drilled' });
      Object.assign(sources[1] ?? {}, { table: 'lifeboat-devdrill-ledger' });
      Object.assign(sources[2] ?? {}, { path: '/mnt/lifeboat/files/lifeboat-dev-drill-x' });
      sources.push({ type: 'dynamodb', name: 'restore-like', table: 'my-lifeboat-dev-restore-x' });
      sources.push({ type: 'filesystem', name: 'restored-dir', path: '/mnt/lifeboat/lifeboat-dev-restore-x' });
      sources.push({ type: 's3', name: 'staging', bucket: 'lifeboat-staging-drill-x' });
    });
    expect(issuesOf(raw)).toEqual([]);
  });

  it('accepts the failover\'s targets as the plan\'s sources, of its own environment and of another (RUNBOOKS, "When the primary region returns")', () => {
    const raw = configWith(['dev', 'prod'], ([dev, prod]) => {
      const sources = sourcesOf(dev);
      Object.assign(sources[0] ?? {}, { bucket: failoverTargetName('lifeboat-dev-restore-', 'demo-assets', DEFAULT_FAILOVER_TARGET_SUFFIX) });
      delete (sources[0] ?? {}).mirror;
      Object.assign(sources[1] ?? {}, { table: failoverTargetName('lifeboat-dev-restore-', 'demo-orders', DEFAULT_FAILOVER_TARGET_SUFFIX) });
      sourcesOf(prod).push({ type: 'dynamodb', name: 'dev-orders', table: failoverTargetName('lifeboat-dev-restore-', 'demo-orders', 'eu-outage') });
    });
    expect(sourcesOf((raw as { environments: RawEnvironment[] }).environments[0])[0]).toMatchObject({ bucket: 'lifeboat-dev-restore-demo-assets-failover' });
    expect(issuesOf(raw)).toEqual([]);
  });
});

describe('source names in the reserved patterns (LifeboatProtection)', () => {
  function build(sources: (stack: Stack) => LifeboatSource[], prefix = 'shop', fileSystem = false): void {
    const app = templateOnlyApp();
    const stack = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    new LifeboatProtection(stack, 'Lifeboat', {
      prefix,
      drRegion: 'us-west-2',
      ...(fileSystem
        ? { fileSystem: { fileSystemId: 'fs-0123456789abcdef0', accessPointId: 'fsap-0123456789abcdef0', vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupId: 'sg-0123456789abcdef0' } }
        : {}),
      plans: [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, maxConcurrency: 8, sources: sources(stack) }],
    });
  }

  function messageOf(run: () => void): string {
    try {
      run();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidLifeboatPropsError);
      return (err as Error).message;
    }
    throw new Error('expected the props to be refused');
  }

  it('refuses an imported bucket, an owned table with a literal name and a directory in the prefix\'s patterns, naming the prop', () => {
    const message = messageOf(() =>
      build(
        (stack) => [
          LifeboatSource.s3Bucket('results', s3.Bucket.fromBucketName(stack, 'Results', 'shop-drill-results')),
          LifeboatSource.dynamoDbTable('ledger', new dynamodb.Table(stack, 'Ledger', { tableName: 'shop-drill-ledger', partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } })),
          LifeboatSource.fileSystem('files', '/mnt/lifeboat/shop-drill-files'),
        ],
        'shop',
        true,
      ),
    );
    expect(message).toContain(
      'plans[0].sources[0].bucket: source "results": bucket "shop-drill-results" matches shop-drill-*, the drill scratch targets of this protection (prefix "shop"), a name pattern Lifeboat reserves: the drill\'s cleanup deletes every shop-drill-* bucket older than the drill\'s timeout and an hour, every object version with it; rename the bucket or the prefix',
    );
    expect(message).toContain('plans[0].sources[1].table: source "ledger": table "shop-drill-ledger" matches shop-drill-*, the drill scratch targets of this protection (prefix "shop")');
    expect(message).toContain('plans[0].sources[2].path: source "files": path "/mnt/lifeboat/shop-drill-files" (its directory "shop-drill-files") matches shop-drill-*');
  });

  it('refuses an owned bucket and table whose names hold a token after a literal start in the pattern', () => {
    const message = messageOf(() =>
      build((stack) => [
        LifeboatSource.s3Bucket('results', new s3.Bucket(stack, 'Results', { bucketName: `shop-drill-results-${Aws.ACCOUNT_ID}` })),
        LifeboatSource.dynamoDbTable('ledger', new dynamodb.Table(stack, 'Ledger', { tableName: `shop-drill-ledger-${Aws.STACK_NAME}`, partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } })),
      ]),
    );
    expect(message).toMatch(/plans\[0\]\.sources\[0\]\.bucket: source "results": bucket "shop-drill-results-\$\{Token\[AWS\.AccountId\.\d+\]\}" matches shop-drill-\*, the drill scratch targets of this protection \(prefix "shop"\)/);
    expect(message).toMatch(/plans\[0\]\.sources\[1\]\.table: source "ledger": table "shop-drill-ledger-\$\{Token\[AWS\.StackName\.\d+\]\}" matches shop-drill-\*/);
  });

  it("refuses an auto-named bucket whose deployedName is in the prefix's patterns (review r6 R6-3)", () => {
    const message = messageOf(() => build((stack) => [LifeboatSource.s3Bucket('results', new s3.Bucket(stack, 'Results'), { deployedName: 'shop-drill-results1a2b3c-xyz' })]));
    expect(message).toContain('plans[0].sources[0].bucket: source "results": bucket "shop-drill-results1a2b3c-xyz" matches shop-drill-*, the drill scratch targets of this protection (prefix "shop")');
  });

  it('builds a protection whose sources only look alike, one whose names CloudFormation generates or start with a token, and one running on its failover targets', () => {
    expect(() =>
      build((stack) => [
        LifeboatSource.s3Bucket('results', s3.Bucket.fromBucketName(stack, 'Results', 'shop-drilled')),
        LifeboatSource.s3Bucket('generated', new s3.Bucket(stack, 'Generated')),
        LifeboatSource.s3Bucket('tokened', new s3.Bucket(stack, 'Tokened', { bucketName: `${Aws.ACCOUNT_ID}-shop-drill-x` })),
        LifeboatSource.dynamoDbTable('ledger', new dynamodb.Table(stack, 'Ledger', { tableName: 'shopping-drill-ledger', partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } })),
        LifeboatSource.s3Bucket('site', s3.Bucket.fromBucketName(stack, 'Site', failoverTargetName('shop-restore-', 'site', DEFAULT_FAILOVER_TARGET_SUFFIX))),
        LifeboatSource.dynamoDbTable('orders', new dynamodb.Table(stack, 'Orders', { tableName: failoverTargetName('shop-restore-', 'orders', DEFAULT_FAILOVER_TARGET_SUFFIX), partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } })),
      ]),
    ).not.toThrow();
  });

  describe('against another protection of the app, whichever is constructed first', () => {
    const plan = (sources: LifeboatSource[]) => [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental' as const, retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, maxConcurrency: 8, sources }];

    /** Protection A (prefix alpha) with a bucket in beta-drill-*, and protection B (prefix beta), built in `order`. */
    function buildPair(order: 'A first' | 'B first'): string {
      const app = templateOnlyApp();
      const stack = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
      const a = () => new LifeboatProtection(stack, 'A', { prefix: 'alpha', drRegion: 'us-west-2', plans: plan([LifeboatSource.s3Bucket('results', s3.Bucket.fromBucketName(stack, 'Results', 'beta-drill-results'))]) });
      const b = () => new LifeboatProtection(stack, 'B', { prefix: 'beta', drRegion: 'us-west-2', plans: plan([LifeboatSource.s3Bucket('data', s3.Bucket.fromBucketName(stack, 'Data', 'beta-data'))]) });
      return messageOf(() => {
        if (order === 'A first') {
          a();
          b();
        } else {
          b();
          a();
        }
      });
    }

    it('refuses the later protection A, naming its source and the earlier protection B', () => {
      expect(buildPair('B first')).toContain(
        'plans[0].sources[0].bucket: source "results": bucket "beta-drill-results" matches beta-drill-*, the drill scratch targets of protection Shop/B (prefix "beta"), a name pattern Lifeboat reserves: the drill\'s cleanup deletes every beta-drill-* bucket older than the drill\'s timeout and an hour, every object version with it; rename the bucket or that protection\'s prefix',
      );
    });

    it('refuses the later protection B, naming the earlier protection A\'s source', () => {
      const message = buildPair('A first');
      expect(message).toContain('LifeboatProtection Shop/B');
      expect(message).toContain(
        'prefix: protection Shop/A\'s plans[0].sources[0].bucket: source "results": bucket "beta-drill-results" matches beta-drill-*, the drill scratch targets of this protection (prefix "beta"), a name pattern Lifeboat reserves: the drill\'s cleanup deletes every beta-drill-* bucket older than the drill\'s timeout and an hour, every object version with it; rename the bucket or this protection\'s prefix',
      );
    });
  });
});
