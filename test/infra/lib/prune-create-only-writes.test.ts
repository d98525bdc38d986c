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
 * The prune's writes (lib/constructs/prune-workflow.ts), evaluated with the IAM policy simulator on the synthesized
 * policies of the sample config, as create-only-writes.test.ts does for the backup's roles (docs/SECURITY.md,
 * "Immutable objects"): the repack creates packs and index objects with If-None-Match: * (S3VaultStore.put), so the
 * prune role may create them and never replace one; its own state under prune/ is rewritten and stays unconditional.
 */
const ACCOUNT = '000000000000';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

/** PutObject or CompleteMultipartUpload with If-None-Match: * (a create), without it (an overwrite), and a multipart part. */
const CREATE = { 's3:if-none-match': '*', 's3:ObjectCreationOperation': 'true' };
const OVERWRITE = { 's3:ObjectCreationOperation': 'true' };
const PART = { 's3:ObjectCreationOperation': 'false' };

const synthesized = synthesizeApp((app) => buildLifeboatApp(app, sample));
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const sides = {
  primary: { policies: new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' }), workflow: dev.protection.pruneWorkflow, vault: dev.protection.vault.bucket, name: dev.protection.names.primaryVault },
  dr: { policies: new DeployedPolicies(Template.fromStack(dev.dr).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-west-2' }), workflow: dev.protection.drPruneWorkflow, vault: dev.protection.drVault.bucket, name: dev.protection.names.drVault },
};

describe.each(Object.entries(sides))('the %s vault\'s prune', (_side, side) => {
  const role = side.workflow.function.role;
  if (!role) throw new Error('the prune function has no role');
  const prune = principalOfRole(side.policies, logicalId(role));
  const object = (key: string) => ({ arn: `arn:aws:s3:::${side.name}/${key}`, account: ACCOUNT, policy: side.policies.bucketPolicy(logicalId(side.vault)) });

  it('creates repacked packs and index objects, whole or in parts, and replaces none', async () => {
    for (const key of ['data/ab/abcd', 'index/abc']) {
      expect([key, await simulatedDecision(prune, 's3:PutObject', object(key), CREATE)]).toEqual([key, 'Allowed']);
      expect([key, await simulatedDecision(prune, 's3:PutObject', object(key), PART)]).toEqual([key, 'Allowed']);
      expect([key, await simulatedDecision(prune, 's3:PutObject', object(key), OVERWRITE)]).toEqual([key, 'ImplicitlyDenied']);
      expect([key, await simulatedDecision(prune, 's3:AbortMultipartUpload', object(key))]).toEqual([key, 'Allowed']);
    }
  });

  it('rewrites its own state under prune/ (the policy each run, condemnation batches without If-None-Match)', async () => {
    for (const key of ['prune/policy', 'prune/condemned/abc']) expect([key, await simulatedDecision(prune, 's3:PutObject', object(key), OVERWRITE)]).toEqual([key, 'Allowed']);
  });

  it('writes nothing else: no manifest page, snapshot, key object or config, not even create-only', async () => {
    for (const key of ['manifest/abc', 'snapshots/abc', 'keys/abc', 'config', 'drills/d1.json']) {
      for (const context of [CREATE, OVERWRITE]) expect([key, await simulatedDecision(prune, 's3:PutObject', object(key), context)]).toEqual([key, 'ImplicitlyDenied']);
    }
  });
});
