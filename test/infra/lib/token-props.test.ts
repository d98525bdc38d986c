import { Aws, CfnParameter, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InvalidLifeboatPropsError, type LifeboatPlan, LifeboatProtection, type LifeboatProtectionProps, LifeboatSource } from '../../../lib';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * Audit R35, F4: a token (resolved only at deploy) where a literal is needed was refused for its form ("must be an IAM role
 * ARN", "Too small: expected number to be >0"), which is not what is wrong. It is refused as a token now, first, with a literal
 * to give, and for the role ARNs and e-mails why (the DR stack, in another region, needs them too). Tokens that may be tokens
 * (a bucket of the user's stack) still are.
 */
const TOKEN = 'is a token (resolved only at deploy); Lifeboat derives names and policies from it and checks it at synth';

function issuesOf(change: (stack: Stack, props: LifeboatProtectionProps) => LifeboatProtectionProps): readonly string[] {
  const stack = new Stack(templateOnlyApp(), 'Shop', { env: { account: '111111111111', region: 'us-east-1' } });
  // A bucket of the user's stack: its name is a token, which a source may have.
  const assets = new s3.Bucket(stack, 'Assets');
  const plan: LifeboatPlan = {
    name: 'daily',
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 7 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    sources: [LifeboatSource.s3Bucket('assets', assets)],
  };
  try {
    new LifeboatProtection(stack, 'Lifeboat', change(stack, { prefix: 'shop', drRegion: 'us-west-2', plans: [plan] }));
  } catch (err) {
    if (err instanceof InvalidLifeboatPropsError) return err.issues;
    throw err;
  }
  return [];
}

const lazyNumber = (value: number) => Lazy.number({ produce: () => value });
const withPlan = (props: LifeboatProtectionProps, change: (plan: LifeboatPlan) => LifeboatPlan): LifeboatProtectionProps => ({ ...props, plans: props.plans.map(change) });

it('accepts a source bucket of the user\'s own stack, whose name is a token', () => {
  expect(issuesOf((_stack, props) => props)).toEqual([]);
});

it('refuses a role of the user\'s stack as approver as a token, saying why the DR stack needs a literal ARN', () => {
  const issues = issuesOf((stack, props) => ({ ...props, approverRoleArn: new iam.Role(stack, 'Approver', { assumedBy: new iam.AccountRootPrincipal() }).roleArn }));
  expect(issues).toEqual([
    `approverRoleArn: ${TOKEN} (the DR stack, in another region, attaches the approver's policy to the role too, and no value of this stack can reach it there; for a role of your own stack, give it a roleName and write its ARN): give a literal such as 'arn:aws:iam::123456789012:role/lifeboat-approver'`,
  ]);
});

it('refuses tokens in a plan as tokens, not for their value: an RPO, a retention count', () => {
  expect(issuesOf((_stack, props) => withPlan(props, (plan) => ({ ...plan, objectives: { rpoMinutes: lazyNumber(60), rtoMinutes: 60 } })))).toEqual([
    `plans[0].objectives.rpoMinutes: ${TOKEN}: give a literal such as 1440`,
  ]);
  expect(issuesOf((_stack, props) => withPlan(props, (plan) => ({ ...plan, retention: { keepLast: lazyNumber(3) } })))).toEqual([`plans[0].retention.keepLast: ${TOKEN}: give a literal such as 7`]);
});

it('refuses every token at once, the construct\'s own props and the plans\', and nothing else about them', () => {
  const issues = issuesOf((stack, props) =>
    withPlan(
      {
        ...props,
        prefix: Lazy.string({ produce: () => 'shop' }),
        drRegion: Aws.REGION,
        notifications: { emails: ['ops@example.com', new CfnParameter(stack, 'Mail', { default: 'ops@example.com' }).valueAsString] },
        security: { breakGlassRoleArn: new iam.Role(stack, 'BreakGlass', { assumedBy: new iam.AccountRootPrincipal() }).roleArn },
      },
      (plan) => ({ ...plan, name: Lazy.string({ produce: () => 'daily' }), sources: [LifeboatSource.fileSystem(Lazy.string({ produce: () => 'files' }), '/mnt/lifeboat/files')] }),
    ),
  );
  expect(issues).toEqual([
    `prefix: ${TOKEN}: give a literal such as 'shop-prod'`,
    expect.stringMatching(/^security\.breakGlassRoleArn: is a token .*\(the key and bucket policies of the DR stack, in another region, name it too.*\): give a literal such as 'arn:aws:iam::123456789012:role\/lifeboat-break-glass'$/),
    expect.stringMatching(/^notifications\.emails\[1\]: is a token .*: give a literal such as 'ops@example.com'$/),
    `plans[0].sources[0].name: ${TOKEN}: give a literal such as 'assets'`,
    `plans[0].name: ${TOKEN}: give a literal such as 'daily'`,
    `drRegion: ${TOKEN}: give a literal such as 'us-west-2'`,
  ]);
});
