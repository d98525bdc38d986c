import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BackupWorkflow, CatalogTable, InvalidLifeboatPropsError, LifeboatSource, LifeboatVault } from '../../../lib';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * The parts lib/index.ts exports "for apps that assemble their own" (audit R7, finding 4): a LifeboatVault's key admits
 * only roles tagged `lifeboat:key-user`, which LifeboatProtection gives its roles; a BackupWorkflow assembled beside a
 * vault gets them from `vault.admitRolesOf(workflow)`. Without it every KMS call of the workflow is refused in AWS.
 */
const ACCOUNT = '111111111111';
const VAULT = `own-vault-${ACCOUNT}-eu-west-1`;

function assemble(admit: boolean) {
  return synthesizeApp((app) => {
    const stack = new Stack(app, 'Own', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const vault = new LifeboatVault(stack, 'Vault', { bucketName: VAULT });
    const catalogKey = new kms.Key(stack, 'CatalogKey', { enableKeyRotation: true });
    const catalog = new CatalogTable(stack, 'Catalog', { tableName: 'own-catalog', encryptionKey: catalogKey });
    const source = LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'Assets'));
    const workflow = new BackupWorkflow(stack, 'Backup', {
      environmentName: 'own',
      stateMachineName: 'own-backup',
      plans: [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [source] }],
      vault: vault.bucket,
      vaultKey: vault.key,
      drVault: { bucketName: `own-vault-${ACCOUNT}-us-west-2`, region: 'us-west-2', keyArn: `arn:aws:kms:us-west-2:${ACCOUNT}:key/abc` },
      catalog: catalog.table,
      catalogKey,
    });
    if (admit) vault.admitRolesOf(workflow);
    return { stack, vault, workflow };
  });
}

const withAdmit = assemble(true);
const without = assemble(false);

function roleIdsOf(synthesized: typeof withAdmit): string[] {
  const resources = Template.fromStack(synthesized.built.stack).toJSON().Resources as Record<string, { Type: string }>;
  return Object.entries(resources).filter(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith('Backup')).map(([id]) => id);
}

it('assembles and synthesizes', () => {
  expect([withAdmit.synthError, without.synthError]).toEqual([undefined, undefined]);
  expect(withAdmit.built.vault.keyUser).toBe(VAULT);
});

it('admitRolesOf tags every role of the workflow (functions and state machine) with the vault key\'s user, and nothing else', () => {
  const template = Template.fromStack(withAdmit.built.stack).toJSON() as { Resources: Record<string, { Type: string; Properties?: { Tags?: Array<{ Key: string; Value: string }> } }> };
  const roles = roleIdsOf(withAdmit);
  expect(roles.length).toBeGreaterThanOrEqual(6);
  for (const id of roles) expect([id, template.Resources[id]?.Properties?.Tags]).toEqual([id, expect.arrayContaining([{ Key: 'lifeboat:key-user', Value: VAULT }])]);
  const taggedOthers = Object.entries(template.Resources).filter(([, r]) => r.Type !== 'AWS::IAM::Role' && JSON.stringify(r.Properties?.Tags ?? []).includes('lifeboat:key-user'));
  expect(taggedOthers.map(([id]) => id)).toEqual([]);
});

it('the vault key\'s use is conditioned on that tag, which no role of a workflow carries unless admitted', () => {
  // The simulator ignores kms:EncryptionContext:<key> values (security-claims.test.ts), so the key's use is read from its policy.
  const template = Template.fromStack(withAdmit.built.stack).toJSON() as { Resources: Record<string, { Properties: { KeyPolicy: { Statement: Array<{ Sid?: string; Effect: string; Action: string | string[]; Condition?: { StringEquals?: Record<string, string> } }> } } }> };
  const keyId = withAdmit.built.stack.getLogicalId(withAdmit.built.vault.key.node.defaultChild as never);
  const uses = (template.Resources[keyId]?.Properties.KeyPolicy.Statement ?? []).filter((st) => st.Effect === 'Allow' && [st.Action].flat().some((a) => a === 'kms:GenerateDataKey' || a === 'kms:Decrypt'));
  expect(uses.map((st) => st.Sid)).toEqual(expect.arrayContaining(['KeyUse1ByLifeboatRoles', 'KeyUse2ByLifeboatRoles']));
  for (const st of uses.filter((u) => u.Sid !== 'BreakGlass')) expect([st.Sid, st.Condition?.StringEquals?.['aws:PrincipalTag/lifeboat:key-user']]).toEqual([st.Sid, VAULT]);
  const untagged = Template.fromStack(without.built.stack).toJSON() as { Resources: Record<string, { Properties?: { Tags?: unknown } }> };
  expect(roleIdsOf(without).filter((id) => JSON.stringify(untagged.Resources[id]?.Properties?.Tags ?? []).includes('lifeboat:key-user'))).toEqual([]);
});

