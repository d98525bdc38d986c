import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type IConstruct } from 'constructs';
import { type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { createMirrorKey } from '../../../lib/constructs/mirror-key';
import { MIRROR_NONCURRENT_VERSION_DAYS } from '../../../lib/constructs/source-mirrors';
import { createProtectedKey } from '../../../lib/constructs/protected-key';
import { KEY_USER_TAG } from '../../../lib/constructs/security-options';
import { templateOnlyApp } from '../../support/template-only-app';
import { synthesizeApp } from './synth-app';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * The S3 mirrors' own key (lib/constructs/mirror-key.ts, docs/SECURITY.md "Keys"): the mirror buckets and their
 * replicas are encrypted with it, not with the DR vault's key, whose policy lets only Lifeboat's tagged roles use
 * it for the vault bucket (so KMS refused S3 Replication, and the application after a failover, the vault key).
 */
const ENV = USER_APP_ENV;
const DR_REGION = 'us-west-2';
const PREFIX = 'shop-prod';
const MIRROR_PREFIX = `${PREFIX}-mirror-`;

type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const text = (v: unknown) => JSON.stringify(v);
const partitionArn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, suffix]] });

function plan(sources: LifeboatSource[]): LifeboatPlan {
  return { name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, maxConcurrency: 8, sources };
}

/** A protection mirroring an imported bucket (custom resource) and one of its own stack (CfnBucket), with `drAccount` or without. */
function synthesize(drAccount?: string) {
  return synthesizeApp(
    (app) => {
      const stack = new Stack(app, 'Shop', { env: ENV });
      const owned = new s3.Bucket(stack, 'Media', { bucketName: 'shop-media', enforceSSL: true, versioned: true });
      Validations.of(owned).acknowledge({ id: 'AwsSolutions-S1', reason: 'A test fixture: the user\'s bucket, not Lifeboat\'s.' });
      const imported = s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets');
      const protection = new LifeboatProtection(stack, 'Lifeboat', {
        prefix: PREFIX,
        drRegion: DR_REGION,
        ...(drAccount !== undefined ? { drAccount } : {}),
        plans: [plan([LifeboatSource.s3Bucket('assets', imported, { mirror: true }), LifeboatSource.s3Bucket('media', owned, { mirror: true })])],
      });
      return { stack, protection, owned };
    },
    { nag: true },
  );
}

const logicalIdOf = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

