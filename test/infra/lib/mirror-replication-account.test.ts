import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { principalOfRole, simulatedDecision } from '../../support/simulated-decision';
import { templateOnlyApp } from '../../support/template-only-app';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * The S3 mirrors' replication roles write replicas only into a mirror bucket of the DR stack's account
 * (audit R33, observation): S3 ARNs carry no account, so without `s3:ResourceAccount` a bucket named like the
 * mirror in another account, whose policy lets the role in, would receive the source's objects should ours
 * be gone while the rule is live. Evaluated with the IAM policy simulator on the synthesized policies.
 */
const ENV = USER_APP_ENV;
const OTHER_ACCOUNT = '999999999999';
const PREFIX = 'shop-prod';
const MIRROR = `${PREFIX}-mirror-assets`;

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function build(drAccount?: string) {
  const app = templateOnlyApp();
  const stack = new Stack(app, 'Shop', { env: ENV });
  const plan: LifeboatPlan = {
    name: 'daily',
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 7 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    maxConcurrency: 8,
    sources: [LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets'), { mirror: true })],
  };
  const protection = new LifeboatProtection(stack, 'Lifeboat', { prefix: PREFIX, drRegion: 'us-west-2', ...(drAccount !== undefined ? { drAccount } : {}), plans: [plan] });
  const role = protection.mirrors?.s3[0]?.role;
  if (!role) throw new Error('the protection has no replication role');
  return { template: Template.fromStack(stack), roleId: stack.getLogicalId(role.node.defaultChild as CfnElement) };
}

describe.each([
  ['one account', undefined],
  ['drAccount given (mirrors need it to be the primary account itself)', ENV.account],
])('the replication role of a mirrored S3 source, %s', (_name, drAccount) => {
  const { template, roleId } = build(drAccount);

  it('pins ReplicateObject, ReplicateDelete and ReplicateTags on the mirror bucket to the DR stack\'s account', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
    const replicate = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:Replicate')));
    expect(replicate.map((s) => [[s.Action].flat().sort(), s.Condition])).toEqual([
      [['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'], { StringEquals: { 's3:ResourceAccount': ENV.account } }],
    ]);
  });

  it.each(['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'])('%s: allowed into our mirror bucket, not into one of that name in another account whose policy lets the role in', async (action) => {
    const role = principalOfRole(new DeployedPolicies(template.toJSON() as CfnTemplate, ENV), roleId);
    const object = `arn:aws:s3:::${MIRROR}/img/a.png`;
    const lettingIn = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: role.arn }, Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], Resource: `arn:aws:s3:::${MIRROR}/*` }] };
    expect(await simulatedDecision(role, action, { arn: object, account: ENV.account }, { 's3:ResourceAccount': ENV.account })).toBe('Allowed');
    expect(await simulatedDecision(role, action, { arn: object, account: OTHER_ACCOUNT, policy: lettingIn }, { 's3:ResourceAccount': OTHER_ACCOUNT })).toBe('ImplicitlyDenied');
  });
});
