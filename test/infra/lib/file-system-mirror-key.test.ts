import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type IConstruct } from 'constructs';
import { type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { FILE_SYSTEM_REPLICATION_RESOURCE_TYPE, BUCKET_REPLICATION_RESOURCE_TYPE } from '../../../lib/constructs/source-mirrors';
import { KEY_USER_TAG } from '../../../lib/constructs/security-options';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { principalOfRole, type SimulatedPrincipal, simulatedDecision } from '../../support/simulated-decision';
import { wildcardReasonsByKind } from './acknowledged-wildcard-reasons';
import { synthesizeApp } from './synth-app';
import { USER_APP_EFS, USER_APP_ENV } from './user-app-fixture';

/**
 * The EFS replica of a mirrored file system is encrypted with the mirrors' key (lib/constructs/mirror-key.ts), never
 * the DR vault's: the vault key's policy allows neither EFS nor S3 Replication (so EFS replication failed at deploy),
 * and a mirror is the application's data, which must not be under the vault's key (docs/SECURITY.md "Keys",
 * docs/ARCHITECTURE.md "Mirrors"). The key's EFS use is evaluated with the IAM policy simulator on the synthesized
 * key and role policies.
 */
const ENV = USER_APP_ENV;
const DR_REGION = 'us-west-2';
const PREFIX = 'shop-prod';

type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const logicalIdOf = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

function plan(sources: LifeboatSource[]): LifeboatPlan {
  return { name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, maxConcurrency: 8, sources };
}

/** A protection mirroring its file system, with S3 mirrors (`withS3`: an imported bucket and one of its own stack) or without. */
function synthesize(withS3: boolean) {
  return synthesizeApp(
    (app) => {
      const stack = new Stack(app, 'Shop', { env: ENV });
      const s3Sources: LifeboatSource[] = [];
      if (withS3) {
        const owned = new s3.Bucket(stack, 'Media', { bucketName: 'shop-media', enforceSSL: true, versioned: true });
        Validations.of(owned).acknowledge({ id: 'AwsSolutions-S1', reason: 'A test fixture: the user\'s bucket, not Lifeboat\'s.' });
        s3Sources.push(LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets'), { mirror: true }), LifeboatSource.s3Bucket('media', owned, { mirror: true }));
      }
      const protection = new LifeboatProtection(stack, 'Lifeboat', {
        prefix: PREFIX,
        drRegion: DR_REGION,
        fileSystem: USER_APP_EFS,
        plans: [plan([...s3Sources, LifeboatSource.fileSystem('files', '/mnt/lifeboat/files', { mirror: true })])],
      });
      return { stack, protection };
    },
    { nag: true },
  );
}

describe.each([
  ['with S3 mirrors too', true],
  ['as the only mirror', false],
])('a mirrored file system, %s', (_name, withS3) => {
  const s = synthesize(withS3);
  const { stack, protection } = s.built;
  const primaryTemplate = Template.fromStack(stack).toJSON() as CfnTemplate;
  const drTemplate = Template.fromStack(protection.drStack).toJSON() as CfnTemplate;
  const sides = { primary: new DeployedPolicies(primaryTemplate, ENV), dr: new DeployedPolicies(drTemplate, { account: ENV.account, region: DR_REGION }) };
  const mirrors = protection.mirrors;
  if (!mirrors) throw new Error('the protection has no mirrors');
  const vaultKeyId = logicalIdOf(protection.drVault.key);
  const vaultKeyArn = `arn:aws:kms:${DR_REGION}:${ENV.account}:key/${vaultKeyId}`;
  const mirrorKeyId = mirrors.key ? logicalIdOf(mirrors.key) : undefined;
  const mirrorKeyArn = `arn:aws:kms:${DR_REGION}:${ENV.account}:key/${mirrorKeyId ?? '(no mirrors\' key)'}`;
  /** Every resource of both stacks, intrinsics resolved (a DrKeyArns lookup resolves to the ARN of the DR key it reads). */
  const resolved = (Object.keys(sides) as (keyof typeof sides)[]).flatMap((side) =>
    Object.entries((side === 'primary' ? primaryTemplate : drTemplate).Resources).map(([id, r]) => ({ side, id, type: r.Type, text: JSON.stringify(sides[side].resolve(r.Properties ?? {})) })),
  );
  const provider = mirrors.provider;
  if (!provider?.role) throw new Error('the file-system mirror has no source-replication function');
  const providerRole = principalOfRole(sides.primary, logicalIdOf(provider.role));

  it('synthesizes with no unacknowledged cdk-nag finding', () => {
    expect(s.violations()).toEqual([]);
    expect(s.synthError).toBeUndefined();
  });

  it('acknowledges the DR region\'s file systems with why CreateFileSystem cannot name the replica, and every other wildcard with its own kind\'s reason (audit a57E-2)', () => {
    const rows = wildcardReasonsByKind(s.app);
    expect(rows.filter((r) => r.kind === 'EFS file systems').map((r) => r.resource)).toEqual([expect.stringContaining(`:elasticfilesystem:${DR_REGION}:${ENV.account}:file-system/*`)]);
    expect(rows.filter((r) => !r.namesItsKind || r.namesOtherKinds.length > 0)).toEqual([]);
  });

  it('names the DR vault key in no mirror: no bucket but the DR vault, no replication rule, no EFS replication, no mirror role', () => {
    const naming = resolved.filter((r) => r.text.includes(vaultKeyArn));
    const drVaultBucketId = logicalIdOf(protection.drVault.bucket);
    expect(naming.filter((r) => r.type === 'AWS::S3::Bucket' && r.id !== drVaultBucketId).map((r) => r.id)).toEqual([]);
    expect(naming.filter((r) => [FILE_SYSTEM_REPLICATION_RESOURCE_TYPE, BUCKET_REPLICATION_RESOURCE_TYPE].includes(r.type)).map((r) => r.id)).toEqual([]);
    const mirrorRoles = [provider.role, ...mirrors.s3.map((m) => m.role)].flatMap((role) => (role ? [logicalIdOf(role)] : []));
    const mirrorPolicies = mirrorRoles.flatMap((roleId) => sides.primary.identityPolicies(roleId).map((p) => ({ roleId, text: JSON.stringify(p.policy) })));
    expect(mirrorPolicies.length).toBeGreaterThan(0);
    expect(mirrorPolicies.filter((p) => p.text.includes(vaultKeyArn)).map((p) => p.roleId)).toEqual([]);
  });

  it('creates the EFS replica under the mirrors\' key, pinned for the primary stack by its DrKeyArns lookup', () => {
    expect(mirrorKeyId).toBeDefined();
    const [replication] = resolved.filter((r) => r.type === FILE_SYSTEM_REPLICATION_RESOURCE_TYPE);
    expect(JSON.parse(replication?.text ?? '{}')).toMatchObject({ FileSystemId: USER_APP_EFS.fileSystemId, DestinationRegion: DR_REGION, KmsKeyId: mirrorKeyArn });
  });

  it('lets the mirrors\' key be used by EFS of the DR region only, by Lifeboat\'s tagged roles only', () => {
    const statements = sides.dr.keyPolicy(mirrorKeyId ?? '').Statement as Statement[];
    const viaEfs = statements.filter((st) => JSON.stringify(st.Condition ?? {}).includes('elasticfilesystem'));
    expect(viaEfs).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext'],
        Condition: { StringEquals: { [`aws:PrincipalTag/${KEY_USER_TAG}`]: PREFIX, 'kms:ViaService': `elasticfilesystem.${DR_REGION}.amazonaws.com` } },
      }),
    ]);
    // With S3 mirrors the S3 uses stay as they were; without, the key has no S3 use at all.
    const viaS3 = statements.filter((st) => JSON.stringify(st.Condition ?? {}).includes('"kms:ViaService":"s3.'));
    expect(viaS3).toHaveLength(withS3 ? 2 : 0);
  });

  it('the source-replication role may have EFS of the DR region use the mirrors\' key, and nothing else may', async () => {
    const key = { arn: mirrorKeyArn, account: ENV.account, policy: sides.dr.keyPolicy(mirrorKeyId ?? '') };
    const vaultKey = { arn: vaultKeyArn, account: ENV.account, policy: sides.dr.keyPolicy(vaultKeyId) };
    const viaEfs = (region: string) => ({ 'kms:ViaService': `elasticfilesystem.${region}.amazonaws.com` });
    const grant = { 'kms:GrantIsForAWSResource': 'true' };
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey']) {
      expect([action, await simulatedDecision(providerRole, action, key, viaEfs(DR_REGION))]).toEqual([action, 'Allowed']);
      // Not EFS of another region, not another service, not the vault's key.
      expect([action, await simulatedDecision(providerRole, action, key, viaEfs(ENV.region))]).toEqual([action, expect.stringMatching(/Denied$/)]);
      expect([action, await simulatedDecision(providerRole, action, key, { 'kms:ViaService': `s3.${DR_REGION}.amazonaws.com` })]).toEqual([action, expect.stringMatching(/Denied$/)]);
      expect([action, await simulatedDecision(providerRole, action, vaultKey, viaEfs(DR_REGION))]).toEqual([action, expect.stringMatching(/Denied$/)]);
    }
    expect(await simulatedDecision(providerRole, 'kms:CreateGrant', key, { ...viaEfs(DR_REGION), ...grant })).toBe('Allowed');
    expect(await simulatedDecision(providerRole, 'kms:CreateGrant', key, viaEfs(DR_REGION))).toMatch(/Denied$/);
    // An untagged principal of the account with an IAM policy allowing everything on the key: EFS may not use it on its behalf.
    const untagged: SimulatedPrincipal = {
      arn: `arn:aws:iam::${ENV.account}:role/app`,
      account: ENV.account,
      identityPolicies: [{ name: 'all', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] } }],
      tags: {},
    };
    expect(await simulatedDecision(untagged, 'kms:GenerateDataKeyWithoutPlaintext', key, viaEfs(DR_REGION))).toMatch(/Denied$/);
  });

  it('grants the source-replication role the mirrors\' key only through EFS of the DR region', () => {
    const kmsStatements = sides.primary
      .identityPolicies(logicalIdOf(provider.role as IConstruct))
      .flatMap((p) => p.policy.Statement as Statement[])
      .filter((st) => asArray(st.Action).some((a) => a.startsWith('kms:')));
    expect(kmsStatements.map((st) => [asArray(st.Action).sort(), st.Resource, st.Condition?.StringEquals?.['kms:ViaService']])).toEqual([
      [['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext'], mirrorKeyArn, `elasticfilesystem.${DR_REGION}.amazonaws.com`],
      [['kms:CreateGrant'], mirrorKeyArn, `elasticfilesystem.${DR_REGION}.amazonaws.com`],
    ]);
  });
});
