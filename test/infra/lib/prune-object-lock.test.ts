import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig } from '../../../config/load-config';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { LifeboatSource, PruneWorkflow } from '../../../lib';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * Object Lock and the vaults' deleters (docs/ARCHITECTURE.md, "Object Lock", audit R9 finding 1): S3VaultStore.delete
 * HEADs each object before deleting it, and S3 shows the retention and legal hold in that HEAD only to a role allowed
 * s3:GetObjectRetention and s3:GetObjectLegalHold. Without them a retained object looks unlocked and its delete adds a
 * delete marker over it (Forget would hide a retained snapshot). Evaluated with the IAM policy simulator on the
 * synthesized policies of the sample config with `immutability`, and without it (no lock to read: no grant).
 */
const ACCOUNT = '000000000000';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const LOCK_READS = ['s3:GetObjectRetention', 's3:GetObjectLegalHold'];
/** What the prune deletes (packs, index and manifest objects, condemnation batches, leases) and the Forget step (snapshots). */
const PRUNE_DELETES = ['data/ab/abcd', 'index/abc', 'manifest/abc', 'prune/condemned/abc', 'prune/running/abc'];
const FORGET_DELETES = ['snapshots/abc'];
const NEITHER_DELETES = ['config', 'keys/abc', 'plans/b1.json', 'parts/b1/00000.json', 'prune/policy', 'drills/d1.json', 'restore-plans/r.json'];

function sidesOf(config: LifeboatConfig, options: { nag?: boolean } = {}) {
  const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config), options);
  const dev = synthesized.built.get('dev');
  if (!dev) throw new Error('the sample config defines the dev environment');
  return {
    violations: { found: synthesized.violations(), synthError: synthesized.synthError },
    primary: { policies: new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' }), workflow: dev.protection.pruneWorkflow, name: dev.protection.names.primaryVault },
    dr: { policies: new DeployedPolicies(Template.fromStack(dev.dr).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-west-2' }), workflow: dev.protection.drPruneWorkflow, name: dev.protection.names.drVault },
  };
}

type Side = Omit<ReturnType<typeof sidesOf>, 'violations'>['primary'];

/** Each LOCK_READS action on each key, as [action, key, decision], for the prune and the Forget step of one vault. */
async function lockReads(side: Side, keys: readonly string[]): Promise<{ prune: string[][]; forget: string[][] }> {
  const principal = (role: IConstruct | undefined) => {
    if (!role) throw new Error('the function has no role');
    return principalOfRole(side.policies, logicalId(role));
  };
  const prune = principal(side.workflow.function.role);
  const forget = principal(side.workflow.forgetFunction.role);
  const decisions = async (who: typeof prune) => {
    const out: string[][] = [];
    for (const key of keys) for (const action of LOCK_READS) out.push([action, key, await simulatedDecision(who, action, { arn: `arn:aws:s3:::${side.name}/${key}`, account: ACCOUNT })]);
    return out;
  };
  return { prune: await decisions(prune), forget: await decisions(forget) };
}

const expected = (keys: readonly string[], decision: string): string[][] => keys.flatMap((key) => LOCK_READS.map((action) => [action, key, decision]));

describe('with immutability', () => {
  const { violations, ...locked } = sidesOf({ ...sample, environments: sample.environments.map((e) => ({ ...e, immutability: { mode: 'GOVERNANCE' as const, days: 30 } })) }, { nag: true });

  describe.each(Object.entries(locked))('the %s vault', (_name, side) => {
    it('the prune reads the retention and legal hold of exactly what it deletes', async () => {
      const { prune } = await lockReads(side, [...PRUNE_DELETES, ...FORGET_DELETES, ...NEITHER_DELETES]);
      expect(prune).toEqual([...expected(PRUNE_DELETES, 'Allowed'), ...expected([...FORGET_DELETES, ...NEITHER_DELETES], 'ImplicitlyDenied')]);
      // Synthesized under cdk-nag: the new statements name their keys, so no finding is left unacknowledged.
      expect(violations).toEqual({ found: [], synthError: undefined });
    });

    it('the Forget step reads the retention and legal hold of snapshots, which it deletes, and of nothing else', async () => {
      const { forget } = await lockReads(side, [...FORGET_DELETES, ...PRUNE_DELETES, ...NEITHER_DELETES]);
      expect(forget).toEqual([...expected(FORGET_DELETES, 'Allowed'), ...expected([...PRUNE_DELETES, ...NEITHER_DELETES], 'ImplicitlyDenied')]);
    });
  });
});

describe('without immutability (the sample config)', () => {
  const { violations: _violations, ...unlocked } = sidesOf(sample);

  it.each(Object.entries(unlocked))('the %s vault\'s prune and Forget step read no lock: the bucket has none', async (_name, side) => {
    const { prune, forget } = await lockReads(side, [...PRUNE_DELETES, ...FORGET_DELETES]);
    expect(prune).toEqual(expected([...PRUNE_DELETES, ...FORGET_DELETES], 'ImplicitlyDenied'));
    expect(forget).toEqual(expected([...PRUNE_DELETES, ...FORGET_DELETES], 'ImplicitlyDenied'));
  });
});

describe('an imported vault bucket (review 40c)', () => {
  // Nothing in the app tells whether an imported bucket has Object Lock: the two read grants are harmless without one, and
  // without them a locked vault's deletes would put delete markers over retained objects.
  const built = synthesizeApp((app) => {
    const stack = new Stack(app, 'Own', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const catalog = new dynamodb.Table(stack, 'Catalog', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    const source = LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', 'own-assets'));
    const plans = [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental' as const, retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [source] }];
    const common = { environmentName: 'own', plans, vaultKey: key, vaultSide: 'primary' as const, catalog, catalogKey: key };
    const imported = new PruneWorkflow(stack, 'Imported', { ...common, stateMachineName: 'own-prune-imported', vault: s3.Bucket.fromBucketName(stack, 'Vault', 'own-vault') });
    const declared = new PruneWorkflow(stack, 'Declared', { ...common, stateMachineName: 'own-prune-declared', vault: s3.Bucket.fromBucketName(stack, 'Vault2', 'own-vault-2'), objectLock: false });
    return { stack, imported, declared };
  }).built;
  const policies = new DeployedPolicies(Template.fromStack(built.stack).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' });
  const decide = async (workflow: PruneWorkflow, bucket: string) => {
    const role = workflow.forgetFunction.role;
    if (!role) throw new Error('the function has no role');
    return simulatedDecision(principalOfRole(policies, logicalId(role)), 's3:GetObjectRetention', { arn: `arn:aws:s3:::${bucket}/snapshots/abc`, account: ACCOUNT });
  };

  it('lets the deleters read the lock unless told the bucket has none', async () => {
    expect(await decide(built.imported, 'own-vault')).toBe('Allowed');
    expect(await decide(built.declared, 'own-vault-2')).toBe('ImplicitlyDenied');
  });
});
