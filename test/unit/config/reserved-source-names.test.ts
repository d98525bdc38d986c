import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InvalidConfigError } from '../../../config/config-errors';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { InvalidLifeboatPropsError, LifeboatProtection, LifeboatSource } from '../../../lib';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * Audit R12, F1: a source whose bucket, table or directory is named like an environment's drill scratch targets
 * (`<prefix>-drill-*`, which the drill's cleanup empties and deletes) or restore targets (`<prefix>-restore-*`, which
 * any restore may write without approval) is refused, by lifeboat.config.json and by LifeboatProtection.
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
  `the drill scratch targets of environment "${pattern.split('-')[1]}", a name pattern Lifeboat reserves: the drill's cleanup deletes every ${pattern} ${noun} older than a day, ${tail}; rename the ${noun} or the environment`;

describe('source names in the reserved patterns (lifeboat.config.json)', () => {
  it('refuses a bucket, table and directory named like drill scratch, and a table named like a restore target, naming the field, the pattern and why', () => {
    const issues = issuesOf(
      configWith(['dev'], ([env]) => {
        const sources = sourcesOf(env);
        Object.assign(sources[0] ?? {}, { bucket: 'lifeboat-dev-drill-results' });
        Object.assign(sources[1] ?? {}, { table: 'lifeboat-dev-drill-ledger' });
        Object.assign(sources[2] ?? {}, { path: '/mnt/lifeboat/lifeboat-dev-drill-files/2026' });
        sources.push({ type: 'dynamodb', name: 'restore-named', table: 'lifeboat-dev-restore-ledger' });
      }),
    );
    expect(issues).toEqual([
      `environments[0].plans[0].sources[0].bucket: source "demo-assets": bucket "lifeboat-dev-drill-results" matches lifeboat-dev-drill-*, ${drillWhy('lifeboat-dev-drill-*', 'bucket', 'every object version with it')}`,
      `environments[0].plans[0].sources[1].table: source "demo-orders": table "lifeboat-dev-drill-ledger" matches lifeboat-dev-drill-*, ${drillWhy('lifeboat-dev-drill-*', 'table', 'with all it holds')}`,
      `environments[0].plans[0].sources[2].path: source "demo-files": path "/mnt/lifeboat/lifeboat-dev-drill-files/2026" (its directory "lifeboat-dev-drill-files") matches lifeboat-dev-drill-*, ${drillWhy('lifeboat-dev-drill-*', 'directory', 'with all it holds')}`,
      'environments[0].plans[0].sources[3].table: source "restore-named": table "lifeboat-dev-restore-ledger" matches lifeboat-dev-restore-*, the restore targets of environment "dev", a name pattern Lifeboat reserves: a restore of any other source may write into a lifeboat-dev-restore-* table without an approval step, mixing that source\'s data into this one and its backups; rename the table or the environment',
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
        Object.assign(sources[0] ?? {}, { bucket: 'lifeboat-dev-restore-site', inventory: { bucket: 'lifeboat-prod-drill-inventory' } });
        Object.assign(sources[2] ?? {}, { path: '/mnt/data/lifeboat-dev-drill-x' });
      }),
    );
    expect(issues).toEqual([
      expect.stringMatching(/^environments\[1\]\.plans\[0\]\.sources\[0\]\.bucket: source "demo-assets": bucket "lifeboat-dev-restore-site" matches lifeboat-dev-restore-\*, the restore targets of environment "dev", /),
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
          LifeboatSource.dynamoDbTable('ledger', new dynamodb.Table(stack, 'Ledger', { tableName: 'shop-restore-ledger', partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } })),
          LifeboatSource.fileSystem('files', '/mnt/lifeboat/shop-drill-files'),
        ],
        'shop',
        true,
      ),
    );
    expect(message).toContain(
      'plans[0].sources[0].bucket: source "results": bucket "shop-drill-results" matches shop-drill-*, the drill scratch targets of this protection (prefix "shop"), a name pattern Lifeboat reserves: the drill\'s cleanup deletes every shop-drill-* bucket older than a day, every object version with it; rename the bucket or the prefix',
    );
    expect(message).toContain('plans[0].sources[1].table: source "ledger": table "shop-restore-ledger" matches shop-restore-*, the restore targets of this protection (prefix "shop")');
    expect(message).toContain('plans[0].sources[2].path: source "files": path "/mnt/lifeboat/shop-drill-files" (its directory "shop-drill-files") matches shop-drill-*');
  });

  it('builds a protection whose sources only look alike, and one whose bucket name CloudFormation generates', () => {
    expect(() =>
      build((stack) => [
        LifeboatSource.s3Bucket('results', s3.Bucket.fromBucketName(stack, 'Results', 'shop-drilled')),
        LifeboatSource.s3Bucket('generated', new s3.Bucket(stack, 'Generated')),
        LifeboatSource.dynamoDbTable('ledger', new dynamodb.Table(stack, 'Ledger', { tableName: 'shopping-restore-ledger', partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } })),
      ]),
    ).not.toThrow();
  });
});
