import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { templateOnlyApp } from '../../support/template-only-app';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * A break-glass role of the stack's own account can be taken over by that account's IAM administrators unless an
 * SCP forbids it (docs/SECURITY.md, "A break-glass role needs an SCP"): synth says so, once per stack that names the
 * role as its break-glass principal; the default (the root user) and a stack that keeps its own root user do not.
 */
const ENV = USER_APP_ENV;
const OWN_ROLE = `arn:aws:iam::${ENV.account}:role/ops/lifeboat-break-glass`;
const DR_ACCOUNT = '222222222222';

function plan(): LifeboatPlan {
  return { name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, maxConcurrency: 8, sources: [] };
}

function protect(options: { breakGlassRoleArn?: string; drAccount?: string }) {
  const stack = new Stack(templateOnlyApp(), 'Shop', { env: ENV });
  const source = LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets'));
  const protection = new LifeboatProtection(stack, 'Lifeboat', {
    prefix: 'shop-prod',
    drRegion: 'us-west-2',
    ...(options.drAccount !== undefined ? { drAccount: options.drAccount } : {}),
    ...(options.breakGlassRoleArn !== undefined ? { security: { breakGlassRoleArn: options.breakGlassRoleArn } } : {}),
    plans: [{ ...plan(), sources: [source] }],
  });
  return { primary: stack, dr: protection.drStack };
}

/** The warnings a stack's node carries (Annotations.of(stack)). */
const warningsOf = (stack: Stack) => stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
const takeOver = (warnings: string[]) => warnings.filter((w) => w.includes('can take it over'));

it('warns once on each stack whose break-glass principal is a role of its own account, naming the role and the SCP section', () => {
  const { primary, dr } = protect({ breakGlassRoleArn: OWN_ROLE });
  for (const stack of [primary, dr]) {
    expect(takeOver(warningsOf(stack))).toEqual([
      expect.stringContaining(`security.breakGlassRoleArn ${OWN_ROLE} is stack ${stack.stackName}'s break-glass principal, a role: an IAM administrator of account ${ENV.account} can take it over`),
    ]);
    expect(takeOver(warningsOf(stack))[0]).toContain('docs/SECURITY.md, "A break-glass role needs an SCP"');
    expect(takeOver(warningsOf(stack))[0]).toContain('[ack: lifeboat:break-glass-role-without-scp]');
  }
});

it('does not warn for the default break-glass principal, the account\'s root user', () => {
  const { primary, dr } = protect({});
  expect(takeOver([...warningsOf(primary), ...warningsOf(dr)])).toEqual([]);
});

it('warns on the primary stack only when the DR stack is in another account, which keeps its own root user', () => {
  const { primary, dr } = protect({ breakGlassRoleArn: OWN_ROLE, drAccount: DR_ACCOUNT });
  expect(takeOver(warningsOf(primary))).toHaveLength(1);
  expect(takeOver(warningsOf(dr))).toEqual([]);
  expect(warningsOf(dr)).toEqual([expect.stringContaining(`security.breakGlassRoleArn is a role of account ${ENV.account}; stack ${dr.stackName} deploys to account ${DR_ACCOUNT}`)]);
});
