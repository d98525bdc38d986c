import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type App, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type CfnTemplate } from '../../../local/assembly/synthesized-stack';
import { resolveValue } from '../../../local/cloud/cfn-intrinsics';
import { stackResources } from '../../../local/executor/stack-resources';
import { InvalidLifeboatPropsError, type LifeboatPlan, LifeboatProtection, type LifeboatProtectionProps, LifeboatSource, type PruneWorkflow } from '../../../lib';
import { ARCHIVE_BACKUP_LEASE_SECONDS } from '../../../config/backup-lease';
import { synthesizeApp } from './synth-app';
import { templateOnlyApp } from '../../support/template-only-app';
import { USER_APP_EFS, USER_APP_ENV } from './user-app-fixture';

/** LifeboatProtection as a user's app uses it: in the user's stacks, with the user's buckets and tables. */

const ENV = USER_APP_ENV;
const EFS = USER_APP_EFS;

function plan(sources: LifeboatSource[], overrides: Partial<LifeboatPlan> = {}): LifeboatPlan {
  return {
    name: 'daily',
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 7, keepDaily: 7 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    maxConcurrency: 8,
    sources,
    ...overrides,
  };
}

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/**
 * Every physical name a template gives its resources (buckets, tables, state machines, aliases, schedules, log groups),
 * with its type: names are unique per type (the scrub's schedule is named like the state machine it starts).
 */
function physicalNames(template: Template): string[] {
  const property: Record<string, string> = {
    'AWS::S3::Bucket': 'BucketName',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
    'AWS::KMS::Alias': 'AliasName',
    'AWS::Scheduler::Schedule': 'Name',
    'AWS::Logs::LogGroup': 'LogGroupName',
  };
  return Object.entries(property).flatMap(([type, prop]) =>
    Object.values(template.findResources(type) as Record<string, Resource>).flatMap((r) => (r.Properties?.[prop] !== undefined ? [`${type} ${JSON.stringify(r.Properties[prop])}`] : [])),
  );
}

/** The statements of the role of the function running `handler`. */
function statementsOf(template: Template, handler: string): Statement[] {
  const fns = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: handler }) } } }) as Record<string, Resource>;
  const [fn] = Object.values(fns);
  const role = (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${role}"`))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Resources an action is allowed on, as JSON texts. */
function resourcesFor(statements: Statement[], action: string): string[] {
  return statements.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource).map((r) => JSON.stringify(r)));
}

describe('two protections in one app', () => {
  const s = synthesizeApp(
    (app) => {
      const shop = new Stack(app, 'Shop', { env: ENV });
      const archive = new Stack(app, 'Archive', { env: ENV });
      const assets = s3.Bucket.fromBucketName(shop, 'Assets', 'shop-assets');
      const orders = dynamodb.Table.fromTableName(archive, 'Orders', 'archive-orders');
      return {
        shop,
        archive,
        named: new LifeboatProtection(shop, 'Lifeboat', {
          prefix: 'shop-prod',
          drRegion: 'eu-central-1',
          plans: [plan([LifeboatSource.s3Bucket('assets', assets)])],
          immutability: { mode: 'COMPLIANCE', days: 30 },
        }),
        // Default prefixes: one more in the same stack (sharing its DR stack), one in another stack.
        sameStack: new LifeboatProtection(shop, 'Second', { drRegion: 'eu-central-1', plans: [plan([LifeboatSource.s3Bucket('assets', assets, { prefix: 'public/' })])] }),
        otherStack: new LifeboatProtection(archive, 'Lifeboat', { drRegion: 'eu-central-1', plans: [plan([LifeboatSource.dynamoDbTable('orders', orders)])] }),
      };
    },
    { nag: true },
  );
  const { shop, archive, named, sameStack, otherStack } = s.built;

  it('synthesizes every stack with no unacknowledged cdk-nag finding', () => {
    expect(s.violations()).toEqual([]);
    expect(s.synthError).toBeUndefined();
  });

  it('lets the plan function of a bucket planned by LIST only list it: no object of it is read (no GetObject)', () => {
    const planBackup = statementsOf(Template.fromStack(shop), 'plan-backup');
    expect(resourcesFor(planBackup, 's3:ListBucket').filter((r) => r.includes('shop-assets'))).not.toEqual([]);
    expect(resourcesFor(planBackup, 's3:GetObject').filter((r) => r.includes('shop-assets'))).toEqual([]);
  });

  it('gives each protection its own physical names: the prefix given, or one derived from its path', () => {
    expect(named.prefix).toBe('shop-prod');
    expect(sameStack.prefix).toMatch(/^shop-second-[0-9a-f]{8}$/);
    // The readable part is cut at 13 characters, so that every name fits its limit in any region.
    expect(otherStack.prefix).toMatch(/^archive-lifeb-[0-9a-f]{8}$/);
    expect(new Set([named.prefix, sameStack.prefix, otherStack.prefix]).size).toBe(3);
    // Names are unique per region (S3 bucket names globally, but those carry the region): the DR catalog and the
    // DR region's runbooks take the primary's names in their own region.
    const stacks = [shop, archive, named.drStack, otherStack.drStack];
    const all = stacks.flatMap((stack) => physicalNames(Template.fromStack(stack)).map((name) => `${stack.region} ${name}`));
    expect(all.length).toBeGreaterThan(20);
    expect(new Set(all).size).toBe(all.length);
    Template.fromStack(shop).hasResourceProperties('AWS::S3::Bucket', { BucketName: 'shop-prod-vault-111111111111-eu-west-1' });
    Template.fromStack(shop).hasResourceProperties('AWS::DynamoDB::Table', { TableName: `${sameStack.prefix}-catalog` });
    Template.fromStack(named.drStack).hasResourceProperties('AWS::S3::Bucket', { BucketName: `${sameStack.prefix}-vault-111111111111-eu-central-1` });
  });

  it('creates one DR stack per stack, <stackName>-LifeboatDR in the DR region and the stack\'s account, which the stack depends on', () => {
    expect(named.drStack).toBe(sameStack.drStack);
    expect(named.drStack.stackName).toBe('Shop-LifeboatDR');
    expect(otherStack.drStack.stackName).toBe('Archive-LifeboatDR');
    for (const [stack, protection] of [
      [shop, named],
      [archive, otherStack],
    ] as const) {
      expect(protection.drStack.region).toBe('eu-central-1');
      expect(protection.drStack.account).toBe('111111111111');
      expect(stack.dependencies).toContain(protection.drStack);
    }
    // Each protection's DR vault is in its DR stack; nothing of a DR stack is referenced across regions.
    Template.fromStack(named.drStack).resourceCountIs('AWS::S3::Bucket', 4);
    expect(JSON.stringify(Template.fromStack(shop).toJSON())).not.toContain('Fn::ImportValue');
  });

  it('creates both vaults of a protection with immutability with Object Lock and its default retention, and no other bucket', () => {
    const lockOf = (stack: Stack, bucketName: string): unknown => {
      const [bucket] = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket', { Properties: { BucketName: bucketName } }) as Record<string, Resource>);
      if (!bucket) throw new Error(`no bucket ${bucketName}`);
      return { enabled: bucket.Properties?.ObjectLockEnabled, configuration: bucket.Properties?.ObjectLockConfiguration };
    };
    const locked = { enabled: true, configuration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 } } } };
    expect(lockOf(shop, 'shop-prod-vault-111111111111-eu-west-1')).toEqual(locked);
    expect(lockOf(named.drStack, 'shop-prod-vault-111111111111-eu-central-1')).toEqual(locked);
    expect(lockOf(shop, `${sameStack.prefix}-vault-111111111111-eu-west-1`)).toEqual({ enabled: undefined, configuration: undefined });
    expect(lockOf(named.drStack, 'shop-prod-access-logs-111111111111-eu-central-1')).toEqual({ enabled: undefined, configuration: undefined });
  });

  it('lets only commit and replicate extend retention, on the vault objects a backup references, only the scrub set (never lift) legal holds, and no one bypass governance', () => {
    const template = Template.fromStack(shop);
    const ofNamed = (handler: string): Statement[] => {
      const fns = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: handler }) } } }) as Record<string, Resource>);
      // Two protections in the stack: only the one with immutability hands its functions the retention.
      expect(fns).toHaveLength(2);
      const locked = fns.filter((f) => JSON.stringify(f.Properties?.Environment).includes('LIFEBOAT_IMMUTABILITY'));
      expect(locked).toHaveLength(1);
      const [fn] = locked;
      expect((fn?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables.LIFEBOAT_IMMUTABILITY).toBe('{"mode":"COMPLIANCE","days":30}');
      const role = (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
        .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${role}"`))
        .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
    };
    const keysOf = (resources: string[]): string[] => resources.map((r) => /\/([a-z]+(\/\*)?)"/.exec(r)?.[1] ?? r).sort();
    // What a snapshot consists of, and what opens the vault (config, keys/): written once, needed by every backup.
    const prefixes = ['config', 'data/*', 'index/*', 'keys/*', 'manifest/*', 'snapshots/*'];
    const allowed = (statements: Statement[]) => statements.filter((st) => st.Effect === 'Allow');
    const denied = (statements: Statement[]) => statements.filter((st) => st.Effect === 'Deny' && asArray(st.Action).includes('s3:PutObjectRetention'));
    const commit = ofNamed('commit-backup');
    expect(keysOf(resourcesFor(allowed(commit), 's3:PutObjectRetention'))).toEqual(prefixes);
    expect(keysOf(resourcesFor(allowed(commit), 's3:GetObjectRetention'))).toEqual(prefixes);
    const replicate = ofNamed('replicate-backup');
    const drRetention = resourcesFor(allowed(replicate), 's3:PutObjectRetention');
    expect(drRetention.every((r) => r.includes('shop-prod-vault-111111111111-eu-central-1/'))).toBe(true);
    expect(keysOf(drRetention)).toEqual(prefixes);
    // ... for no longer than the longest extension (30 days + 3 of slack + 1 of margin) and with no event hold set (an
    // event hold OFF passes: review r61R F2), on every object of their own account's vault (audit a61A F3;
    // same-account-lock-bounds.test.ts simulates it).
    const bounds = [
      { NumericGreaterThan: { 's3:object-lock-remaining-retention-days': '34' } },
      { StringEquals: { 's3:object-lock-event-hold': 'ON' } },
      { NumericGreaterThan: { 's3:object-lock-event-hold-duration-days': '0' } },
    ];
    for (const statements of [commit, replicate]) {
      expect(denied(statements).map((st) => st.Condition)).toEqual(bounds);
      // On the whole vault whose objects the role extends: its data/* grant with * for data/*.
      const wholeVault = resourcesFor(allowed(statements), 's3:PutObjectRetention').find((r) => r.includes('/data/*'))?.replace('/data/*', '/*');
      expect(denied(statements).map((st) => [asArray(st.Action), JSON.stringify(st.Resource)])).toEqual(bounds.map(() => [['s3:PutObject', 's3:PutObjectRetention'], wholeVault]));
    }
    const everyAction = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).flatMap((p) =>
      allowed((p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement).flatMap((st) => asArray(st.Action)),
    );
    // Legal holds are the operators' (lifeboat backups hold): no role may lift one, and only the scrub's may set one, so
    // that its repair of a held damaged copy writes the new version held too (S3VaultStore.replace, review r61Q F1).
    const holdPolicies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).filter((p) =>
      allowed((p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement).some((st) => asArray(st.Action).includes('s3:PutObjectLegalHold')),
    );
    const scrubRoles = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'scrub-vaults' }) } } }) as Record<string, Resource>).map(
      (fn) => (fn.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    );
    expect(holdPolicies.length).toBeGreaterThan(0);
    for (const policy of holdPolicies) {
      expect((policy.Properties?.Roles as { Ref: string }[]).map((r) => r.Ref).every((role) => scrubRoles.includes(role))).toBe(true);
      const holds = allowed((policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement).filter((st) => asArray(st.Action).includes('s3:PutObjectLegalHold'));
      expect(holds.map((st) => [st.Action, st.Condition])).toEqual([['s3:PutObjectLegalHold', { StringEquals: { 's3:object-lock-legal-hold': 'ON' } }]]);
    }
    expect(everyAction).not.toContain('s3:BypassGovernanceRetention');
    // The other protection of the stack has no Object Lock: its roles get no retention action. (Replicate's grant
    // on the DR vault's own config and keys is a statement of its own: replication does not copy them.)
    expect(everyAction.filter((a) => a === 's3:PutObjectRetention')).toHaveLength(3);
  });
});

