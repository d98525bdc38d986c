import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * The deleters of a FAILED backup's snapshots, Record failure and release-failed-backup (audit a2 F2), with the IAM
 * policy simulator on the synthesized policies of the sample config with `immutability`: they read a snapshot's
 * record (and open the vault for it) before deleting it, and its retention and legal hold, so S3VaultStore.delete
 * sees a lock and refuses instead of hiding a retained snapshot behind a delete marker. They read no content
 * (packs, manifests). Commit, which deletes the snapshots it wrote when it fails for good, reads their lock too. The
 * snapshot shard may not write a commit marker.
 */
const ACCOUNT = '000000000000';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const immutable = { ...sample, environments: sample.environments.map((e) => ({ ...e, immutability: { mode: 'GOVERNANCE' as const, days: 30 } })) };
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, immutable), { nag: true });
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const policies = new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' });
const vaultName = dev.protection.names.primaryVault;

function principal(role: IConstruct | undefined) {
  if (!role) throw new Error('the function has no role');
  return principalOfRole(policies, Stack.of(role).getLogicalId(role.node.defaultChild as CfnElement));
}

const decide = (who: ReturnType<typeof principal>, action: string, key: string, context: Record<string, string> = {}) =>
  simulatedDecision(who, action, { arn: `arn:aws:s3:::${vaultName}/${key}`, account: ACCOUNT }, context);

const READS = ['s3:GetObject', 's3:GetObjectRetention', 's3:GetObjectLegalHold'];
const CASES: [string, string][] = [
  ['snapshots/abc', 'Allowed Allowed Allowed'],
  ['config', 'Allowed ImplicitlyDenied ImplicitlyDenied'],
  ['keys/abc', 'Allowed ImplicitlyDenied ImplicitlyDenied'],
  ['parts/b1/committed/s.json', 'Allowed ImplicitlyDenied ImplicitlyDenied'],
  ['data/ab/abcd', 'ImplicitlyDenied ImplicitlyDenied ImplicitlyDenied'],
  ['manifest/abc', 'ImplicitlyDenied ImplicitlyDenied ImplicitlyDenied'],
  ['index/abc', 'ImplicitlyDenied ImplicitlyDenied ImplicitlyDenied'],
];

describe.each([
  ['Record failure', () => dev.protection.backupWorkflow.functions.recordFailure.role],
  ['release-failed-backup', () => dev.protection.operations.releaseFailedBackup.role],
])('%s', (_name, role) => {
  it('opens the vault and reads the snapshots it deletes with their retention and legal hold; no content', async () => {
    const who = principal(role());
    const seen: [string, string][] = [];
    for (const [key] of CASES) seen.push([key, (await Promise.all(READS.map((action) => decide(who, action, key)))).join(' ')]);
    expect(seen).toEqual(CASES);
    expect(await decide(who, 's3:DeleteObject', 'snapshots/abc')).toBe('Allowed');
    // Synthesized under cdk-nag: every new statement names its keys, so no finding is left unacknowledged.
    expect({ found: synthesized.violations(), synthError: synthesized.synthError }).toEqual({ found: [], synthError: undefined });
  });
});

it('the snapshot shard writes its parts but no commit marker', async () => {
  const shard = principal(dev.protection.backupWorkflow.functions.snapshot.role);
  const creating = { 's3:ObjectCreationOperation': 'true' };
  expect(await decide(shard, 's3:PutObject', 'parts/b1/00000.json', creating)).toBe('Allowed');
  expect(await decide(shard, 's3:PutObject', 'parts/b1/committed/anything.json', creating)).toBe('ExplicitlyDenied');
});

it('Commit, which deletes the snapshots it wrote when it fails for good, reads their retention and legal hold (audit d6-2)', async () => {
  const commit = principal(dev.protection.backupWorkflow.functions.commit.role);
  // Without the legal hold in its HEAD, S3VaultStore.delete would hide a held snapshot behind a delete marker.
  const seen = await Promise.all(['s3:DeleteObject', ...READS].map(async (action) => [action, await decide(commit, action, 'snapshots/abc')]));
  expect(seen).toEqual(['s3:DeleteObject', ...READS].map((action) => [action, 'Allowed']));
});

it('lets Replicate read the DR vault\'s prune batches, which the retention it extends there leaves out condemned index objects by (review r17 F1), and write none', async () => {
  const who = principal(dev.protection.backupWorkflow.functions.replicate.role);
  const drVault = dev.protection.names.drVault;
  const onDr = (action: string, key: string) => simulatedDecision(who, action, { arn: `arn:aws:s3:::${drVault}/${key}`, account: ACCOUNT }, {});
  expect([await onDr('s3:GetObject', 'prune/condemned/abc'), await onDr('s3:PutObject', 'prune/condemned/abc'), await onDr('s3:DeleteObject', 'prune/condemned/abc')]).toEqual([
    'Allowed',
    'ImplicitlyDenied',
    'ImplicitlyDenied',
  ]);
});
