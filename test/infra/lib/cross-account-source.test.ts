import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type IConstruct } from 'constructs';
import { loadLifeboatConfig } from '../../../config/load-config';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { REPO_ROOT, SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, type SimulatedPrincipal, simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';

/**
 * An S3 source in another account (docs/DEPLOYMENT.md, "An S3 source in another account"): the bucket policy statement
 * the docs give, evaluated with the IAM policy simulator against the synthesized roles. A cross-account read needs the
 * role's identity policy and the bucket's consent; the statement must admit the functions that read the source (they
 * carry the key-user tag) and no other principal of the account.
 */
const ACCOUNT = '111111111111';
const SOURCE_ACCOUNT = '333333333333';
const BUCKET = 'lifeboat-demo-assets';
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
// The sample's bucket source, given to another account; mirrors are left out (cross-account mirrors are refused).
const config = {
  environments: sample.environments.map((e) => ({
    ...e,
    account: ACCOUNT,
    plans: e.plans.map((p) => ({ ...p, sources: p.sources.map(({ mirror: _mirror, ...s }) => (s.type === 's3' ? { ...s, account: SOURCE_ACCOUNT } : s)) })),
  })),
} as LifeboatConfig;
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config));
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const primary = new DeployedPolicies(Template.fromStack(dev.primary).toJSON() as CfnTemplate, { account: ACCOUNT, region: 'us-east-1' });
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const role = (fn: { role?: IConstruct }): SimulatedPrincipal => {
  if (!fn.role) throw new Error('the function has no role');
  return principalOfRole(primary, logicalId(fn.role));
};

/** The statement as docs/DEPLOYMENT.md prints it, with its placeholders filled in: what a user pastes is what is tested. */
function documentedPolicy(prefix: string): unknown {
  const docs = readFileSync(join(REPO_ROOT, 'docs/DEPLOYMENT.md'), 'utf8');
  const section = docs.split('## An S3 source in another account')[1]?.split('\n## ')[0] ?? '';
  const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  if (!json) throw new Error('docs/DEPLOYMENT.md, "An S3 source in another account", has no ```json block');
  return JSON.parse(json.replaceAll('<lifeboat account>', ACCOUNT).replaceAll('<prefix>', prefix).replaceAll('<bucket>', BUCKET)) as unknown;
}
const bucketPolicy = documentedPolicy(dev.protection.prefix);
const sourceBucket = (policy?: unknown) => ({ arn: `arn:aws:s3:::${BUCKET}`, account: SOURCE_ACCOUNT, ...(policy ? { policy } : {}) });
const sourceObject = (policy?: unknown) => ({ arn: `arn:aws:s3:::${BUCKET}/photos/a.jpg`, account: SOURCE_ACCOUNT, ...(policy ? { policy } : {}) });

it('the documented bucket policy admits the functions that read the source, and the reads are refused without it', async () => {
  const plan = role(dev.protection.backupWorkflow.functions.plan);
  const snapshot = role(dev.protection.backupWorkflow.functions.snapshot);
  const ctx = { 's3:ResourceAccount': SOURCE_ACCOUNT };
  const reads = [
    [plan, 's3:ListBucket', sourceBucket],
    [snapshot, 's3:ListBucket', sourceBucket],
    [snapshot, 's3:GetObject', sourceObject],
    [snapshot, 's3:GetObjectTagging', sourceObject],
  ] as const;
  for (const [who, action, resource] of reads) {
    expect([action, await simulatedDecision(who, action, resource(bucketPolicy), ctx)]).toEqual([action, 'Allowed']);
    expect([action, await simulatedDecision(who, action, resource(), ctx)]).toEqual([action, 'ImplicitlyDenied']);
  }
});

it('the statement admits no write, and no principal of the account without the key-user tag', async () => {
  const snapshot = role(dev.protection.backupWorkflow.functions.snapshot);
  expect(await simulatedDecision(snapshot, 's3:PutObject', sourceObject(bucketPolicy))).toBe('ImplicitlyDenied');
  expect(await simulatedDecision(snapshot, 's3:DeleteObject', sourceObject(bucketPolicy))).toBe('ImplicitlyDenied');
  const admin = { arn: `arn:aws:iam::${ACCOUNT}:role/administrator`, account: ACCOUNT, identityPolicies: [{ name: 'AdministratorAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }], tags: {} };
  expect(await simulatedDecision(admin, 's3:GetObject', sourceObject(bucketPolicy))).toBe('ImplicitlyDenied');
});

it('the roles name the source account in their grants, so the same bucket name in the environment\'s account is not granted', async () => {
  const snapshot = role(dev.protection.backupWorkflow.functions.snapshot);
  const ownBucketOfThatName = { arn: `arn:aws:s3:::${BUCKET}/photos/a.jpg`, account: ACCOUNT };
  expect(await simulatedDecision(snapshot, 's3:GetObject', ownBucketOfThatName, { 's3:ResourceAccount': ACCOUNT })).toBe('ImplicitlyDenied');
});