it('a workflow assembled without a DR catalog lets Replicate read the primary catalog\'s records and its plan\'s (byPlan), which every run does (review r57Y)', async () => {
  const { stack, workflow } = withAdmit.built;
  const role = workflow.functions.replicate.role;
  if (!role) throw new Error('Replicate has no role');
  const policies = new DeployedPolicies(Template.fromStack(stack).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'eu-west-1' });
  const replicate = principalOfRole(policies, stack.getLogicalId(role.node.defaultChild as CfnElement));
  const table = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/own-catalog`;
  const seen = [
    await simulatedDecision(replicate, 'dynamodb:GetItem', { arn: table, account: ACCOUNT }, { 'dynamodb:LeadingKeys': ['BACKUP#20261201T000000Z-aaaaaaaa'] }),
    await simulatedDecision(replicate, 'dynamodb:Query', { arn: `${table}/index/byPlan`, account: ACCOUNT }, { 'dynamodb:LeadingKeys': ['daily'] }),
  ];
  expect(seen).toEqual(['Allowed', 'Allowed']);
});

it('a replica shares its primary\'s key user, and admitting one workflow to vaults of two key users throws', () => {
  const synthesized = synthesizeApp((app) => {
    const stack = new Stack(app, 'Own', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const drStack = new Stack(app, 'OwnDr', { env: { account: ACCOUNT, region: 'us-west-2' } });
    const vault = new LifeboatVault(stack, 'Vault', { bucketName: VAULT, replica: { scope: drStack, bucketName: `own-vault-${ACCOUNT}-us-west-2` } });
    const other = new LifeboatVault(stack, 'Other', { bucketName: `other-vault-${ACCOUNT}-eu-west-1` });
    return { vault, other, stack };
  });
  const { vault, other, stack } = synthesized.built;
  expect(vault.replica?.keyUser).toBe(VAULT);
  const workflowScope = new Construct(stack, 'Workflow');
  vault.admitRolesOf(workflowScope);
  vault.replica?.admitRolesOf(workflowScope);
  expect(() => other.admitRolesOf(workflowScope)).toThrow(
    new InvalidLifeboatPropsError('LifeboatVault Own/Other', [
      `admitRolesOf: the roles of Own/Workflow are admitted to the vaults of key user "${VAULT}" already, and a role carries one lifeboat:key-user value; give this vault (and its replica) keyUser "${VAULT}" too`,
    ]),
  );
});

it('a replica takes its primary\'s break-glass role, in its key and bucket denies alike, unless it names its own (audit b2-3)', () => {
  const BREAK_GLASS = `arn:aws:iam::${ACCOUNT}:role/break-glass`;
  const OWN_BREAK_GLASS = `arn:aws:iam::${ACCOUNT}:role/replica-break-glass`;
  const synthesized = synthesizeApp((app) => {
    const stack = new Stack(app, 'Own', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const drStack = new Stack(app, 'OwnDr', { env: { account: ACCOUNT, region: 'us-west-2' } });
    const otherDrStack = new Stack(app, 'OtherDr', { env: { account: ACCOUNT, region: 'us-west-2' } });
    const replica = { bucketName: `own-vault-${ACCOUNT}-us-west-2`, immutability: { mode: 'GOVERNANCE', days: 30 } } as const;
    new LifeboatVault(stack, 'Vault', { bucketName: VAULT, breakGlassRoleArn: BREAK_GLASS, replica: { ...replica, scope: drStack } });
    new LifeboatVault(stack, 'Second', { bucketName: `second-vault-${ACCOUNT}-eu-west-1`, breakGlassRoleArn: BREAK_GLASS, replica: { ...replica, scope: otherDrStack, breakGlassRoleArn: OWN_BREAK_GLASS } });
    return { drStack, otherDrStack };
  });
  // Every principal the replica stack's key and bucket denies exempt (ArnNotEquals on aws:PrincipalArn).
  const exempted = (replicaStack: Stack): string[] => {
    const resources = Template.fromStack(replicaStack).toJSON().Resources as Record<string, { Type: string; Properties: Record<string, { Statement?: Array<{ Effect: string; Condition?: { ArnNotEquals?: Record<string, unknown> } }> }> }>;
    const statements = Object.values(resources).flatMap((r) => (r.Type === 'AWS::KMS::Key' ? (r.Properties.KeyPolicy?.Statement ?? []) : r.Type === 'AWS::S3::BucketPolicy' ? (r.Properties.PolicyDocument?.Statement ?? []) : []));
    const denies = statements.filter((st) => st.Effect === 'Deny' && st.Condition?.ArnNotEquals !== undefined);
    expect(denies.length).toBeGreaterThanOrEqual(2);
    return [...new Set(denies.map((st) => JSON.stringify(st.Condition?.ArnNotEquals?.['aws:PrincipalArn'])))];
  };
  expect(exempted(synthesized.built.drStack)).toEqual([JSON.stringify(BREAK_GLASS)]);
  expect(exempted(synthesized.built.otherDrStack)).toEqual([JSON.stringify(OWN_BREAK_GLASS)]);
});