describe('protections of one stack with different DR regions or accounts (audit R7, finding 1)', () => {
  const s = synthesizeApp((app) => {
    const shop = new Stack(app, 'Shop', { env: ENV });
    const assets = s3.Bucket.fromBucketName(shop, 'Assets', 'shop-assets');
    const protect = (id: string, more: Partial<LifeboatProtectionProps>) =>
      new LifeboatProtection(shop, id, { prefix: `shop-${id.toLowerCase()}`, drRegion: 'us-west-2', plans: [plan([LifeboatSource.s3Bucket('assets', assets)])], ...more });
    return {
      west: protect('West', {}),
      east: protect('East', { drRegion: 'us-east-2' }),
      westToo: protect('WestToo', {}),
      otherAccount: protect('OtherAccount', { drAccount: '222222222222' }),
    };
    // Four protections in one stack exceed CloudFormation's 500 resources; only the templates are looked at here.
  }, { context: { '@aws-cdk/core:stackResourceLimit': 0 } });

  /** The DR vault bucket names of a DR stack's template. */
  const drVaultsOf = (stack: Stack): unknown[] =>
    Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket') as Record<string, Resource>)
      .map((b) => b.Properties?.BucketName)
      .filter((name) => typeof name === 'string' && name.includes('-vault-'));

  it('gives each DR account and region its own DR stack, the first keeping <stackName>-LifeboatDR, and puts each DR vault there', () => {
    expect(s.synthError).toBeUndefined();
    const { west, east, westToo, otherAccount } = s.built;
    expect([west, east, westToo, otherAccount].map((p) => [p.drStack.stackName, p.drStack.account, p.drStack.region])).toEqual([
      ['Shop-LifeboatDR', '111111111111', 'us-west-2'],
      ['Shop-LifeboatDR-us-east-2', '111111111111', 'us-east-2'],
      ['Shop-LifeboatDR', '111111111111', 'us-west-2'],
      ['Shop-LifeboatDR-222222222222-us-west-2', '222222222222', 'us-west-2'],
    ]);
    expect(westToo.drStack).toBe(west.drStack);
    expect(drVaultsOf(west.drStack)).toEqual(['shop-west-vault-111111111111-us-west-2', 'shop-westtoo-vault-111111111111-us-west-2']);
    expect(drVaultsOf(east.drStack)).toEqual(['shop-east-vault-111111111111-us-east-2']);
    expect(drVaultsOf(otherAccount.drStack)).toEqual(['shop-otheraccount-vault-222222222222-us-west-2']);
  });

  it('warns that a suffixed default DR stack is named after the order of the protections, and names none for the first', () => {
    const { west } = s.built;
    const warnings = s.app.synth().getStackArtifact(Stack.of(west).artifactId).messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data)).filter((w) => w.includes('named after the order'));
    expect(warnings).toEqual([
      expect.stringContaining('the default DR stack Shop-LifeboatDR-us-east-2 is named after the order of the protections in Shop'),
      expect.stringContaining('the default DR stack Shop-LifeboatDR-222222222222-us-west-2 is named after the order of the protections in Shop'),
    ]);
    expect(warnings[0]).toContain('pass drStack to fix its name');
  });

  it('refuses a protection in a nested stack without drStack, and a stack name too long for the DR stack\'s, and takes either with drStack', () => {
    const app = templateOnlyApp();
    const shop = new Stack(app, 'Shop', { env: ENV });
    const inner = new NestedStack(shop, 'Inner');
    const long = new Stack(app, 'Long', { env: ENV, stackName: `S${'x'.repeat(117)}` });
    const buckets = new Map([inner, long].map((scope) => [scope, s3.Bucket.fromBucketName(scope, 'Assets', 'shop-assets')]));
    const props = (scope: Stack): LifeboatProtectionProps => ({ drRegion: 'us-west-2', plans: [plan([LifeboatSource.s3Bucket('assets', buckets.get(scope) as s3.IBucket)])] });
    expect(() => new LifeboatProtection(inner, 'Lifeboat', props(inner))).toThrow(
      new InvalidLifeboatPropsError('LifeboatProtection Shop/Inner/Lifeboat', [
        'drStack: the protection is in the nested stack Shop/Inner, next to which no DR stack can be made (a DR stack is a top-level stack of its own, in us-west-2); pass drStack: a Stack in us-west-2',
      ]),
    );
    expect(() => new LifeboatProtection(long, 'Lifeboat', props(long))).toThrow(
      new InvalidLifeboatPropsError('LifeboatProtection Long/Lifeboat', [
        `drStack: the DR stack would be named S${'x'.repeat(117)}-LifeboatDR (129 characters), over CloudFormation's 128: give stack Long a shorter stackName, or pass drStack`,
      ]),
    );
    const drStack = new Stack(app, 'ShopDr', { env: { ...ENV, region: 'us-west-2' } });
    expect(new LifeboatProtection(inner, 'InnerProtected', { ...props(inner), prefix: 'inner', drStack }).drStack).toBe(drStack);
    expect(new LifeboatProtection(long, 'LongProtected', { ...props(long), prefix: 'longer', drStack }).drStack).toBe(drStack);
  });
});

