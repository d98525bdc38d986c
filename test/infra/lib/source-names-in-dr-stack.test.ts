import { type App, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { type ProtectionPlanConfig } from '../../../config/lifeboat-config';
import { NAME_IN_OTHER_REGION } from '../../../config/names-in-other-region';
import { InvalidLifeboatPropsError, type LifeboatPlan, LifeboatProtection, type LifeboatProtectionProps, LifeboatSource } from '../../../lib';
import { templateOnlyApp } from '../../support/template-only-app';
import { synthesizeApp } from './synth-app';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * A source's bucket or table name in the DR stack (audit a1 F1–F4). Lifeboat never names a user's resource: a TableV2's
 * name, resolved in the DR stack (another region), used to be generated and written into the user's table, which
 * CloudFormation applies as a replacement by a new, empty table (F1). The DR stack gets a literal name or the stand-in,
 * never a token of the primary region (an import, a parameter, an SSM value: F2). A mirrored source without a literal
 * name, which the DR mirror check could never find, is refused (F2, F3), as is a drStack without a region (F4).
 */
const DR_REGION = 'us-west-2';
const KEY = { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } };

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Template = { Resources: Record<string, Resource>; Parameters?: Record<string, unknown> };

function plan(sources: LifeboatSource[]): LifeboatPlan {
  return { name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1500, rtoMinutes: 60 }, sources };
}

/** The user's stack of F1: a bucket, a Table and a TableV2, each auto-named and named, and an auto-named inventory bucket. */
function userStack(app: App) {
  const stack = new Stack(app, 'Shop', { env: USER_APP_ENV });
  const inventory = new s3.Bucket(stack, 'Inventory');
  const sources = [
    LifeboatSource.s3Bucket('bucket-auto', new s3.Bucket(stack, 'BucketAuto', { versioned: true }), { inventory: { bucket: inventory } }),
    LifeboatSource.s3Bucket('bucket-named', new s3.Bucket(stack, 'BucketNamed', { bucketName: 'shop-bucket-named' })),
    LifeboatSource.dynamoDbTable('table-auto', new dynamodb.Table(stack, 'TableAuto', KEY)),
    LifeboatSource.dynamoDbTable('table-named', new dynamodb.Table(stack, 'TableNamed', { ...KEY, tableName: 'shop-table-named' })),
    LifeboatSource.dynamoDbTable('tablev2-auto', new dynamodb.TableV2(stack, 'TableV2Auto', KEY)),
    LifeboatSource.dynamoDbTable('tablev2-named', new dynamodb.TableV2(stack, 'TableV2Named', { ...KEY, tableName: 'shop-tablev2-named' })),
  ];
  return { stack, sources };
}

const USER_RESOURCES = ['BucketAuto', 'BucketNamed', 'TableAuto', 'TableNamed', 'TableV2Auto', 'TableV2Named', 'Inventory'];

/** The user's resources of a template, by construct id: everything CloudFormation gets of them. */
function userResources(template: Template): Record<string, Resource[]> {
  const { Resources } = template;
  return Object.fromEntries(USER_RESOURCES.map((id) => [id, Object.entries(Resources).filter(([logicalId]) => new RegExp(`^${id}[0-9A-F]{8}$`).test(logicalId)).map(([, r]) => r)]));
}

