import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { REPO_ROOT, SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, type SimulatedPrincipal, type SimulatedResource, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * S3 sources of the JSON-config app whose buckets encrypt with SSE-KMS under customer managed keys (audit R28 F1): the
 * key a source declares (`kmsKeyArn`) reaches every function that reads or writes the bucket, and the key-policy
 * statement docs/DEPLOYMENT.md gives for a key of another account admits the roles only together with that declaration.
 * Decisions come from the IAM policy simulator over the synthesized roles.
 */
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const SOURCE_ACCOUNT = '333333333333';
const OWN_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PARTNER_KEY = `arn:aws:kms:${REGION}:${SOURCE_ACCOUNT}:key/mrk-0123456789abcdef0123456789abcdef`;
/** The key of a source that declares none: the documented key policy alone must not let the roles in. */
const UNDECLARED_KEY = `arn:aws:kms:${REGION}:${SOURCE_ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;

const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
// The sample's mirrored bucket with a key of its own account; two buckets of another account, one declaring its key.
// Through the config's schema, as `cdk synth` reads lifeboat.config.json.
const config = parseLifeboatConfig({
  environments: sample.environments.map((e) => ({
    ...e,
    plans: e.plans.map((p) => ({
      ...p,
      sources: [
        ...p.sources.map((s) => (s.type === 's3' ? { ...s, kmsKeyArn: OWN_KEY } : s)),
        { type: 's3', name: 'partner-assets', bucket: 'partner-kms-assets', prefix: '', account: SOURCE_ACCOUNT, kmsKeyArn: PARTNER_KEY },
        { type: 's3', name: 'partner-plain', bucket: 'partner-plain-assets', prefix: '', account: SOURCE_ACCOUNT },
      ],
    })),
  })),
});
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config));
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const primary = new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: ACCOUNT, region: REGION });
const dr = new DeployedPolicies(Template.fromStack(dev.dr).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-west-2' });
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const roleIn = (policies: DeployedPolicies, role: IConstruct | undefined): SimulatedPrincipal => {
  if (!role) throw new Error('the function has no role');
  return principalOfRole(policies, logicalId(role));
};

/** The key-policy statement docs/DEPLOYMENT.md prints for a key of another account, its placeholders filled in. */
function documentedKeyPolicy(prefix: string): unknown {
  const docs = readFileSync(join(REPO_ROOT, 'docs/DEPLOYMENT.md'), 'utf8');
  const section = docs.split('## An S3 source in another account')[1]?.split('\n## ')[0] ?? '';
  const json = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((block) => block.includes('kms:Decrypt'));
  if (!json) throw new Error('docs/DEPLOYMENT.md, "An S3 source in another account", has no key policy with kms:Decrypt');
  return JSON.parse(json.replaceAll('<lifeboat account>', ACCOUNT).replaceAll('<prefix>', prefix).replaceAll('<region>', REGION)) as unknown;
}
const keyPolicy = documentedKeyPolicy(dev.protection.prefix);
/** What S3 asks KMS for on the caller's behalf. */
const throughS3 = { 'kms:ViaService': `s3.${REGION}.amazonaws.com` };
/** The default key policy (a key's console and CDK default): it delegates to the account's IAM, so a role needs an IAM grant. */
const DEFAULT_KEY_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
const ownKey = { arn: OWN_KEY, account: ACCOUNT, policy: DEFAULT_KEY_POLICY };
const partnerKey = (policy?: unknown) => ({ arn: PARTNER_KEY, account: SOURCE_ACCOUNT, ...(policy ? { policy } : {}) });
const undeclaredKey = { arn: UNDECLARED_KEY, account: SOURCE_ACCOUNT, policy: keyPolicy };

it('the backup\'s snapshot shards may decrypt with each key a source declares; the plan step with none', async () => {
  const snapshot = roleIn(primary, dev.protection.backupWorkflow.functions.snapshot.role);
  expect(await simulatedDecision(snapshot, 'kms:Decrypt', ownKey, throughS3)).toBe('Allowed');
  expect(await simulatedDecision(snapshot, 'kms:Decrypt', partnerKey(keyPolicy), throughS3)).toBe('Allowed');
  // Listing and HeadObject decrypt nothing.
  const plan = roleIn(primary, dev.protection.backupWorkflow.functions.plan.role);
  expect(await simulatedDecision(plan, 'kms:Decrypt', ownKey, throughS3)).toBe('ImplicitlyDenied');
});

it('a key of another account needs both halves: the declared key (IAM) and the documented key-policy statement', async () => {
  const snapshot = roleIn(primary, dev.protection.backupWorkflow.functions.snapshot.role);
  // The IAM half alone: the key's policy does not admit the role.
  expect(await simulatedDecision(snapshot, 'kms:Decrypt', partnerKey(), throughS3)).toBe('ImplicitlyDenied');
  // The key-policy half alone (a source that declares no key): nothing in the role's IAM allows it.
  expect(await simulatedDecision(snapshot, 'kms:Decrypt', undeclaredKey, throughS3)).toBe('ImplicitlyDenied');
  // The statement admits the roles through S3 only, and no untagged principal of the account.
  expect(await simulatedDecision(snapshot, 'kms:Decrypt', partnerKey(keyPolicy), { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` })).toBe('ImplicitlyDenied');
  const admin = { arn: `arn:aws:iam::${ACCOUNT}:role/administrator`, account: ACCOUNT, identityPolicies: [{ name: 'AdministratorAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }], tags: {} };
  expect(await simulatedDecision(admin, 'kms:Decrypt', partnerKey(keyPolicy), throughS3)).toBe('ImplicitlyDenied');
});

it('a restore into the source itself writes through its key (primary runbook only); the DR region\'s restore gets none of it', async () => {
  const fns = dev.protection.restoreWorkflow.functions;
  const expected: [IConstruct | undefined, string][] = [
    [fns.shard.role, 'kms:GenerateDataKey'],
    [fns.shard.role, 'kms:Decrypt'],
    [fns.plan.role, 'kms:GenerateDataKey'],
    [fns.verify.role, 'kms:Decrypt'],
    [fns.verify.role, 'kms:GenerateDataKey'],
  ];
  for (const [role, action] of expected) {
    expect([action, await simulatedDecision(roleIn(primary, role), action, ownKey, throughS3)]).toEqual([action, 'Allowed']);
  }
  const drShard = roleIn(dr, dev.protection.drRestoreWorkflow.functions.shard.role);
  expect(await simulatedDecision(drShard, 'kms:Decrypt', ownKey, throughS3)).toBe('ImplicitlyDenied');
});

it('the primary drill\'s live comparison and the mirror\'s replication role decrypt the source\'s objects with its key', async () => {
  const compare = roleIn(primary, dev.protection.drillWorkflow.functions.compare.role);
  expect(await simulatedDecision(compare, 'kms:Decrypt', ownKey, throughS3)).toBe('Allowed');
  const mirror = dev.protection.mirrors?.s3.find((m) => m.source.name === 'demo-assets');
  expect(await simulatedDecision(evaluable(roleIn(primary, mirror?.role)), 'kms:Decrypt', ownKey, { ...throughS3, [STAND_IN]: 'arn:aws:s3:::lifeboat-demo-assets/a.jpg' })).toBe('Allowed');
});

/**
 * The simulator drops `kms:EncryptionContext:<key>` from a request (it matches a key with a variable only after a '/'), so
 * a condition on it could never be met: that one key is renamed, in the role's policies and in the request alike, to a
 * variable key the simulator evaluates with the same operator, which no policy of these roles uses.
 */
const S3_ARN_CONTEXT = 'kms:EncryptionContext:aws:s3:arn';
const STAND_IN = 'aws:ResourceTag/lifeboat-test-encryption-context-aws-s3-arn';
function evaluable(principal: SimulatedPrincipal): SimulatedPrincipal {
  expect(JSON.stringify(principal.identityPolicies)).not.toContain(STAND_IN);
  return { ...principal, identityPolicies: JSON.parse(JSON.stringify(principal.identityPolicies).replaceAll(S3_ARN_CONTEXT, STAND_IN)) as SimulatedPrincipal['identityPolicies'] };
}

// f60C: the mirror's replication role kept kms:Decrypt on the source bucket's key (and Encrypt on the mirrors' key) with no
// condition, so it could call KMS with them directly; the S3 User Guide's replication role policy for SSE-KMS objects
// conditions each on S3 of the key's region and the S3 encryption context of the source's (or the replica's) objects.
it('the mirror\'s replication role uses each key only as S3 replicates: the source\'s objects from its region, replicas into its mirror', async () => {
  const mirror = dev.protection.mirrors?.s3.find((m) => m.source.name === 'demo-assets');
  const mirrorKeyArn = dev.protection.mirrors?.keyArn;
  if (!mirror || mirrorKeyArn === undefined) throw new Error('the sample mirrors demo-assets');
  const role = evaluable(roleIn(primary, mirror.role));
  const mirrorKey = { arn: String(primary.resolve(dev.primary.resolve(mirrorKeyArn))), account: ACCOUNT, policy: DEFAULT_KEY_POLICY };
  const throughDrS3 = { 'kms:ViaService': 's3.us-west-2.amazonaws.com' };
  const source = 'arn:aws:s3:::lifeboat-demo-assets';
  const replica = `arn:aws:s3:::${mirror.bucketName}`;
  const decide = (action: string, key: SimulatedResource, context: Record<string, string>) => simulatedDecision(role, action, key, context);
  const allowed: [string, string, SimulatedResource, Record<string, string>][] = [
    ['a source object', 'kms:Decrypt', ownKey, { ...throughS3, [STAND_IN]: `${source}/photos/a.jpg` }],
    ['the source bucket (an S3 Bucket Key)', 'kms:Decrypt', ownKey, { ...throughS3, [STAND_IN]: source }],
    ['a replica', 'kms:Encrypt', mirrorKey, { ...throughDrS3, [STAND_IN]: `${replica}/photos/a.jpg` }],
    ['the mirror bucket (its S3 Bucket Key)', 'kms:GenerateDataKey', mirrorKey, { ...throughDrS3, [STAND_IN]: replica }],
    // r60G F4: S3 checks the mirror's Bucket Key with a Decrypt as the replication role (S3 User Guide, "S3 Bucket Keys and replication").
    ['the mirror\'s S3 Bucket Key checked', 'kms:Decrypt', mirrorKey, { ...throughDrS3, [STAND_IN]: replica }],
  ];
  for (const [what, action, key, context] of allowed) expect([what, action, await decide(action, key, context)]).toEqual([what, action, 'Allowed']);
  const refused: [string, string, SimulatedResource, Record<string, string>][] = [
    ['a direct Decrypt', 'kms:Decrypt', ownKey, { [STAND_IN]: `${source}/a.jpg` }],
    ['a Decrypt through S3 of the DR region', 'kms:Decrypt', ownKey, { ...throughDrS3, [STAND_IN]: `${source}/a.jpg` }],
    ['a Decrypt through DynamoDB', 'kms:Decrypt', ownKey, { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com`, [STAND_IN]: `${source}/a.jpg` }],
    ['a Decrypt without an S3 context', 'kms:Decrypt', ownKey, throughS3],
    ['a Decrypt for another bucket', 'kms:Decrypt', ownKey, { ...throughS3, [STAND_IN]: 'arn:aws:s3:::lifeboat-demo-assets-archive/a.jpg' }],
    ['a direct Encrypt', 'kms:Encrypt', mirrorKey, { [STAND_IN]: `${replica}/a.jpg` }],
    ['an Encrypt through S3 of the primary region', 'kms:Encrypt', mirrorKey, { ...throughS3, [STAND_IN]: `${replica}/a.jpg` }],
    ['an Encrypt for another bucket', 'kms:GenerateDataKey', mirrorKey, { ...throughDrS3, [STAND_IN]: 'arn:aws:s3:::lifeboat-demo-assets/a.jpg' }],
    ['a direct Decrypt with the mirrors\' key', 'kms:Decrypt', mirrorKey, { [STAND_IN]: replica }],
    ['a Decrypt with the mirrors\' key for another bucket', 'kms:Decrypt', mirrorKey, { ...throughDrS3, [STAND_IN]: 'arn:aws:s3:::lifeboat-demo-assets' }],
  ];
  const allowedOtherwise: string[] = [];
  for (const [what, action, key, context] of refused) if ((await decide(action, key, context)) === 'Allowed') allowedOtherwise.push(what);
  expect(allowedOtherwise).toEqual([]);
});


// Audit a59B F6: the source bucket's key was granted with no kms:ViaService, so these roles could call KMS with it directly
// (decrypt any ciphertext of that key, not only the bucket's objects as S3 reads them), unlike the table keys (DynamoDB only).
it('a source bucket\'s key only through S3 of its region: no direct KMS call, no other region\'s S3, no other service', async () => {
  const backup = dev.protection.backupWorkflow.functions;
  const restore = dev.protection.restoreWorkflow.functions;
  const grants: [string, IConstruct | undefined, string][] = [
    ['backup snapshot', backup.snapshot.role, 'kms:Decrypt'],
    ['restore shard', restore.shard.role, 'kms:Decrypt'],
    ['restore shard', restore.shard.role, 'kms:GenerateDataKey'],
    ['restore plan', restore.plan.role, 'kms:GenerateDataKey'],
    ['restore verify', restore.verify.role, 'kms:Decrypt'],
    ['restore verify', restore.verify.role, 'kms:GenerateDataKey'],
    ['drill compare', dev.protection.drillWorkflow.functions.compare.role, 'kms:Decrypt'],
  ];
  const allowedOtherwise: string[] = [];
  for (const [name, role, action] of grants) {
    const principal = roleIn(primary, role);
    for (const [how, context] of [
      ['direct', {}],
      ['S3 of us-west-2', { 'kms:ViaService': 's3.us-west-2.amazonaws.com' }],
      ['DynamoDB', { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` }],
    ] as const) {
      if ((await simulatedDecision(principal, action, ownKey, context)) === 'Allowed') allowedOtherwise.push(`${name} ${action} ${how}`);
    }
    expect([name, action, await simulatedDecision(principal, action, ownKey, throughS3)]).toEqual([name, action, 'Allowed']);
  }
  expect(allowedOtherwise).toEqual([]);
});