describe('a protection of the user\'s own bucket and table', () => {
  const s = synthesizeApp(
    (app) => {
      const stack = new Stack(app, 'Shop', { env: ENV });
      const bucketKey = new kms.Key(stack, 'AssetsKey', { enableKeyRotation: true });
      const bucket = new s3.Bucket(stack, 'Assets', { bucketName: 'shop-assets-bucket', encryptionKey: bucketKey, enforceSSL: true });
      Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'A test fixture: the user\'s bucket, not Lifeboat\'s.' });
      const table = new dynamodb.Table(stack, 'Orders', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      });
      // The assets bucket's inventory reports go to an (imported) bucket of the account, encrypted with its own key.
      const inventoryKey = kms.Key.fromKeyArn(stack, 'InventoryKey', `arn:aws:kms:${ENV.region}:${ENV.account}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`);
      const inventoryBucket = s3.Bucket.fromBucketAttributes(stack, 'InventoryBucket', { bucketName: 'shop-inventory', encryptionKey: inventoryKey });
      const protection = new LifeboatProtection(stack, 'Lifeboat', {
        prefix: 'shop-prod',
        drRegion: 'us-west-2',
        fileSystem: EFS,
        notifications: { emails: ['oncall@example.com'], replicationLagMinutes: 30 },
        plans: [
          plan([
            LifeboatSource.s3Bucket('assets', bucket, { prefix: 'public/', inventory: { bucket: inventoryBucket, prefix: 'reports/', configId: 'daily-csv' } }),
            LifeboatSource.dynamoDbTable('orders', table),
            LifeboatSource.fileSystem('files', '/mnt/lifeboat/files'),
          ]),
        ],
      });
      return { stack, bucket, table, protection, inventoryBucket };
    },
    { nag: true },
  );
  const { stack, bucket, table, protection, inventoryBucket } = s.built;
  const template = Template.fromStack(stack);
  const id = (construct: s3.Bucket | dynamodb.Table | kms.IKey | undefined) => stack.getLogicalId(construct?.node.defaultChild as never);
  const bucketArn = { 'Fn::GetAtt': [id(bucket), 'Arn'] };
  const tableArn = { 'Fn::GetAtt': [id(table), 'Arn'] };

  it('synthesizes with no unacknowledged cdk-nag finding', () => {
    expect(s.violations()).toEqual([]);
    expect(s.synthError).toBeUndefined();
  });

  it('subscribes the notification e-mails to the alarm topic of both regions and alarms on the replication lag given', () => {
    for (const t of [template, Template.fromStack(protection.drStack)]) {
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: Match.objectLike({ Ref: Match.stringLikeRegexp('AlertsTopic') }) });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'shop-prod-daily-replication-lag', MetricName: 'ReplicationLag', Threshold: 1800 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'shop-prod-daily-dr-copy-age', Threshold: 1440 * 60 + 1800 });
  });

  it('lets the backup functions list and read exactly the source prefix and table, decrypting with their keys', () => {
    const snapshot = statementsOf(template, 'snapshot-shard');
    expect(resourcesFor(snapshot, 's3:GetObject')).toContain(JSON.stringify({ 'Fn::Join': ['', [bucketArn, '/public/*']] }));
    expect(resourcesFor(snapshot, 's3:ListBucket')).toContain(JSON.stringify(bucketArn));
    expect(snapshot.find((st) => asArray(st.Action).includes('s3:ListBucket') && JSON.stringify(st.Resource) === JSON.stringify(bucketArn))?.Condition).toEqual({ StringLike: { 's3:prefix': ['public/*'] }, StringEquals: { 's3:ResourceAccount': '111111111111' } });
    expect(resourcesFor(snapshot, 'dynamodb:Scan')).toEqual([JSON.stringify(tableArn)]);
    const keyArn = (key: kms.IKey | undefined) => JSON.stringify({ 'Fn::GetAtt': [id(key), 'Arn'] });
    expect(resourcesFor(snapshot, 'kms:Decrypt')).toEqual(expect.arrayContaining([keyArn(bucket.encryptionKey), keyArn(table.encryptionKey)]));
    // Plan lists, and reads no data: no Scan, no source key. The bucket is planned from its inventory, so the plan HEADs
    // the objects it splits (HeadObject is s3:GetObject): GetObject on the source prefix of its account, nothing else of it.
    const planBackup = statementsOf(template, 'plan-backup');
    expect(resourcesFor(planBackup, 's3:ListBucket')).toContain(JSON.stringify(bucketArn));
    expect(resourcesFor(planBackup, 'dynamodb:Scan')).toEqual([]);
    expect(resourcesFor(planBackup, 'kms:Decrypt')).not.toContain(keyArn(bucket.encryptionKey));
    expect(planBackup.filter((st) => JSON.stringify(st.Resource).includes(JSON.stringify(bucketArn)) && !asArray(st.Action).includes('s3:ListBucket'))).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [bucketArn, '/public/*']] }, Condition: { StringEquals: { 's3:ResourceAccount': '111111111111' } } },
    ]);
  });

  it('lets the plan function, and no other, list and read the source\'s inventory reports of its configuration, decrypting with the inventory key', () => {
    const inventoryArn = stack.resolve(inventoryBucket.bucketArn) as unknown;
    const inventoryKeyArn = `arn:aws:kms:${ENV.region}:${ENV.account}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
    const ofInventory = (statements: Statement[]) => statements.filter((st) => JSON.stringify(st.Resource).includes('shop-inventory') || JSON.stringify(st.Resource).includes(inventoryKeyArn));
    // <prefix>/<source bucket>/<configId>/: the date folders it lists, the manifests and data/ files it reads (the trailing '/' of the prefix is not doubled).
    const folder = ['reports/', { Ref: id(bucket) }, '/daily-csv/'];
    expect(ofInventory(statementsOf(template, 'plan-backup'))).toEqual([
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: inventoryArn, Condition: { StringEquals: { 's3:prefix': [{ 'Fn::Join': ['', folder] }], 's3:ResourceAccount': ENV.account } } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::shop-inventory/reports/', { Ref: id(bucket) }, '/daily-csv/*']] }, Condition: { StringEquals: { 's3:ResourceAccount': ENV.account } } },
      // Through S3 of the region only (audit a59B F6).
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: inventoryKeyArn, Condition: { StringEquals: { 'kms:ViaService': `s3.${ENV.region}.amazonaws.com` } } },
    ]);
    for (const handler of ['snapshot-shard', 'commit-backup', 'restore-shard']) expect(ofInventory(statementsOf(template, handler))).toEqual([]);
  });

  it('lets a restore overwrite exactly the source prefix and table (with their keys), besides new <prefix>-restore-* targets', () => {
    const shard = statementsOf(template, 'restore-shard');
    // Besides the targets, the shard writes only its pieces' records beside the restore plans in the vault (split-object-upload.ts).
    const allPuts = resourcesFor(shard, 's3:PutObject');
    const puts = allPuts.filter((r) => !r.includes('/restore-plans/*'));
    expect(allPuts.filter((r) => r.includes('/restore-plans/*'))).toEqual([expect.stringMatching(/VaultBucket[0-9A-F]+/)]);
    expect(puts).toContain(JSON.stringify({ 'Fn::Join': ['', [bucketArn, '/public/*']] }));
    expect(puts).toHaveLength(2);
    expect(puts.join()).toContain(':s3:::shop-prod-restore-*/*');
    // The functions check the same rule at input validation, so a target IAM would refuse fails with a clear error first.
    const resolveFns = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'resolve-restore' }) } } });
    // The restore runbook's, and the primary drill's, which may write only its scratch targets.
    expect(Object.values(resolveFns).map((fn) => JSON.stringify(fn)).sort()).toEqual([expect.stringContaining('"LIFEBOAT_RESTORE_TARGET_PREFIX":"shop-prod-drill-"'), expect.stringContaining('"LIFEBOAT_RESTORE_TARGET_PREFIX":"shop-prod-restore-"')]);
    expect(resourcesFor(shard, 'dynamodb:BatchWriteItem')).toContain(JSON.stringify(tableArn));
    expect(resourcesFor(shard, 'dynamodb:BatchGetItem')).toContain(JSON.stringify(tableArn));
    expect(resourcesFor(shard, 'kms:GenerateDataKey')).toContain(JSON.stringify({ 'Fn::GetAtt': [id(bucket.encryptionKey), 'Arn'] }));
    expect(resourcesFor(shard, 'kms:Encrypt')).toContain(JSON.stringify({ 'Fn::GetAtt': [id(table.encryptionKey), 'Arn'] }));
  });

  it('lets a restore give a new table its source\'s key (through DynamoDB only), point-in-time recovery and tags, and check a target bucket\'s protection (issue 13, item 7)', () => {
    const keyArn = { 'Fn::GetAtt': [id(table.encryptionKey), 'Arn'] };
    const viaDynamoDb = { 'kms:ViaService': `dynamodb.${ENV.region}.amazonaws.com` };
    const planRestore = statementsOf(template, 'plan-restore');
    expect(planRestore.filter((st) => JSON.stringify(st.Resource) === JSON.stringify(keyArn))).toEqual([
      { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: keyArn, Condition: { StringEquals: viaDynamoDb, Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
      { Effect: 'Allow', Action: 'kms:DescribeKey', Resource: keyArn, Condition: { StringEquals: viaDynamoDb } },
    ]);
    const create = planRestore.find((st) => asArray(st.Action).includes('dynamodb:CreateTable'));
    expect(asArray(create?.Action)).toEqual(expect.arrayContaining(['dynamodb:TagResource', 'dynamodb:UpdateContinuousBackups']));
    expect(JSON.stringify(create?.Resource)).toContain('table/shop-prod-restore-*');
    expect(JSON.stringify(create?.Resource)).not.toContain(id(table));
    // For a backup recorded before protection was captured: the source read live, never written.
    expect(resourcesFor(planRestore, 'dynamodb:ListTagsOfResource')).toEqual([JSON.stringify(tableArn)]);
    expect(resourcesFor(planRestore, 'dynamodb:TagResource').join()).not.toContain(id(table));
    const shard = statementsOf(template, 'restore-shard');
    expect(shard.filter((st) => JSON.stringify(st.Resource) === JSON.stringify(keyArn))).toEqual([
      { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], Resource: keyArn, Condition: { StringEquals: viaDynamoDb } },
    ]);
    // No role of either stack may use the table's key outside DynamoDB (audit R28 F4): the backup's shards, the restore
    // runbook's and the drill's included; verify reads only the shards' records, and gets the key not at all.
    const onTableKey = [template, Template.fromStack(protection.drStack)].flatMap((t) =>
      Object.entries(t.findResources('AWS::IAM::Policy') as Record<string, Resource>).flatMap(([policyId, p]) =>
        (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement.filter((st) => JSON.stringify(st.Resource).includes(id(table.encryptionKey))).map((st) => ({ policyId, ...st })),
      ),
    );
    expect(onTableKey.length).toBeGreaterThan(0);
    const throughDynamoDb = (st: Statement) => (st.Condition as { StringEquals?: Record<string, unknown> } | undefined)?.StringEquals?.['kms:ViaService'] === viaDynamoDb['kms:ViaService'];
    expect(onTableKey.filter((st) => !throughDynamoDb(st))).toEqual([]);
    expect(statementsOf(template, 'verify-restore').filter((st) => JSON.stringify(st.Resource).includes(id(table.encryptionKey)))).toEqual([]);
    expect(statementsOf(template, 'snapshot-shard').filter((st) => JSON.stringify(st.Resource) === JSON.stringify(keyArn))).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: keyArn, Condition: { StringEquals: viaDynamoDb } },
    ]);
    const resolve = statementsOf(template, 'resolve-restore');
    const protectionReads = resolve.filter((st) => asArray(st.Action).includes('s3:GetBucketPublicAccessBlock'));
    expect(protectionReads.length).toBeGreaterThan(0);
    for (const st of protectionReads) {
      expect(asArray(st.Action)).toEqual(['s3:GetEncryptionConfiguration', 's3:GetBucketPublicAccessBlock']);
      expect(st.Condition).toEqual({ StringEquals: { 's3:ResourceAccount': expect.any(String) } });
    }
    // The backup's plan reads what the restore recreates.
    expect(resourcesFor(statementsOf(template, 'plan-backup'), 'dynamodb:DescribeContinuousBackups')).toEqual([JSON.stringify(tableArn)]);
    expect(resourcesFor(statementsOf(template, 'plan-backup'), 'dynamodb:ListTagsOfResource')).toEqual([JSON.stringify(tableArn)]);
    // The DR region's functions cannot use a primary key: they get none of it.
    expect(JSON.stringify(Template.fromStack(protection.drStack).findResources('AWS::IAM::Policy'))).not.toContain('kms:CreateGrant');
    // Drills' scratch tables get no deletion protection nor point-in-time recovery.
    const drillPlans = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'plan-restore', LIFEBOAT_SCRATCH_TARGETS: 'true' }) } } });
    expect(Object.values(drillPlans).map((fn) => JSON.stringify(fn))).toEqual([expect.stringContaining('"LIFEBOAT_RESTORE_TARGET_PREFIX":"shop-prod-drill-"')]);
  });

  it('grants nothing through the buckets\' or tables\' own policies', () => {
    template.resourceCountIs('AWS::S3::BucketPolicy', 3); // the vault, its access-log bucket and the user's bucket (enforceSSL) only
    const userPolicy = Object.values(template.findResources('AWS::S3::BucketPolicy') as Record<string, Resource>).find((p) => JSON.stringify(p.Properties?.Bucket).includes(id(bucket)));
    expect(JSON.stringify(userPolicy)).not.toContain('Role');
  });

  it('hands the functions the plans with the bucket and table names as CloudFormation references, which the local executor resolves', () => {
    const [logicalId, fn] = Object.entries(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'snapshot-shard' }) } } }) as Record<string, Resource>)[0] ?? [];
    if (!logicalId || !fn) throw new Error('no snapshot function');
    const variables = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables.LIFEBOAT_PLANS)).toContain(`{"Ref":"${id(bucket)}"}`);
    const synthesized = { stackName: stack.stackName, role: 'primary' as const, account: ENV.account, region: ENV.region, assemblyDir: s.assemblyDir, template: JSON.parse(readFileSync(path.join(s.assemblyDir, stack.templateFile), 'utf8')) as CfnTemplate };
    const resources = stackResources(synthesized);
    const resolved = resolveValue(variables.LIFEBOAT_PLANS, resources.context(logicalId, 'Environment.Variables'), 'LIFEBOAT_PLANS');
    const plans = JSON.parse(String(resolved)) as { sources: Record<string, string>[] }[];
    expect(plans[0]?.sources[0]).toEqual({ type: 's3', name: 'assets', bucket: 'shop-assets-bucket', prefix: 'public/', inventory: { bucket: 'shop-inventory', prefix: 'reports/', configId: 'daily-csv' } });
    expect(plans[0]?.sources[2]).toEqual({ type: 'filesystem', name: 'files', path: '/mnt/lifeboat/files' });
  });

  it('names the DR keys by the ARNs read from the DR stack at deploy time, which the local executor resolves to the DR stack\'s keys', () => {
    const drStack = protection.drStack;
    const drKeyId = drStack.getLogicalId(protection.drVault.key.node.defaultChild as kms.CfnKey);
    const [logicalId, fn] = Object.entries(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'replicate-backup' }) } } }) as Record<string, Resource>)[0] ?? [];
    if (!logicalId || !fn) throw new Error('no replicate function');
    const variable = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables.DR_VAULT_KEY_ARN as { 'Fn::GetAtt': [string, string] };
    const lookup = template.findResources('Custom::LifeboatKeyArn')[variable['Fn::GetAtt'][0]];
    expect(lookup?.Properties).toEqual(expect.objectContaining({ StackName: drStack.stackName, LogicalResourceId: drKeyId, Region: drStack.region }));
    // The lookup may describe the DR stack's resources and nothing else.
    const lookupStatements = statementsOf(template, 'stack-key-arn').filter((st) => !JSON.stringify(st.Action).includes('xray:') && !JSON.stringify(st.Action).includes('logs:'));
    expect(lookupStatements).toEqual([
      { Effect: 'Allow', Action: 'cloudformation:DescribeStackResource', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudformation:${drStack.region}:${ENV.account}:stack/${drStack.stackName}/*`]] } },
    ]);
    const synthesized = { stackName: stack.stackName, role: 'primary' as const, account: ENV.account, region: ENV.region, assemblyDir: s.assemblyDir, template: JSON.parse(readFileSync(path.join(s.assemblyDir, stack.templateFile), 'utf8')) as CfnTemplate };
    expect(resolveValue(variable, stackResources(synthesized).context(logicalId, 'Environment.Variables'), 'DR_VAULT_KEY_ARN')).toBe(`arn:aws:kms:${drStack.region}:${ENV.account}:key/${drKeyId}`);
  });

  it('mounts the EFS file system into the functions that touch files', () => {
    expect(protection.fileSystemMount?.mountPath).toBe('/mnt/lifeboat');
    const mounted = Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter((f) => f.Properties?.FileSystemConfigs !== undefined);
    // Backup's plan and shard; the restore runbook's five (with its abandon step); the drill's five, its compare and its cleanup.
    expect(mounted).toHaveLength(14);
  });
});

