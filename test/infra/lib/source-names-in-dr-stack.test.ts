import { type App, Aws, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { type Construct } from 'constructs';
import { transformSync } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type ProtectionPlanConfig } from '../../../config/lifeboat-config';
import { NAME_IN_OTHER_REGION } from '../../../config/names-in-other-region';
import { InvalidLifeboatPropsError, type LifeboatPlan, LifeboatProtection, type LifeboatProtectionProps, LifeboatSource } from '../../../lib';
import { sourceNameElsewhere } from '../../../lib/constructs/plans-in-stack';
import { BUCKET_REPLICATION_RESOURCE_TYPE } from '../../../lib/constructs/source-mirrors';
import { REPO_ROOT } from '../../support/repo-root';
import { templateOnlyApp } from '../../support/template-only-app';
import { tempOutdir } from '../../support/temp-outdir';
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

describe('a mirrored source needs a name the DR stack knows (F2, F3)', () => {
  const why = (what: string, path: string, unknown: string) =>
    `the mirror check, in ${DR_REGION}, compares the mirror with the ${what} ${path} by its name, which the DR stack cannot know: ${unknown}; every check would fail. `;
  const generated = 'CloudFormation generates it at deploy (no physical name is given)';
  // Owned by the stack: keep it a Bucket or Table there (its mirror's rule stays in its template), named for the DR stack only.
  const ownedFix = (what: string, prop: string, factory: string) =>
    `Deployed already, give ${factory} the option deployedName: '<its deployed name>' (for the DR stack only; the ${what} stays as it is; ` +
    `giving a deployed ${what} a ${prop} replaces it with an empty one); new, give it a literal ${prop}; or drop mirror`;
  const importedFix = (importer: string, factory: string) => `Import it by its literal name (${importer}(scope, id, '<its name>')) or give ${factory} the option deployedName: '<its name>'; or drop mirror`;

  it('refuses an auto-named bucket or TableV2, and one named by an import, a parameter or the region, saying what is unknown', () => {
    const issues = issuesOf((stack) => ({
      plans: [
        plan([
          LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'Assets', { versioned: true }), { mirror: true }),
          LifeboatSource.dynamoDbTable('orders', new dynamodb.TableV2(stack, 'Orders', KEY), { mirror: true }),
          LifeboatSource.s3Bucket('shared', s3.Bucket.fromBucketName(stack, 'Shared', Fn.importValue('SharedAssetsBucket')), { mirror: true }),
          LifeboatSource.dynamoDbTable('params', dynamodb.Table.fromTableName(stack, 'Params', new CfnParameter(stack, 'TableName').valueAsString), { mirror: true }),
          LifeboatSource.s3Bucket('regional', new s3.Bucket(stack, 'Regional', { bucketName: `shop-regional-${Aws.REGION}`, versioned: true }), { mirror: true }),
        ]),
      ],
    }));
    expect(issues).toEqual([
      `plans[0].sources[0].mirror: source "assets": ${why('bucket', 'Shop/Assets', generated)}${ownedFix('bucket', 'bucketName', 'LifeboatSource.s3Bucket')}`,
      `plans[0].sources[1].mirror: source "orders": ${why('table', 'Shop/Orders', generated)}${ownedFix('table', 'tableName', 'LifeboatSource.dynamoDbTable')}`,
      `plans[0].sources[2].mirror: source "shared": ${why('bucket', 'Shop/Shared', 'it depends on an import (Fn::ImportValue "SharedAssetsBucket"; imports are same-region only), which only the primary stack resolves')}${importedFix('s3.Bucket.fromBucketName', 'LifeboatSource.s3Bucket')}`,
      `plans[0].sources[3].mirror: source "params": ${why('table', 'Shop/Params', 'it depends on the parameter TableName, which only the primary stack resolves')}${importedFix('dynamodb.TableV2.fromTableName', 'LifeboatSource.dynamoDbTable')}`,
      `plans[0].sources[4].mirror: source "regional": ${why('bucket', 'Shop/Regional', 'it depends on the primary region (AWS::Region, which names the DR region in the DR stack), which only the primary stack resolves')}${ownedFix('bucket', 'bucketName', 'LifeboatSource.s3Bucket')}`,
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

describe('a deployed auto-named bucket and table of the stack, mirrored by their deployedName (review r4 M1)', () => {
  // Re-imported by name instead, the bucket would lose the mirror's rule from its template while the replication custom
  // resource put it on, in one unordered deploy: it could end with no rule at all.
  const s = synthesizeApp((app) => {
    const stack = new Stack(app, 'Shop', { env: USER_APP_ENV });
    const sources = [
      LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'BucketAuto', { versioned: true }), { mirror: true, deployedName: 'shop-bucketauto1a2b3c-deployed' }),
      LifeboatSource.dynamoDbTable('orders', new dynamodb.TableV2(stack, 'TableV2Auto', KEY), { mirror: true, deployedName: 'Shop-TableV2Auto1A2B3C-DEPLOYED' }),
    ];
    return { stack, protection: new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop', drRegion: DR_REGION, plans: [plan(sources)] }) };
  });

  it('keeps them unnamed, the bucket\'s replication rule in its own template, and gives the DR stack the deployed names', () => {
    expect(s.synthError).toBeUndefined();
    const shop = s.app.synth().getStackByName('Shop').template as Template;
    const resources = userResources(shop);
    const [bucket, table] = [resources.BucketAuto?.[0], resources.TableV2Auto?.[0]];
    expect(bucket?.Properties).not.toHaveProperty('BucketName');
    expect(bucket?.Properties).toHaveProperty('ReplicationConfiguration');
    expect(table?.Properties).not.toHaveProperty('TableName');
    expect(Object.values(shop.Resources).filter((r) => r.Type === BUCKET_REPLICATION_RESOURCE_TYPE)).toEqual([]);
    expect(sourceNamesIn(s.app.synth().getStackByName('Shop-LifeboatDR').template as Template)).toEqual({
      assets: ['shop-bucketauto1a2b3c-deployed'],
      orders: ['Shop-TableV2Auto1A2B3C-DEPLOYED'],
    });
  });
});

describe('deployedName', () => {
  const issuesOfSource = (make: (stack: Stack) => void): readonly string[] | undefined => {
    const stack = new Stack(templateOnlyApp(), 'Shop', { env: USER_APP_ENV });
    try {
      make(stack);
    } catch (err) {
      if (err instanceof InvalidLifeboatPropsError) return err.issues;
      throw err;
    }
    return undefined;
  };

  it('must be a literal, valid name, the one the resource has and the one other sources give it', () => {
    const bucket = (stack: Stack) => new s3.Bucket(stack, 'Assets');
    expect(issuesOfSource((stack) => LifeboatSource.s3Bucket('assets', bucket(stack), { deployedName: new CfnParameter(stack, 'P').valueAsString }))).toEqual([
      "deployedName: is a token; give the bucket's deployed name as a literal string (the DR region's stack cannot resolve a value of this one)",
    ]);
    expect(issuesOfSource((stack) => LifeboatSource.s3Bucket('assets', bucket(stack), { deployedName: 'Shop-Assets' }))).toEqual([
      'deployedName: "Shop-Assets" is no bucket name (3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit); give the bucket\'s name as deployed',
    ]);
    expect(issuesOfSource((stack) => LifeboatSource.dynamoDbTable('orders', new dynamodb.TableV2(stack, 'Orders', KEY), { deployedName: 'orders table' }))).toEqual([
      'deployedName: "orders table" is no table name (3 to 255 letters, digits, \'_\', \'.\' and \'-\'); give the table\'s name as deployed',
    ]);
    expect(issuesOfSource((stack) => LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'Assets', { bucketName: 'shop-assets' }), { deployedName: 'shop-assets-old' }))).toEqual([
      'deployedName: "shop-assets-old", but the bucket Shop/Assets is named "shop-assets"; drop deployedName (it is for a bucket whose name the DR stack cannot know)',
    ]);
    expect(
      issuesOfSource((stack) => {
        const assets = bucket(stack);
        LifeboatSource.s3Bucket('assets', assets, { deployedName: 'shop-assets-1' });
        LifeboatSource.s3Bucket('assets-again', assets, { deployedName: 'shop-assets-2' });
      }),
    ).toEqual(['deployedName: "shop-assets-2", but another source gave the bucket Shop/Assets deployedName "shop-assets-1"; give both the name it has']);
    expect(issuesOfSource((stack) => LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'Assets', { bucketName: 'shop-assets' }), { deployedName: 'shop-assets' }))).toBeUndefined();
  });

  it('is refused beside a name of the resource\'s own built from the account, which the DR stack takes as it is (review r6)', () => {
    expect(issuesOfSource((stack) => LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'Assets', { bucketName: `shop-assets-${Aws.ACCOUNT_ID}` }), { deployedName: 'some-other-bucket' }))).toEqual([
      'deployedName: "some-other-bucket", but the bucket Shop/Assets has a name of its own in its template, which the DR stack takes as it is; drop deployedName (it is for a bucket whose name the DR stack cannot know)',
    ]);
    expect(issuesOfSource((stack) => LifeboatSource.dynamoDbTable('orders', new dynamodb.TableV2(stack, 'Orders', { ...KEY, tableName: `orders-${Aws.ACCOUNT_ID}` }), { deployedName: 'SomeOtherTable' }))).toEqual([
      'deployedName: "SomeOtherTable", but the table Shop/Orders has a name of its own in its template, which the DR stack takes as it is; drop deployedName (it is for a table whose name the DR stack cannot know)',
    ]);
  });
});