describe.each([
  ['one account', undefined],
  ['drAccount given (the primary account itself)', ENV.account],
])('a mirrored S3 source, %s', (_name, drAccount) => {
  const s = synthesize(drAccount);
  const { stack, protection, owned } = s.built;
  const primary = Template.fromStack(stack);
  const dr = Template.fromStack(protection.drStack);
  const mirrors = protection.mirrors;
  if (!mirrors?.key) throw new Error('the protection has no mirrors\' key');
  const mirrorKeyId = logicalIdOf(mirrors.key);
  const vaultKeyId = logicalIdOf(protection.drVault.key);
  const keys = dr.findResources('AWS::KMS::Key') as Record<string, Resource>;
  const mirrorKey = keys[mirrorKeyId];
  const policyOf = (keyId: string) => (keys[keyId]?.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
  // How the primary stack names the mirrors' key: the DrKeyArns lookup that pins it by its logical id in the DR stack.
  const lookups = Object.entries(primary.findResources('Custom::LifeboatKeyArn') as Record<string, Resource>).filter(([, r]) => r.Properties.LogicalResourceId === mirrorKeyId);
  const mirrorKeyArn = { 'Fn::GetAtt': [lookups[0]?.[0], 'Arn'] };
  const bucketArns = ['assets', 'media'].flatMap((source) => [`:s3:::${MIRROR_PREFIX}${source}`, `:s3:::${MIRROR_PREFIX}${source}/*`].map(partitionArn));

  it('synthesizes with no unacknowledged cdk-nag finding', () => {
    expect(s.violations()).toEqual([]);
    expect(s.synthError).toBeUndefined();
  });

  it('encrypts every mirror bucket with the mirrors\' key (Bucket Key on), not the DR vault\'s', () => {
    expect(mirrorKeyId).not.toBe(vaultKeyId);
    for (const source of ['assets', 'media']) {
      const [bucket] = Object.values(dr.findResources('AWS::S3::Bucket', { Properties: { BucketName: `${MIRROR_PREFIX}${source}` } }) as Record<string, Resource>);
      const encryption = (bucket?.Properties.BucketEncryption as { ServerSideEncryptionConfiguration: unknown[] }).ServerSideEncryptionConfiguration;
      expect(encryption).toEqual([{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [mirrorKeyId, 'Arn'] } } }]);
    }
  });

  it('expires what the source overwrote or deleted from every mirror bucket a month later, and the delete markers left alone then (audit aS6-1)', () => {
    for (const source of ['assets', 'media']) {
      const [bucket] = Object.values(dr.findResources('AWS::S3::Bucket', { Properties: { BucketName: `${MIRROR_PREFIX}${source}` } }) as Record<string, Resource>);
      // Before aS6-1 the mirror bucket had no LifecycleConfiguration: it grew with the source's whole history.
      expect(bucket?.Properties.LifecycleConfiguration).toEqual({
        Rules: [
          { Id: 'noncurrent-versions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: MIRROR_NONCURRENT_VERSION_DAYS }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
          { Id: 'expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
        ],
      });
    }
    expect(MIRROR_NONCURRENT_VERSION_DAYS).toBe(30);
  });

  it('keeps the mirrors\' key: rotated, retained, pinned for the primary stack by one lookup of its logical id', () => {
    expect(mirrorKey?.Properties.EnableKeyRotation).toBe(true);
    expect(mirrorKey?.DeletionPolicy).toBe('Retain');
    expect(mirrorKey?.Properties.BypassPolicyLockoutSafetyCheck).toBe(true);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.[1].Properties).toMatchObject({ Region: DR_REGION, Account: ENV.account });
  });

  it('names the mirrors\' key as ReplicaKmsKeyID of both replication rules (custom resource and CfnBucket)', () => {
    const [replication] = Object.values(primary.findResources('Custom::LifeboatBucketReplication') as Record<string, Resource>);
    const custom = (replication?.Properties.ReplicationConfiguration as { Rules: { Destination: { EncryptionConfiguration: unknown } }[] }).Rules;
    expect(custom.map((r) => r.Destination.EncryptionConfiguration)).toEqual([{ ReplicaKmsKeyID: mirrorKeyArn }]);
    const ownedBucket = (primary.toJSON().Resources as Record<string, Resource>)[logicalIdOf(owned)];
    const rules = (ownedBucket?.Properties.ReplicationConfiguration as { Rules: { Destination: { EncryptionConfiguration: unknown } }[] }).Rules;
    expect(rules.map((r) => r.Destination.EncryptionConfiguration)).toEqual([{ ReplicaKmsKeyID: mirrorKeyArn }]);
  });

  it('lets Lifeboat\'s tagged roles encrypt and the account\'s IAM principals decrypt, through S3 and for the mirror buckets only', () => {
    const viaS3AndMirrors = { StringEquals: { 'kms:ViaService': `s3.${DR_REGION}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': bucketArns } };
    const uses = policyOf(mirrorKeyId).filter((st) => st.Sid?.startsWith('KeyUse'));
    expect(uses).toEqual([
      {
        Sid: 'KeyUse1ByLifeboatRoles',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ENV.account}:root`]] } },
        Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { ...viaS3AndMirrors, StringEquals: { [`aws:PrincipalTag/${KEY_USER_TAG}`]: PREFIX, ...viaS3AndMirrors.StringEquals } },
      },
      {
        Sid: 'KeyUse2ByAccountIam',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ENV.account}:root`]] } },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: viaS3AndMirrors,
      },
    ]);
    // Nothing else allows the key's use: administration, AWS-resource grants and the break-glass principal only; its destruction denied.
    const others = policyOf(mirrorKeyId).filter((st) => !st.Sid?.startsWith('KeyUse'));
    expect(others.map((st) => st.Sid)).toEqual(['KeyAdministrationThroughIam', 'GrantsForAwsResourcesOnly', 'BreakGlass', 'DenyKeyDestructionButBreakGlass']);
    expect(others.flatMap((st) => asArray(st.Action)).filter((a) => /^kms:(Decrypt|Encrypt|GenerateDataKey)/.test(a))).toEqual([]);
  });

  it('leaves the DR vault key\'s policy to the vault alone: its bucket\'s context or the vault\'s own, tagged roles only', () => {
    const uses = policyOf(vaultKeyId).filter((st) => st.Sid?.startsWith('KeyUse'));
    expect(uses.map((st) => [st.Sid, st.Condition])).toEqual([
      ['KeyUse1ByLifeboatRoles', { StringEquals: { [`aws:PrincipalTag/${KEY_USER_TAG}`]: PREFIX, 'kms:ViaService': `s3.${DR_REGION}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': partitionArn(`:s3:::${protection.names.drVault}`) } }],
      ['KeyUse2ByLifeboatRoles', { StringEquals: { [`aws:PrincipalTag/${KEY_USER_TAG}`]: PREFIX, 'kms:EncryptionContext:lifeboat:vault': protection.names.drVault } }],
    ]);
    expect(text(policyOf(vaultKeyId))).not.toContain(MIRROR_PREFIX);
  });

  it('tags each replication role as a key user and grants it the mirrors\' key by its pinned ARN, not the vault\'s', () => {
    expect(mirrors.s3.map((m) => m.source.name).sort()).toEqual(['assets', 'media']);
    const vaultKeyLookup = Object.entries(primary.findResources('Custom::LifeboatKeyArn') as Record<string, Resource>).find(([, r]) => r.Properties.LogicalResourceId === vaultKeyId)?.[0];
    expect(vaultKeyLookup).toBeDefined();
    const vaultKeyArn = text({ 'Fn::GetAtt': [vaultKeyLookup, 'Arn'] });
    for (const mirror of mirrors.s3) {
      const roleId = logicalIdOf(mirror.role);
      const role = (primary.toJSON().Resources as Record<string, Resource>)[roleId];
      expect(role?.Properties.Tags).toContainEqual({ Key: KEY_USER_TAG, Value: PREFIX });
      const statements = Object.values(primary.findResources('AWS::IAM::Policy') as Record<string, Resource>)
        .filter((p) => text(p.Properties.Roles) === text([{ Ref: roleId }]))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
      const kmsStatements = statements.filter((st) => asArray(st.Action).some((a) => a.startsWith('kms:')));
      expect(kmsStatements.map((st) => [asArray(st.Action).sort(), text(st.Resource)])).toEqual([[['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], text(mirrorKeyArn)]]);
      expect(text(statements)).not.toContain(vaultKeyArn);
    }
  });

  // Review r16-F1: an Update that would be refused passes only while the stack rolls back, which the function reads from CloudFormation.
  it('lets the source-replication function describe its own stack only, by its id, and no other CloudFormation action', () => {
    if (!mirrors.provider?.role) throw new Error('the protection has no source-replication function');
    const roleId = logicalIdOf(mirrors.provider.role);
    const statements = Object.values(primary.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter((p) => text(p.Properties.Roles) === text([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const cloudFormation = statements.filter((st) => asArray(st.Action).some((a) => a.startsWith('cloudformation:')));
    expect(cloudFormation.map((st) => [st.Action, st.Resource])).toEqual([['cloudformation:DescribeStacks', { Ref: 'AWS::StackId' }]]);
  });
});

describe('the mirrors\' key of a DR stack in another account', () => {
  // LifeboatProtection refuses mirrors with a DR account of another account (cross-account-dr.test.ts): the key and the
  // lookup are ready for the primary account's replication roles, which the key's policy lets in by account and tag.
  const PRIMARY = ENV.account;
  const DR = '222222222222';
  const app = templateOnlyApp();
  const primary = new Stack(app, 'Shop', { env: ENV });
  const protection = new LifeboatProtection(primary, 'Lifeboat', { prefix: PREFIX, drRegion: DR_REGION, drAccount: DR, plans: [plan([LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(primary, 'Assets', 'shop-assets'))])] });
  const drScope = protection.drStack.node.findChild('Lifeboat');
  const key = createMirrorKey(drScope, 'MirrorKey', { environmentName: PREFIX, breakGlassArn: `arn:aws:iam::${DR}:root`, keyUser: PREFIX, bucketNames: [`${MIRROR_PREFIX}assets`], userAccounts: [PRIMARY] });
  const arn = protection.drKeyArns.keyArn('MirrorKey', key);

  it('lets the primary account\'s tagged roles encrypt (never the untagged ones, nor decrypt), and the DR account\'s IAM decrypt', () => {
    const statements = (Template.fromStack(protection.drStack).toJSON().Resources[logicalIdOf(key)].Properties.KeyPolicy as { Statement: Statement[] }).Statement;
    const tagged = statements.find((st) => st.Sid === 'KeyUse1ByLifeboatRoles');
    expect(text(tagged?.Principal)).toContain(`:iam::${PRIMARY}:root`);
    expect(tagged?.Condition?.StringEquals?.[`aws:PrincipalTag/${KEY_USER_TAG}`]).toBe(PREFIX);
    const accountIam = statements.find((st) => st.Sid === 'KeyUse2ByAccountIam');
    expect(text(accountIam?.Principal)).toContain(`:iam::${DR}:root`);
    expect(text(accountIam?.Principal)).not.toContain(PRIMARY);
  });

  it('pins the key for the primary stack through the DR stack\'s reader role, as the DR vault\'s key', () => {
    const lookup = Object.values(Template.fromStack(primary).findResources('Custom::LifeboatKeyArn') as Record<string, Resource>).find((r) => r.Properties.LogicalResourceId === logicalIdOf(key));
    expect(lookup?.Properties).toMatchObject({ Account: DR, Region: DR_REGION, RoleArn: partitionArn(`:iam::${DR}:role/${protection.names.drKeyReaderRole}`) });
    expect(Stack.of(primary).resolve(arn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LifeboatDrKeyArnsMirrorKey/), 'Arn'] });
  });
});

it('refuses a key use open to the account\'s IAM without conditions (CDK\'s default key policy again), and a mirrors\' key for no mirror', () => {
  const stack = new Stack(templateOnlyApp(), 'S', { env: ENV });
  const breakGlassArn = `arn:aws:iam::${ENV.account}:root`;
  expect(() => createProtectedKey(stack, 'Open', { description: 'x', breakGlassArn, keyUser: 'x', uses: [{ actions: ['kms:Decrypt'], by: 'account-iam' }] })).toThrow(/S\/Open: a key use by 'account-iam' needs conditions/);
  expect(() => createMirrorKey(stack, 'NoMirrors', { environmentName: 'x', breakGlassArn, keyUser: 'x', bucketNames: [] })).toThrow(/S\/NoMirrors: a mirrors' key needs the names of the mirror buckets/);
});