describe('a mirrored file system (issue 12)', () => {
  it('lets the DR mirror check read only the file system\'s replication state, and tells it which file system', () => {
    const s = synthesizeApp((app) => {
      const stack = new Stack(app, 'Files', { env: ENV });
      const protection = new LifeboatProtection(stack, 'Lifeboat', { prefix: 'files', drRegion: 'us-west-2', fileSystem: EFS, plans: [plan([LifeboatSource.fileSystem('files', '/mnt/lifeboat/files', { mirror: true })])] });
      return { stack, protection };
    });
    expect(s.synthError).toBeUndefined();
    const dr = Template.fromStack(s.built.protection.drStack);
    dr.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'mirror-check', LIFEBOAT_MIRROR_FILE_SYSTEM_ID: EFS.fileSystemId }) } });
    const efs = statementsOf(dr, 'mirror-check').filter((st) => asArray(st.Action).some((a) => a.startsWith('elasticfilesystem:')));
    expect(efs.map((st) => [st.Action, JSON.stringify(st.Resource)])).toEqual([
      ['elasticfilesystem:DescribeReplicationConfigurations', expect.stringContaining(`:elasticfilesystem:${ENV.region}:${ENV.account}:file-system/${EFS.fileSystemId}`)],
    ]);
  });
});