describe('a name built from the account, in a stack without env.account (review r4 M2)', () => {
  it('is the same account\'s name in the DR stack, rendered with AWS::AccountId there; not in a DR stack of another account', () => {
    const app = templateOnlyApp();
    const stack = new Stack(app, 'Shop', { env: { region: USER_APP_ENV.region } });
    const name = LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'Assets', { bucketName: `shop-assets-${stack.account}-${stack.region}` })).bucket?.bucketName ?? '';
    const dr = new Stack(app, 'ShopDR', { env: { region: DR_REGION } });
    const elsewhere = sourceNameElsewhere(name, true);
    expect('name' in elsewhere && dr.resolve(elsewhere.name)).toEqual({ 'Fn::Join': ['', ['shop-assets-', { Ref: 'AWS::AccountId' }, `-${USER_APP_ENV.region}`]] });
    expect(sourceNameElsewhere(name, false)).toEqual({ unknown: 'it depends on the account (AWS::AccountId; the DR stack is in another account), which only the primary stack resolves' });
  });

  it('lets the example synthesize offline without credentials\' account (`npx cdk synth`: CDK_DEFAULT_REGION only), its mirror named in the DR stack', () => {
    const s = synthesizeApp((app) => buildExampleShopStack(app, { region: USER_APP_ENV.region }));
    expect(s.synthError).toBeUndefined();
    const dr = s.app.synth().getStackByName('Shop-LifeboatDR').template as Template;
    expect(sourceNamesIn(dr).assets).toEqual([`shop-assets-(a token)-${USER_APP_ENV.region}`]);
    expect(JSON.stringify(dr)).toContain(`"shop-assets-",{"Ref":"AWS::AccountId"},"-${USER_APP_ENV.region}`);
  });
});

/** The example's stack as its own code builds it (as derived-prefix-warning.test.ts does): `lifeboat` resolved to this repository. */
function buildExampleShopStack(app: App, env: { region: string }): Stack {
  const source = path.join(REPO_ROOT, 'examples', 'protect-existing-stack', 'lib', 'shop-stack.ts');
  const { code } = transformSync(readFileSync(source, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node22', sourcefile: source });
  const resolved = code.replace(/require\("([^"]+)"\)/g, (_, name: string) => `require(${JSON.stringify(name === 'lifeboat' ? path.join(REPO_ROOT, 'lib', 'index.ts') : require.resolve(name))})`);
  const compiled = path.join(tempOutdir(), 'shop-stack.js');
  writeFileSync(compiled, resolved);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example's compiled code, loaded as its app would load it
  const { ShopStack } = require(compiled) as { ShopStack: new (scope: Construct, id: string, props: { env: { region: string } }) => Stack };
  return new ShopStack(app, 'Shop', { env });
}