/** Every source's bucket or table name as the functions of a template receive it (LIFEBOAT_PLANS); a token shows as "(a token)". */
function sourceNamesIn(template: Template): Record<string, string[]> {
  const names: Record<string, Set<string>> = {};
  for (const resource of Object.values(template.Resources)) {
    const plans = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.LIFEBOAT_PLANS as string | { 'Fn::Join': [string, unknown[]] } | undefined;
    if (plans === undefined) continue;
    const text = typeof plans === 'string' ? plans : plans['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '(a token)')).join('');
    for (const source of (JSON.parse(text) as ProtectionPlanConfig[]).flatMap((p) => p.sources)) {
      const name = source.type === 's3' ? `${source.bucket}${source.inventory ? ` inventory ${source.inventory.bucket}` : ''}` : source.type === 'dynamodb' ? source.table : source.path;
      (names[source.name] ??= new Set()).add(name);
    }
  }
  return Object.fromEntries(Object.entries(names).map(([source, set]) => [source, [...set].sort()]));
}

describe('a protection of existing buckets and tables (F1)', () => {
  const before = synthesizeApp((app) => userStack(app).stack);
  const after = synthesizeApp((app) => {
    const { stack, sources } = userStack(app);
    return { stack, protection: new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop', drRegion: DR_REGION, plans: [plan(sources)] }) };
  });
  if (before.synthError) throw before.synthError;
  if (after.synthError) throw after.synthError;
  const template = (app: App, name: string) => app.synth().getStackByName(name).template as Template;

  it('leaves every bucket and table of the user exactly as it was: no name is generated for one', () => {
    const without = userResources(template(before.app, 'Shop'));
    expect(Object.values(without).every((found) => found.length === 1)).toBe(true);
    expect(userResources(template(after.app, 'Shop'))).toEqual(without);
  });

  it('gives the DR stack\'s functions the literal names and the stand-in for the others; the primary\'s keep the tokens', () => {
    expect(sourceNamesIn(template(after.app, 'Shop-LifeboatDR'))).toEqual({
      'bucket-auto': [`${NAME_IN_OTHER_REGION} inventory ${NAME_IN_OTHER_REGION}`],
      'bucket-named': ['shop-bucket-named'],
      'table-auto': [NAME_IN_OTHER_REGION],
      'table-named': ['shop-table-named'],
      'tablev2-auto': [NAME_IN_OTHER_REGION],
      'tablev2-named': ['shop-tablev2-named'],
    });
    const primary = sourceNamesIn(template(after.app, 'Shop'));
    expect(primary['bucket-auto']).toEqual(['(a token) inventory (a token)']);
    expect(primary['tablev2-auto']).toEqual(['(a token)']);
  });
});

describe('sources named by a token of the primary region: an import, a parameter, an SSM value (F2)', () => {
  const s = synthesizeApp((app) => {
    const stack = new Stack(app, 'Shop', { env: USER_APP_ENV });
    const parameter = new CfnParameter(stack, 'AssetsBucketName', { type: 'String' });
    const sources = [
      LifeboatSource.s3Bucket('imported', s3.Bucket.fromBucketName(stack, 'Imported', Fn.importValue('SharedAssetsBucket'))),
      LifeboatSource.s3Bucket('parameter', s3.Bucket.fromBucketName(stack, 'Parameter', parameter.valueAsString)),
      LifeboatSource.dynamoDbTable('ssm', dynamodb.Table.fromTableName(stack, 'Ssm', ssm.StringParameter.valueForStringParameter(stack, '/app/orders-table'))),
    ];
    return { stack, protection: new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop', drRegion: DR_REGION, plans: [plan(sources)] }) };
  });

  it('synthesizes (no dependency cycle), and the DR stack holds none of them: the stand-in instead', () => {
    expect(s.synthError).toBeUndefined();
    const dr = s.app.synth().getStackByName('Shop-LifeboatDR').template as Template;
    expect(JSON.stringify(dr)).not.toMatch(/Fn::ImportValue|SharedAssetsBucket|AssetsBucketName|orders-table/);
    expect(dr.Parameters ?? {}).not.toHaveProperty('AssetsBucketName');
    expect(sourceNamesIn(dr)).toEqual({ imported: [NAME_IN_OTHER_REGION], parameter: [NAME_IN_OTHER_REGION], ssm: [NAME_IN_OTHER_REGION] });
    expect(sourceNamesIn(s.app.synth().getStackByName('Shop').template as Template)).toEqual({ imported: ['(a token)'], parameter: ['(a token)'], ssm: ['(a token)'] });
  });
});

/** What LifeboatProtection refuses when built in a fresh app with `change` applied, or undefined when it is built. */
function issuesOf(change: (stack: Stack) => Partial<LifeboatProtectionProps> & Pick<LifeboatProtectionProps, 'plans'>): readonly string[] | undefined {
  const app = templateOnlyApp();
  const stack = new Stack(app, 'Shop', { env: USER_APP_ENV });
  try {
    new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop', drRegion: DR_REGION, ...change(stack) });
  } catch (err) {
    if (err instanceof InvalidLifeboatPropsError) return err.issues;
    throw err;
  }
  return undefined;
}

describe('a mirrored source needs a literal name (F2, F3)', () => {
  const fix = (what: string, prop: string, importer: string) =>
    `give a new ${what} a literal ${prop}; pass one deployed already as ${importer}(scope, id, '<its name>') (naming a deployed ${what} replaces it with an empty one); or drop mirror`;
  const why = (what: string, path: string) =>
    `the mirror check, in ${DR_REGION}, compares the mirror with the ${what} ${path} by its name, and the ${what} has no literal name there ` +
    '(CloudFormation generates it, or it is a parameter, an SSM value or an import, resolved only in the primary region), so every check would fail: ';

  it('refuses an auto-named bucket or TableV2, and one named by an import or a parameter, at the source\'s mirror', () => {
    const issues = issuesOf((stack) => ({
      plans: [
        plan([
          LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'Assets', { versioned: true }), { mirror: true }),
          LifeboatSource.dynamoDbTable('orders', new dynamodb.TableV2(stack, 'Orders', KEY), { mirror: true }),
          LifeboatSource.s3Bucket('shared', s3.Bucket.fromBucketName(stack, 'Shared', Fn.importValue('SharedAssetsBucket')), { mirror: true }),
          LifeboatSource.dynamoDbTable('params', dynamodb.Table.fromTableName(stack, 'Params', new CfnParameter(stack, 'TableName').valueAsString), { mirror: true }),
        ]),
      ],
    }));
    expect(issues).toEqual([
      `plans[0].sources[0].mirror: source "assets": ${why('bucket', 'Shop/Assets')}${fix('bucket', 'bucketName', 's3.Bucket.fromBucketName')}`,
      `plans[0].sources[1].mirror: source "orders": ${why('table', 'Shop/Orders')}${fix('table', 'tableName', 'dynamodb.TableV2.fromTableName')}`,
      `plans[0].sources[2].mirror: source "shared": ${why('bucket', 'Shop/Shared')}${fix('bucket', 'bucketName', 's3.Bucket.fromBucketName')}`,
      `plans[0].sources[3].mirror: source "params": ${why('table', 'Shop/Params')}${fix('table', 'tableName', 'dynamodb.TableV2.fromTableName')}`,
    ]);
  });

  it('takes a named bucket and TableV2, and ones imported by a literal name', () => {
    expect(
      issuesOf((stack) => ({
        plans: [
          plan([
            LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'Assets', { bucketName: 'shop-assets-named', versioned: true }), { mirror: true }),
            LifeboatSource.dynamoDbTable('orders', new dynamodb.TableV2(stack, 'Orders', { ...KEY, tableName: 'shop-orders' }), { mirror: true }),
            LifeboatSource.s3Bucket('deployed', s3.Bucket.fromBucketName(stack, 'Deployed', 'shop-assetsbucket-1a2b3c4d'), { mirror: true }),
            LifeboatSource.dynamoDbTable('legacy', dynamodb.TableV2.fromTableName(stack, 'Legacy', 'Shop-Legacy-1A2B3C4D'), { mirror: true }),
          ]),
        ],
      })),
    ).toBeUndefined();
  });
});

describe('the DR stack\'s region (F4)', () => {
  it('refuses a drStack without a region, which would deploy into the CLI\'s region', () => {
    const app = templateOnlyApp();
    const stack = new Stack(app, 'Shop', { env: USER_APP_ENV });
    const drStack = new Stack(app, 'ShopDR');
    let issues: readonly string[] | undefined;
    try {
      new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop', drRegion: DR_REGION, drStack, plans: [plan([LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets'))])] });
    } catch (err) {
      if (!(err instanceof InvalidLifeboatPropsError)) throw err;
      issues = err.issues;
    }
    expect(issues).toEqual([`drStack: stack ShopDR has no region (environment-agnostic), so it would be deployed into the region of the CLI's credentials, not drRegion: give it env: { region: '${DR_REGION}' }`]);
  });
});