describe('a mirrored file system with its replica mounted in the DR region (issue 12)', () => {
  const REPLICA = { fileSystemId: 'fs-0fedcba9876543210', accessPointId: 'fsap-0fedcba9876543210', vpcId: 'vpc-0fedcba9876543210', subnetIds: ['subnet-0fedcba9876543210'], securityGroupId: 'sg-0fedcba9876543210', mountPath: '/mnt/replica' };
  const s = synthesizeApp(
    (app) => {
      const stack = new Stack(app, 'Files', { env: ENV });
      const protection = new LifeboatProtection(stack, 'Lifeboat', {
        prefix: 'files',
        drRegion: 'us-west-2',
        fileSystem: { ...EFS, replica: REPLICA },
        plans: [plan([LifeboatSource.fileSystem('files', '/mnt/lifeboat/files', { mirror: true }), LifeboatSource.fileSystem('scratch', '/mnt/lifeboat/scratch')])],
      });
      return { stack, protection };
    },
    { nag: true },
  );

  it('synthesizes with no unacknowledged cdk-nag finding', () => {
    expect(s.synthError).toBeUndefined();
    expect(s.violations()).toEqual([]);
  });

  it('mounts the replica, read only, into the DR mirror check and tells it where the sources are', () => {
    const dr = Template.fromStack(s.built.protection.drStack);
    const [check] = Object.values(dr.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'mirror-check' }) } } }) as Record<string, Resource>);
    const variables = (check?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ LIFEBOAT_MIRROR_FILE_SYSTEM_ID: EFS.fileSystemId, LIFEBOAT_MIRROR_REPLICA_FILE_SYSTEM_ID: REPLICA.fileSystemId, LIFEBOAT_MOUNT_PATH: '/mnt/replica', LIFEBOAT_SOURCE_MOUNT_PATH: '/mnt/lifeboat' });
    expect(JSON.stringify(check?.Properties?.FileSystemConfigs)).toContain(`access-point/${REPLICA.accessPointId}`);
    expect(JSON.stringify(check?.Properties?.FileSystemConfigs)).toContain(':us-west-2:');
    expect((check?.Properties?.VpcConfig as { SubnetIds: string[] }).SubnetIds).toEqual(REPLICA.subnetIds);
    const mount = statementsOf(dr, 'mirror-check').filter((st) => asArray(st.Action).includes('elasticfilesystem:ClientMount'));
    expect(mount.map((st) => [st.Action, JSON.stringify(st.Resource)])).toEqual([['elasticfilesystem:ClientMount', expect.stringContaining(`file-system/${REPLICA.fileSystemId}`)]]);
    // The replica is read only: no ClientWrite anywhere in the DR stack's check.
    expect(statementsOf(dr, 'mirror-check').flatMap((st) => asArray(st.Action))).not.toContain('elasticfilesystem:ClientWrite');
  });

  it('samples the mirrored sources in the primary region into the DR catalog only, on the mirror check\'s schedule', () => {
    const primary = Template.fromStack(s.built.stack);
    const [[samplerId, sampler] = []] = Object.entries(primary.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'file-mirror-sample' }) } } }) as Record<string, Resource>);
    expect(JSON.stringify(sampler?.Properties?.FileSystemConfigs)).toContain(`access-point/${EFS.accessPointId}`);
    const variables = (sampler?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ DR_REGION: 'us-west-2', DR_CATALOG_TABLE: 'files-catalog' });
    const statements = statementsOf(primary, 'file-mirror-sample');
    expect(statements.flatMap((st) => asArray(st.Action)).filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:')).sort()).toEqual(
      // The sqs actions: a failed sampling goes to the dead-letter queue (below).
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'elasticfilesystem:ClientMount', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].sort(),
    );
    const catalog = statements.find((st) => asArray(st.Action).includes('dynamodb:PutItem'));
    expect(JSON.stringify(catalog?.Resource)).toContain(':dynamodb:us-west-2:');
    expect(catalog?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MIRROR#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } });
    primary.hasResourceProperties('AWS::Scheduler::Schedule', { Name: 'files-file-mirror-sample', ScheduleExpression: Match.anyValue(), Target: Match.objectLike({ Arn: Match.anyValue() }) });
    // Scheduler invokes it asynchronously: its errors reach the dead-letter queue only through an on-failure destination (audit aS2-3).
    expect(samplerId).toEqual(expect.stringMatching(/SampleFiles/));
    primary.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: samplerId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LifeboatAlertsDeadLetters'), 'Arn'] } } },
    });
    const plans = JSON.stringify(variables.LIFEBOAT_PLANS);
    expect(plans).toContain('/mnt/lifeboat/files');
  });
});

const DR_RESTORE_EFS = { fileSystemId: 'fs-0aaaabbbbccccdddd', accessPointId: 'fsap-0aaaabbbbccccdddd', vpcId: 'vpc-0aaaabbbbccccdddd', subnetIds: ['subnet-0aaaabbbbccccdddd'], securityGroupId: 'sg-0aaaabbbbccccdddd' };

describe('a writable file system in the DR region (fileSystem.drRestore)', () => {
  it('reaches the DR stack through the props: the DR restore, failover and drill functions that touch files mount it at its mount path', () => {
    const s = synthesizeApp((app) => {
      const stack = new Stack(app, 'Files', { env: ENV });
      const protection = new LifeboatProtection(stack, 'Lifeboat', { prefix: 'files', drRegion: 'us-west-2', fileSystem: { ...EFS, drRestore: DR_RESTORE_EFS }, plans: [plan([LifeboatSource.fileSystem('files', '/mnt/lifeboat/files')])] });
      return { stack, protection };
    });
    expect(s.synthError).toBeUndefined();
    const { protection } = s.built;
    // The default mount path, as for the primary's file system.
    expect(protection.drFileSystemMount?.mountPath).toBe('/mnt/lifeboat');
    const dr = Template.fromStack(protection.drStack);
    const mounted = Object.values(dr.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter((f) => f.Properties?.FileSystemConfigs !== undefined);
    // The DR restore runbook's five, the failover's five and its validation, the DR drill's five, its compare and its cleanup.
    expect(mounted).toHaveLength(18);
    for (const fn of mounted) expect(JSON.stringify(fn.Properties?.FileSystemConfigs)).toContain(`:elasticfilesystem:us-west-2:${ENV.account}:access-point/${DR_RESTORE_EFS.accessPointId}`);
    const validate = statementsOf(dr, 'failover-start').filter((st) => asArray(st.Action).some((a) => a.startsWith('elasticfilesystem:')));
    expect(validate.map((st) => [st.Action, JSON.stringify(st.Resource)])).toEqual([['elasticfilesystem:ClientMount', expect.stringContaining(`file-system/${DR_RESTORE_EFS.fileSystemId}`)]]);
  });
});

describe('an environment-agnostic stack', () => {
  it('synthesizes, with the account and region in physical names left to CloudFormation', () => {
    const s = synthesizeApp((app) => {
      const stack = new Stack(app, 'Agnostic');
      const protection = new LifeboatProtection(stack, 'Lifeboat', { prefix: 'agnostic', drRegion: 'us-west-2', plans: [plan([LifeboatSource.fileSystem('files', '/mnt/lifeboat/files')])] });
      return { stack, protection };
    });
    expect(s.synthError).toBeUndefined();
    const vault = Object.values(Template.fromStack(s.built.stack).findResources('AWS::S3::Bucket', { Properties: { BucketName: Match.objectLike({ 'Fn::Join': Match.anyValue() }) } }));
    expect(JSON.stringify(vault.map((b) => b.Properties?.BucketName))).toContain('"agnostic-vault-",{"Ref":"AWS::AccountId"},"-",{"Ref":"AWS::Region"}');
    expect(s.built.protection.drStack.region).toBe('us-west-2');
    // Its region is known at deploy time only: CloudFormation refuses a deploy into the DR region.
    const rules = (Template.fromStack(s.built.stack).toJSON() as { Rules?: Record<string, { Assertions: { Assert: unknown; AssertDescription: string }[] }> }).Rules ?? {};
    expect(Object.values(rules).flatMap((r) => r.Assertions).filter((a) => a.AssertDescription.startsWith('Lifeboat'))).toEqual([
      {
        Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-west-2'] }] },
        AssertDescription: expect.stringMatching(/^Lifeboat Agnostic\/Lifeboat: this stack is deployed into us-west-2, the protection's drRegion; the DR vault must be in another region/),
      },
    ]);
  });

  // Its region is {"Ref":"AWS::Region"}, which in the DR stack names the DR region (audit R7, finding 2).
  it('hands the DR stack no primary region: the DR drill compares no live bucket, and says so at synth', () => {
    const s = synthesizeApp((app) => {
      const stack = new Stack(app, 'Agnostic');
      const bucket = s3.Bucket.fromBucketName(stack, 'Assets', 'agnostic-assets');
      const protection = new LifeboatProtection(stack, 'Lifeboat', {
        prefix: 'agnostic',
        drRegion: 'us-west-2',
        plans: [plan([LifeboatSource.s3Bucket('assets', bucket)], { drill: { schedule: 'rate(7 days)', vault: 'primary' } })],
      });
      return { stack, protection };
    });
    expect(s.synthError).toBeUndefined();
    const drFunctions = Object.values(Template.fromStack(s.built.protection.drStack).findResources('AWS::Lambda::Function') as Record<string, Resource>);
    expect(drFunctions.filter((fn) => JSON.stringify(fn.Properties?.Environment).includes('LIFEBOAT_PRIMARY_REGION'))).toEqual([]);
    expect(drFunctions.filter((fn) => JSON.stringify(fn.Properties?.Environment).includes('"LIFEBOAT_HANDLER":"drill-compare"'))).toHaveLength(1);
    const warnings = s.app.synth().getStackArtifact(s.built.stack.artifactId).messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data));
    expect(warnings).toContainEqual(expect.stringContaining('stack Agnostic has no region (environment-agnostic): a drill of the DR vault started by hand restores and verifies, but compares no live S3 source'));
  });

  it('refuses a mirror and a scheduled drill of the DR vault with a bucket, which would need the primary region in the DR stack', () => {
    const stack = new Stack(templateOnlyApp(), 'Agnostic');
    const bucket = s3.Bucket.fromBucketName(stack, 'Assets', 'agnostic-assets');
    const orders = dynamodb.Table.fromTableName(stack, 'Orders', 'agnostic-orders');
    const drill = { schedule: 'rate(7 days)' };
    expect(
      () =>
        new LifeboatProtection(stack, 'Lifeboat', {
          prefix: 'agnostic',
          drRegion: 'us-west-2',
          plans: [
            plan([LifeboatSource.s3Bucket('assets', bucket, { mirror: true }), LifeboatSource.dynamoDbTable('orders', orders, { mirror: true })], { drill }),
            // Tables are not sampled live by a drill, so a drill of tables only needs no primary region.
            plan([LifeboatSource.dynamoDbTable('orders-archive', orders)], { name: 'tables', drill }),
          ],
        }),
    ).toThrow(
      new InvalidLifeboatPropsError('LifeboatProtection Agnostic/Lifeboat', [
        'plans[0].sources[0].mirror: source "assets": the mirror check, in the DR region, compares the mirror with the source in the primary region, but stack Agnostic has no region (environment-agnostic), and the DR stack cannot learn it: give the stack env.region, or drop mirror',
        'plans[0].sources[1].mirror: source "orders": the mirror check, in the DR region, compares the mirror with the source in the primary region, but stack Agnostic has no region (environment-agnostic), and the DR stack cannot learn it: give the stack env.region, or drop mirror',
        'plans[0].drill: plan "daily"\'s drill of the DR vault compares its restores with the live buckets in the primary region, but stack Agnostic has no region (environment-agnostic), and the DR stack cannot learn it: give the stack env.region, or drill the primary vault (drill.vault: \'primary\')',
      ]),
    );
  });
});

describe('prop validation', () => {
  /** The error of building a protection in a fresh stack (eu-west-1), with `change` applied to valid props. */
  function errorOf(change: (props: LifeboatProtectionProps, stack: Stack, bucket: s3.IBucket) => LifeboatProtectionProps): InvalidLifeboatPropsError {
    const app = templateOnlyApp();
    const stack = new Stack(app, 'Shop', { env: ENV });
    const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'some-bucket');
    const valid: LifeboatProtectionProps = { prefix: 'shop-prod', drRegion: 'us-west-2', plans: [plan([LifeboatSource.s3Bucket('assets', bucket)])] };
    try {
      new LifeboatProtection(stack, 'Lifeboat', change(valid, stack, bucket));
    } catch (err) {
      if (err instanceof InvalidLifeboatPropsError) return err;
      throw err;
    }
    throw new Error('no error');
  }

  it('names the bad plan field by its path, with the config schema\'s message', () => {
    const err = errorOf((p) => ({ ...p, plans: [{ ...(p.plans[0] as LifeboatPlan), retention: {}, schedule: 'every day' }] }));
    expect(err.message).toBe(
      [
        'Invalid props of LifeboatProtection Shop/Lifeboat:',
        '  - plans[0].schedule: expression: must be rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)',
        '  - plans[0].retention: must keep something: set keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly or keepWithin',
      ].join('\n'),
    );
  });

  it('names a bad retention or DR retention field by its path', () => {
    const err = errorOf((p) => ({ ...p, plans: [{ ...(p.plans[0] as LifeboatPlan), retention: { keepLast: 3, keepWithin: 'a week' }, drRetention: { keepMonthly: -2, timeZone: 'Nowhere/City' } }] }));
    expect(err.issues).toEqual([
      'plans[0].retention.keepWithin: "a week" is not a duration: write counts with units h, d, w, m (months) or y, such as "36h", "7d", "2w", "6m", "1y" or "1y6m"',
      'plans[0].drRetention.keepMonthly: must be 0 or more',
      'plans[0].drRetention.timeZone: is not a time zone this runtime knows: give an IANA name such as "UTC" or "Europe/Berlin"',
      // A negative count keeps nothing, so the DR policy has no keep rule left either.
      'plans[0].drRetention: must keep something: set keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly or keepWithin',
    ]);
  });

  it('refuses an inventory bucket of another account (the functions expect their own account to own it)', () => {
    const stack = new Stack(templateOnlyApp(), 'Shop', { env: ENV });
    const bucket = s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets-bucket');
    const foreign = s3.Bucket.fromBucketAttributes(stack, 'Inventory', { bucketName: 'shop-inventory', account: '222222222222' });
    expect(() => LifeboatSource.s3Bucket('assets', bucket, { inventory: { bucket: foreign } })).toThrow(
      new InvalidLifeboatPropsError('LifeboatSource assets', ['inventory.bucket: is account 222222222222\'s; deliver the inventory reports to a bucket of the account Lifeboat runs in.']),
    );
  });

  it('refuses duplicate source names, a bad source name and a file-system source outside the mount', () => {
    const err = errorOf((p, _stack, bucket) => ({
      ...p,
      fileSystem: EFS,
      plans: [plan([LifeboatSource.s3Bucket('assets', bucket), LifeboatSource.s3Bucket('assets', bucket, { prefix: 'other/' }), LifeboatSource.fileSystem('Files', '/data/files')])],
    }));
    expect(err.issues).toEqual([
      'plans[0].sources[2].name: must be 2-32 lowercase letters, digits or dashes, starting with a letter',
      'plans: source names must be unique within an environment',
      'plans[0].sources[2].path: source "Files" is at /data/files, outside the file system\'s mountPath /mnt/lifeboat: in AWS the functions see files only under the mount, so its path must be /mnt/lifeboat or below it',
    ]);
  });

  it('refuses an Object Lock retention S3 would not accept', () => {
    expect(errorOf((p) => ({ ...p, immutability: { mode: 'COMPLIANCE', days: 0 } })).issues).toEqual([
      'immutability.days: 0 must be a whole number of days from 1 to 36500 (S3 Object Lock\'s limits)',
    ]);
  });

  it('names a bad field of the EFS mount as fileSystem.<field>', () => {
    const err = errorOf((p) => ({ ...p, fileSystem: { ...EFS, subnetIds: ['subnet-1'] } }));
    expect(err.issues).toEqual(['fileSystem.subnetIds[0]: must be a subnet id such as subnet-0123456789abcdef0']);
  });

  it('names a bad field of the DR restore file system as fileSystem.drRestore.<field>, and refuses the read-only replica there', () => {
    expect(errorOf((p) => ({ ...p, fileSystem: { ...EFS, drRestore: { ...DR_RESTORE_EFS, mountPath: '/data' } } })).issues).toEqual([
      'fileSystem.drRestore.mountPath: must be one directory directly under /mnt/, such as /mnt/lifeboat (Lambda mounts file systems there)',
    ]);
    expect(errorOf((p) => ({ ...p, fileSystem: { ...EFS, replica: DR_RESTORE_EFS, drRestore: DR_RESTORE_EFS } })).issues).toEqual([
      'fileSystem.drRestore.fileSystemId: names the replica\'s file system: EFS keeps a replica read-only while its replication exists, so the DR region could not restore into it; give a writable file system of the DR region, or (after deleting the replication) remove "replica"',
    ]);
  });

  it('refuses a prefix that is no valid name part or too long for the bucket names', () => {
    expect(errorOf((p) => ({ ...p, prefix: 'Shop_Prod' })).issues).toEqual([
      'prefix: "Shop_Prod" must be lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit (it starts S3 bucket and DynamoDB table names)',
    ]);
    // eu-west-1 and us-west-2 have 9 characters: 63 - "-access-logs-" - 12 - "-" - 9 = 28.
    expect(errorOf((p) => ({ ...p, prefix: 'a'.repeat(29) })).issues).toEqual([
      `prefix: "${'a'.repeat(29)}" has 29 characters, at most 28 fit: the access-log bucket <prefix>-access-logs-<account>-<region> must fit S3's 63`,
    ]);
  });

  it('names what plain JavaScript may leave out or get wrong, instead of failing with a TypeError', () => {
    const loose = (props: object): LifeboatProtectionProps => props as LifeboatProtectionProps;
    expect(errorOf((p) => loose({ ...p, drRegion: undefined })).issues).toEqual(['drRegion: required: the region of the DR vault, such as us-west-2']);
    expect(errorOf((p) => loose({ ...p, plans: undefined })).issues).toEqual(['plans: required: an array of at least one plan']);
    expect(errorOf((p) => loose({ ...p, plans: [{ ...p.plans[0], name: undefined }] })).issues).toEqual(['plans[0].name: required: the plan\'s name']);
    expect(errorOf((p) => loose({ ...p, plans: [{ ...p.plans[0], sources: [{ type: 's3', name: 'assets', bucket: 'some-bucket' }] }] })).issues).toEqual([
      'plans[0].sources[0]: is not a LifeboatSource: make sources with LifeboatSource.s3Bucket, LifeboatSource.dynamoDbTable or LifeboatSource.fileSystem',
    ]);
  });

  it('checks the scrub, prune and mirror-check schedules, the samples and the notifications as a config file\'s', () => {
    const err = errorOf((p) => ({
      ...p,
      scrub: { schedule: 'every day' },
      prune: { schedule: 'cron(bad)' },
      mirrorCheck: { schedule: 'rate(0 minutes)', samples: 0.5 },
      notifications: { emails: ['not-an-email'], replicationLagMinutes: -10 },
    }));
    expect(err.issues).toEqual([
      expect.stringMatching(/^notifications\.emails\[0\]: must be an e-mail address$/),
      expect.stringMatching(/^notifications\.replicationLagMinutes: /),
      expect.stringMatching(/^mirrorCheck\.schedule: /),
      expect.stringMatching(/^mirrorCheck\.samples: /),
      expect.stringMatching(/^scrub\.schedule: expression: must be rate/),
      expect.stringMatching(/^prune\.schedule: /),
    ]);
  });

  it('refuses an approver that is no role of the stack\'s account, and a grace longer than a year', () => {
    expect(errorOf((p) => ({ ...p, approverRoleArn: 'arn:aws:iam::111111111111:user/bob' })).issues).toEqual([
      'approverRoleArn: "arn:aws:iam::111111111111:user/bob" must be an IAM role ARN such as arn:aws:iam::123456789012:role/lifeboat-approver (the stacks attach the approver\'s policy to that role)',
    ]);
    expect(errorOf((p) => ({ ...p, approverRoleArn: 'arn:aws:iam::999999999999:role/approver' })).issues).toEqual([
      'approverRoleArn: the role is account 999999999999\'s, not 111111111111\'s: the stacks attach the approver\'s policy to a role of their own account',
    ]);
    expect(errorOf((p) => ({ ...p, prune: { graceHours: 1e6 } })).issues).toEqual(['prune.graceHours: 1000000 must be a number of hours above 0 and at most a year (8760)']);
  });

  it('refuses a prefix S3 reserves, an environment name too long for the alarm topic, and a drill schedule name over 64 characters', () => {
    expect(errorOf((p) => ({ ...p, prefix: 'xn--shop' })).issues).toEqual(['prefix: "xn--shop" starts with "xn--", which S3 reserves at the start of bucket names (the vault is <prefix>-vault-…): choose another prefix']);
    expect(errorOf((p) => ({ ...p, environmentName: 'e'.repeat(65) })).issues).toEqual([
      `environmentName: "${'e'.repeat(65)}" has 65 characters, at most 64 (it names the alarm topics, whose display name SNS limits to 100)`,
    ]);
    const prefix = 'p'.repeat(28);
    const name = 'n'.repeat(32);
    expect(errorOf((p) => ({ ...p, prefix, plans: [{ ...(p.plans[0] as LifeboatPlan), name, drill: { schedule: 'rate(7 days)' } }] })).issues).toEqual([
      `plans: plan "${name}"'s drill schedule would be named ${prefix}-drill-${name} (67 characters); EventBridge Scheduler allows 64: shorten the prefix or the plan's name`,
    ]);
  });

  it('refuses a second protection with the same prefix that may share the account, a DR stack of another account without drAccount, and a source of another region', () => {
    expect(
      errorOf((p, stack) => {
        const other = new Stack(stack.node.scope as App, 'Other', { env: { ...ENV, region: 'eu-central-1' } });
        new LifeboatProtection(other, 'Lifeboat', { ...p, plans: [plan([LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(other, 'Bucket', 'other-bucket'))])] });
        return p;
      }).issues,
    ).toEqual([
      'prefix: protection Other/Lifeboat has the prefix "shop-prod" too, and may deploy into the same account: every physical name (vaults, catalog, state machines, schedules) would be the same; give one of them another prefix',
    ]);
    expect(
      errorOf((p, stack) => ({ ...p, drStack: new Stack(stack.node.scope as App, 'Dr', { env: { account: '222222222222', region: 'us-west-2' } }) })).issues,
    ).toEqual([
      'drStack: stack Dr is in account 222222222222, not 111111111111: set drAccount: \'222222222222\' too, so that the DR vault and catalog let this account\'s roles in (docs/DEPLOYMENT.md, "The DR vault in another account")',
    ]);
    expect(
      errorOf((p, stack) => {
        const elsewhere = new Stack(stack.node.scope as App, 'Eu', { env: { ...ENV, region: 'eu-central-1' } });
        return { ...p, plans: [plan([LifeboatSource.s3Bucket('assets', new s3.Bucket(elsewhere, 'B'))])] };
      }).issues,
    ).toEqual(['plans[0].sources[0]: source "assets": bucket Eu/B is in eu-central-1, but the protection is in eu-west-1: protect it from a stack in eu-central-1']);
  });

  it('refuses a mirror on a bucket that is mirrored already: for another source, or by a replication configuration of its own', () => {
    const mirroredTwice = errorOf((p, stack) => {
      const bucket = new s3.Bucket(stack, 'Same', { bucketName: 'shop-same', versioned: true });
      return { ...p, plans: [plan([LifeboatSource.s3Bucket('one', bucket, { mirror: true, prefix: 'a/' }), LifeboatSource.s3Bucket('two', bucket, { mirror: true, prefix: 'b/' })])] };
    });
    expect(mirroredTwice.issues).toEqual([
      'plans: source "two": bucket Shop/Same is mirrored already, for source "one", and S3 allows one replication configuration per bucket: mirror one source of the bucket (a prefix that covers the others), or drop mirror from this one',
    ]);
    // Audit g10-1: two imports of one name are one bucket; each source's custom resource would replace the other's rule.
    const importedTwice = errorOf((p, stack) => {
      const sources = [LifeboatSource.s3Bucket('images', s3.Bucket.fromBucketName(stack, 'Images', 'shop-assets'), { mirror: true, prefix: 'images/' })];
      sources.push(LifeboatSource.s3Bucket('docs', s3.Bucket.fromBucketName(stack, 'Docs', 'shop-assets'), { mirror: true, prefix: 'docs/' }));
      return { ...p, plans: [plan(sources)] };
    });
    expect(importedTwice.issues).toEqual([
      'plans: source "docs": bucket shop-assets is mirrored already, for source "images", and S3 allows one replication configuration per bucket: mirror one source of the bucket (a prefix that covers the others), or drop mirror from this one',
    ]);
    const replicatedByItsOwner = errorOf((p, stack) => {
      const bucket = new s3.Bucket(stack, 'Replicated', { bucketName: 'shop-replicated', versioned: true });
      (bucket.node.defaultChild as s3.CfnBucket).replicationConfiguration = { role: 'arn:aws:iam::111111111111:role/replication', rules: [{ status: 'Enabled', destination: { bucket: 'arn:aws:s3:::elsewhere' } }] };
      return { ...p, plans: [plan([LifeboatSource.s3Bucket('one', bucket, { mirror: true })])] };
    });
    expect(replicatedByItsOwner.issues).toEqual([
      'plans: source "one": bucket Shop/Replicated has a replication configuration of its own; S3 allows one per bucket: drop mirror, or add Lifeboat\'s rule to yours',
    ]);
  });

  it('refuses the same prefix in two accounts when a source is mirrored in both: the mirror bucket names no account, and S3 bucket names are global', () => {
    const issues = errorOf((p, stack, bucket) => {
      const other = new Stack(stack.node.scope as App, 'Other', { env: { ...ENV, account: '222222222222' } });
      const mirrored = (b: s3.IBucket) => ({ ...p, plans: [plan([LifeboatSource.s3Bucket('assets', b, { mirror: true })])] });
      new LifeboatProtection(other, 'Lifeboat', mirrored(s3.Bucket.fromBucketName(other, 'Bucket', 'other-bucket')));
      return mirrored(bucket);
    }).issues;
    expect(issues).toEqual([
      'prefix: protection Other/Lifeboat has the prefix "shop-prod" too, in another account, and both would name the S3 bucket shop-prod-mirror-assets: S3 bucket names are global across accounts, so the second deploy would fail; give one of them another prefix',
    ]);
  });

  it('allows the same prefix for protections in two other accounts, and warns of a grace below the backup lease', () => {
    const app = templateOnlyApp();
    const props = (stack: Stack): LifeboatProtectionProps => ({ prefix: 'shop', drRegion: 'us-west-2', plans: [plan([LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Bucket', 'some-bucket'))])] });
    const a = new Stack(app, 'A', { env: ENV });
    const b = new Stack(app, 'B', { env: { ...ENV, account: '222222222222' } });
    new LifeboatProtection(a, 'Lifeboat', { ...props(a), prune: { graceHours: 1 } });
    new LifeboatProtection(b, 'Lifeboat', props(b));
    // A plan with an archive tier runs (and holds its lease) up to 72 h 15 min: a grace of 30 h is below that one.
    const c = new Stack(app, 'C', { env: { ...ENV, account: '333333333333' } });
    const archived = plan([LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(c, 'Bucket', 'some-bucket'))], { storage: { archive: { storageClass: 'DEEP_ARCHIVE', afterDays: 180 } } });
    new LifeboatProtection(c, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', plans: [archived], prune: { graceHours: 30 } });
    const assembly = app.synth();
    const warningsOf = (stack: Stack): string[] => assembly.getStackArtifact(stack.artifactId).messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data));
    expect(warningsOf(a)).toContainEqual(expect.stringContaining('prune.graceHours 1 is below the backup lease (24.25 h): a backup that runs longer than 1 h refuses to commit (BackupOutlivedGraceError)'));
    expect(warningsOf(c)).toContainEqual(expect.stringContaining('prune.graceHours 30 is below the backup lease (72.25 h)'));
  });

  it('schedules the prunes with a grace that covers an archive tier\'s lease when none is given (audit d1-2), and with {} otherwise', () => {
    const app = templateOnlyApp();
    const scheduleInputs = (protection: LifeboatProtection): unknown[] =>
      [protection.pruneWorkflow, protection.drPruneWorkflow].map((w: PruneWorkflow) => {
        const target = w.schedule?.target;
        return target && 'input' in target ? target.input : undefined;
      });
    const inputs = (stack: Stack, prune?: LifeboatProtectionProps['prune']): unknown[] => {
      const archived = plan([LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Bucket', 'some-bucket'))], { storage: { archive: { storageClass: 'DEEP_ARCHIVE', afterDays: 180 } } });
      const protection = new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', plans: [archived], ...(prune ? { prune } : {}) });
      return scheduleInputs(protection);
    };
    // The lease of an archive plan is 72 h 15 min (backupLeaseSeconds): the handler's 25 h would refuse its long backups.
    const defaults = inputs(new Stack(app, 'A', { env: ENV }));
    expect(defaults.map((input) => (JSON.parse(String(input)) as { graceHours?: number }).graceHours ?? 0).every((hours) => hours * 3600 >= ARCHIVE_BACKUP_LEASE_SECONDS)).toBe(true);
    expect(defaults).toEqual(['{"graceHours":74}', '{"graceHours":74}']);
    // A grace the user gives is sent as given (below the lease: the synth warning above).
    expect(inputs(new Stack(app, 'B', { env: { ...ENV, account: '222222222222' } }), { graceHours: 30 })).toEqual(['{"graceHours":30}', '{"graceHours":30}']);
    // Without an archive tier the handler's 25 h covers the 24 h 15 min lease: the schedules send {} as before.
    const plain = new Stack(app, 'C', { env: { ...ENV, account: '333333333333' } });
    const protection = new LifeboatProtection(plain, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', plans: [plan([LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(plain, 'Bucket', 'some-bucket'))])] });
    expect(scheduleInputs(protection)).toEqual(['{}', '{}']);
  });

  it('refuses an S3 source, mirrored or not, whose failover bucket exceeds 63 characters with any suffix (audit R7, finding 3)', () => {
    // shop-production-eu-west-1-ab-restore- has 37 characters: with `-` and a one-character suffix, a source name may have 24.
    const err = errorOf((p, stack, bucket) => ({
      ...p,
      prefix: 'shop-production-eu-west-1-ab',
      plans: [
        plan([
          LifeboatSource.s3Bucket('customer-uploads-origin-x', bucket, { prefix: 'x/' }),
          LifeboatSource.s3Bucket('customer-uploads-origin-y', bucket, { prefix: 'y/', mirror: true }),
          LifeboatSource.s3Bucket('customer-uploads-origin9', bucket, { prefix: 'z/' }),
          LifeboatSource.dynamoDbTable('customer-orders-table-eu-west-on', dynamodb.Table.fromTableName(stack, 'Orders', 'orders')),
        ]),
      ],
    }));
    expect(err.issues).toEqual([
      'plans[0].sources[0]: source "customer-uploads-origin-x": the failover would restore it into a bucket shop-production-eu-west-1-ab-restore-customer-uploads-origin-x-x or longer (64 characters with a one-character targetSuffix), over S3\'s 63, and so refuse to fail over its plan; shorten the prefix or the source\'s name',
      'plans[0].sources[1]: source "customer-uploads-origin-y": the failover would restore it into a bucket shop-production-eu-west-1-ab-restore-customer-uploads-origin-y-x or longer (64 characters with a one-character targetSuffix), over S3\'s 63, and so refuse to fail over its plan; shorten the prefix or the source\'s name',
    ]);
  });

  it('warns of an S3 source whose failover bucket fits only a targetSuffix shorter than the default, naming how long it may be (review 40c)', () => {
    const app = templateOnlyApp();
    const stack = new Stack(app, 'Shop', { env: ENV });
    const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'some-bucket');
    // shop-production-eu-restore- has 27 characters: the default `-failover` fits a source name of 27, this one has 28.
    new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop-production-eu', drRegion: 'us-west-2', plans: [plan([LifeboatSource.s3Bucket('customer-uploads-originals-x', bucket), LifeboatSource.s3Bucket('assets', bucket, { prefix: 'a/' })])] });
    const assembly = app.synth();
    const warnings = assembly.getStackArtifact(stack.artifactId).messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data)).filter((w) => w.includes('targetSuffix'));
    expect(warnings).toEqual([
      expect.stringContaining('source "customer-uploads-originals-x": the failover\'s default bucket shop-production-eu-restore-customer-uploads-originals-x-failover (64 characters) is over S3\'s 63: a failover of its plan must name a targetSuffix of at most 7 characters'),
    ]);
  });

  it('refuses a table imported by the ARN of another region or account, and takes one of the stack\'s own (audit R7, finding 5)', () => {
    const stack = new Stack(templateOnlyApp(), 'Shop', { env: ENV });
    const table = (id: string, arn: string) => dynamodb.Table.fromTableArn(stack, id, arn);
    expect(() => LifeboatSource.dynamoDbTable('orders', table('East', 'arn:aws:dynamodb:us-east-2:111111111111:table/orders'))).toThrow(
      new InvalidLifeboatPropsError('LifeboatSource orders', [
        'table: arn:aws:dynamodb:us-east-2:111111111111:table/orders is in us-east-2, but stack Shop is in eu-west-1; the functions reach a table by its name, in their own region and account: protect it from a stack there',
      ]),
    );
    expect(() => LifeboatSource.dynamoDbTable('orders', table('Foreign', 'arn:aws:dynamodb:eu-west-1:222222222222:table/orders'))).toThrow(
      new InvalidLifeboatPropsError('LifeboatSource orders', [
        'table: arn:aws:dynamodb:eu-west-1:222222222222:table/orders is account 222222222222\'s, but stack Shop is in account 111111111111; the functions reach a table by its name, in their own region and account: protect it from a stack there',
      ]),
    );
    expect(LifeboatSource.dynamoDbTable('orders', table('Own', 'arn:aws:dynamodb:eu-west-1:111111111111:table/orders')).config).toEqual({ type: 'dynamodb', name: 'orders', table: 'orders' });
    const agnostic = new Stack(stack.node.scope as App, 'Agnostic');
    expect(LifeboatSource.dynamoDbTable('orders', dynamodb.Table.fromTableName(agnostic, 'Orders', 'orders')).name).toBe('orders');
  });

  it('refuses a mirrored TableV2 whose customer-managed key has no replica key for the DR region, and takes one that has (audit R7, finding 8)', () => {
    const tableWith = (stack: Stack, replicaKeyArns?: Record<string, string>) =>
      new dynamodb.TableV2(stack, 'Orders', {
        tableName: 'shop-orders',
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        encryption: dynamodb.TableEncryptionV2.customerManagedKey(new kms.Key(stack, 'OrdersKey'), replicaKeyArns),
      });
    const err = errorOf((p, stack) => ({ ...p, plans: [plan([LifeboatSource.dynamoDbTable('orders', tableWith(stack), { mirror: true })])] }));
    expect(err.issues).toEqual([
      'plans[0].sources[0].mirror: source "orders": table Shop/Orders is encrypted with a customer-managed key that has no replica key for us-west-2, where its mirror (a replica) goes: add one, TableEncryptionV2.customerManagedKey(key, { \'us-west-2\': \'<ARN of a key in us-west-2>\' }), or drop mirror',
    ]);
    const s = synthesizeApp((app) => {
      const stack = new Stack(app, 'Shop', { env: ENV });
      const orders = tableWith(stack, { 'us-west-2': 'arn:aws:kms:us-west-2:111111111111:key/replica' });
      return new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop-prod', drRegion: 'us-west-2', plans: [plan([LifeboatSource.dynamoDbTable('orders', orders, { mirror: true })])] });
    });
    expect(s.synthError).toBeUndefined();
  });

  it('refuses at synth a function whose environment is over Lambda\'s 4 KB as Lambda measures it (audit d1-1), naming the function and what to do', () => {
    // 25 buckets of 63-character names: LIFEBOAT_PLANS is under the 3,500 bytes of the plans check, but the whole
    // environment of the restore functions, as the JSON Lambda measures (quotes escaped), is over 4,096.
    const app = templateOnlyApp();
    const stack = new Stack(app, 'Shop', { env: ENV });
    const sources = Array.from({ length: 25 }, (_, i) => LifeboatSource.s3Bucket(`src-${String(i).padStart(2, '0')}`, s3.Bucket.fromBucketName(stack, `B${i}`, `shop-bucket-${i}-`.padEnd(63, 'z'))));
    new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', plans: [plan(sources)] });
    expect(() => app.synth()).toThrow(
      /\[Shop\/Lifeboat\/Restore\/ResolveRestore\] Lifeboat's resolve-restore function would get an environment of up to 4[01]\d\d bytes as Lambda measures it .* more than the 4096 Lambda allows.* Protect fewer sources per LifeboatProtection/,
    );
  });

  it('counts a bucket or table name CloudFormation generates at deploy as long as it will be, not as nothing (review r7-1)', () => {
    // Unnamed buckets (the usual CDK case): CloudFormation names each <stack>-<logical id>-<13-character suffix>,
    // here cut to 63; 25 of them put the restore functions' environments over 4,096 bytes.
    const withSources = (count: number, source: (stack: Stack, i: number) => LifeboatSource) => {
      const app = templateOnlyApp();
      const stack = new Stack(app, 'ShopProductionStack', { env: ENV });
      new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', plans: [plan(Array.from({ length: count }, (_, i) => source(stack, i)))] });
      return app;
    };
    const overLimit = /\[ShopProductionStack\/Lifeboat\/Restore\/ResolveRestore\] Lifeboat's resolve-restore function would get an environment of up to 4\d\d\d bytes as Lambda measures it .* more than the 4096 Lambda allows/;
    const unnamedBucket = (stack: Stack, i: number) => LifeboatSource.s3Bucket(`media-${i}`, new s3.Bucket(stack, `CustomerMediaUploads${i}`));
    expect(() => withSources(25, unnamedBucket).synth()).toThrow(overLimit);
    // An unnamed TableV2 (a CfnGlobalTable) is named the same way, up to 255 characters.
    const pk = { name: 'pk', type: dynamodb.AttributeType.STRING };
    const unnamedTableV2 = (stack: Stack, i: number) => LifeboatSource.dynamoDbTable(`orders-${i}`, new dynamodb.TableV2(stack, `CustomerOrdersHistoryTable${i}`, { partitionKey: pk }));
    expect(() => withSources(27, unnamedTableV2).synth()).toThrow(overLimit);
    // A realistic protection of ten unnamed sources, buckets and tables, still fits.
    expect(() => withSources(10, (stack, i) => (i % 2 === 0 ? unnamedBucket(stack, i) : unnamedTableV2(stack, i))).synth()).not.toThrow();
  });

  it('refuses a DR region equal to the stack\'s and a DR stack elsewhere', () => {
    expect(errorOf((p) => ({ ...p, drRegion: 'eu-west-1' })).issues).toEqual(['drRegion: "eu-west-1" is the region of stack Shop; the DR vault must be in another region']);
    expect(errorOf((p) => ({ ...p, drRegion: 'mars-1' })).issues).toEqual(['drRegion: must be an AWS region such as us-east-1']);
    expect(errorOf((p, stack) => ({ ...p, drStack: new Stack(stack.node.scope as App, 'Dr', { env: { ...ENV, region: 'eu-central-1' } }) })).issues).toEqual([
      'drStack: stack Dr is in eu-central-1, but drRegion is us-west-2',
    ]);
  });
});
