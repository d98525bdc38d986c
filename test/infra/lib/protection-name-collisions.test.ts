import { Lazy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { describeIssues } from '../../../config/load-config';
import { InvalidLifeboatPropsError, type LifeboatPlan, LifeboatProtection, type LifeboatProtectionProps, LifeboatSource } from '../../../lib';
import { type FixedPhysicalName, protectionPhysicalNames } from '../../../lib/constructs/protection-physical-names';
import { templateOnlyApp } from '../../support/template-only-app';
import { USER_APP_EFS } from './user-app-fixture';

/**
 * Audit R35, F2: protections with different prefixes may still derive one name: prefix `shop` with plan `eu-daily` and prefix
 * `shop-eu` with plan `daily` both schedule `shop-eu-daily` and raise the alarms `shop-eu-daily-*`. Synth refuses that, from
 * each protection's full set of fixed physical names, which the last test holds against every name of synthesized templates.
 * And a plan named `file-mirror-sample` would take the file sampler's schedule: refused by the construct and the config.
 */
const ACCOUNT = '111111111111';

function plan(stack: Stack, name: string, overrides: Partial<LifeboatPlan> = {}): LifeboatPlan {
  const source = LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, `Assets-${name}`, `${stack.node.id.toLowerCase()}-assets`));
  return { name, schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [source], ...overrides };
}

function refusal(build: () => void): InvalidLifeboatPropsError {
  try {
    build();
  } catch (err) {
    if (err instanceof InvalidLifeboatPropsError) return err;
    throw err;
  }
  throw new Error('no InvalidLifeboatPropsError');
}

describe('two protections of different prefixes', () => {
  it('are refused when a prefix and a plan make the other one\'s schedule and alarm names, naming both protections and the name', () => {
    const app = templateOnlyApp();
    const shop = new Stack(app, 'Shop', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new LifeboatProtection(shop, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', plans: [plan(shop, 'eu-daily')] });
    const shopEu = new Stack(app, 'ShopEu', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const err = refusal(() => new LifeboatProtection(shopEu, 'Lifeboat', { prefix: 'shop-eu', drRegion: 'us-west-2', plans: [plan(shopEu, 'daily')] }));
    expect(err.issues).toEqual([
      'prefix: protection Shop/Lifeboat (prefix "shop") and this one (prefix "shop-eu") would both name the EventBridge Scheduler schedule shop-eu-daily in 111111111111/us-east-1 ' +
        '(and 6 more names), since plans name schedules and alarms <prefix>-<plan>…: the second deploy would fail or take over the other\'s; give one of them another prefix, or rename the plan',
    ]);
  });

  it('are refused when only a DR region\'s names meet: the drill alarms of two primary regions with one DR region', () => {
    const app = templateOnlyApp();
    const shop = new Stack(app, 'Shop', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new LifeboatProtection(shop, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', plans: [plan(shop, 'eu-daily')] });
    const shopEu = new Stack(app, 'ShopEu', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const err = refusal(() => new LifeboatProtection(shopEu, 'Lifeboat', { prefix: 'shop-eu', drRegion: 'us-west-2', plans: [plan(shopEu, 'daily')] }));
    expect(err.issues).toEqual([expect.stringContaining('would both name the CloudWatch alarm shop-eu-daily-drill in 111111111111/us-west-2, since plans name')]);
  });

  it('are accepted in accounts of their own, and when their names differ', () => {
    const app = templateOnlyApp();
    const shop = new Stack(app, 'Shop', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new LifeboatProtection(shop, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', plans: [plan(shop, 'eu-daily')] });
    const other = new Stack(app, 'ShopEu', { env: { account: '222222222222', region: 'us-east-1' } });
    expect(() => new LifeboatProtection(other, 'Lifeboat', { prefix: 'shop-eu', drRegion: 'us-west-2', plans: [plan(other, 'daily')] })).not.toThrow();
    const same = new Stack(app, 'ShopUs', { env: { account: ACCOUNT, region: 'us-east-1' } });
    expect(() => new LifeboatProtection(same, 'Lifeboat', { prefix: 'shop-eu', drRegion: 'us-west-2', plans: [plan(same, 'weekly')] })).not.toThrow();
  });

  it('are compared without tripping over a protection refused before its names were known, which a caller caught (review 43e F2)', () => {
    const app = templateOnlyApp();
    const bad = new Stack(app, 'Bad', { env: { account: ACCOUNT, region: 'us-east-1' } });
    refusal(() => new LifeboatProtection(bad, 'Lifeboat', { prefix: 'bad', drRegion: 'us-west-2', plans: [plan(bad, 'daily', { schedule: Lazy.string({ produce: () => 'rate(1 day)' }) })] }));
    const good = new Stack(app, 'Good', { env: { account: ACCOUNT, region: 'us-east-1' } });
    expect(() => new LifeboatProtection(good, 'Lifeboat', { prefix: 'good', drRegion: 'us-west-2', plans: [plan(good, 'daily')] })).not.toThrow();
  });
});

describe('a plan named file-mirror-sample, the file sampler\'s schedule', () => {
  it('is refused by the construct', () => {
    const stack = new Stack(templateOnlyApp(), 'Shop', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const err = refusal(() => new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop', drRegion: 'us-west-2', plans: [plan(stack, 'file-mirror-sample')] }));
    expect(err.issues).toEqual(['plans: a plan is named "file-mirror-sample"; its schedule would be named like the file-system mirror sampler\'s (<prefix>-file-mirror-sample): rename the plan']);
  });

  it('is refused by the config schema of lifeboat.config.json, as scrub, prune and drill-x are', () => {
    const planOf = (name: string) => ({
      name,
      schedule: 'rate(1 day)',
      strategy: 'incremental',
      retention: { keepLast: 7 },
      objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
      sources: [{ type: 's3', name: `src-${name}`, bucket: `bucket-${name}` }],
    });
    const config = {
      environments: [{ name: 'dev', account: ACCOUNT, primaryRegion: 'us-east-1', drRegion: 'us-west-2', plans: ['daily', 'file-mirror-sample', 'scrub', 'prune', 'drill-x'].map(planOf) }],
    };
    const result = lifeboatConfigSchema.safeParse(config);
    expect(result.success).toBe(false);
    expect(result.success ? [] : describeIssues(result.error)).toEqual([
      'environments[0].plans[1].name: a plan is named "file-mirror-sample"; its schedule would be named like the file-system mirror sampler\'s (<prefix>-file-mirror-sample): rename the plan',
      'environments[0].plans[2].name: a plan is named "scrub"; its schedule would be named like the scrub\'s (<prefix>-scrub): rename the plan',
      'environments[0].plans[3].name: a plan is named "prune"; its schedule would be named like the prune\'s (<prefix>-prune): rename the plan',
      'environments[0].plans[4].name: plan "drill-x" starts with "drill-"; its schedule would be named like a plan\'s drill schedule (<prefix>-drill-<plan>): rename the plan',
    ]);
  });
});

/** Each fixed-name property of the types that have one, as protection-physical-names.ts calls the type. */
const NAME_PROPERTIES: Readonly<Record<string, readonly [string, string]>> = {
  'AWS::S3::Bucket': ['BucketName', 'S3 bucket'],
  'AWS::DynamoDB::Table': ['TableName', 'DynamoDB table'],
  'AWS::StepFunctions::StateMachine': ['StateMachineName', 'Step Functions state machine'],
  'AWS::Scheduler::Schedule': ['Name', 'EventBridge Scheduler schedule'],
  'AWS::CloudWatch::Alarm': ['AlarmName', 'CloudWatch alarm'],
  'AWS::CloudWatch::Dashboard': ['DashboardName', 'CloudWatch dashboard'],
  'AWS::KMS::Alias': ['AliasName', 'KMS alias'],
  'AWS::SNS::Topic': ['TopicName', 'SNS topic'],
  'AWS::SQS::Queue': ['QueueName', 'SQS queue'],
  'AWS::Events::Rule': ['Name', 'EventBridge rule'],
  'AWS::IAM::Role': ['RoleName', 'IAM role'],
  'AWS::Lambda::Function': ['FunctionName', 'Lambda function'],
};
const STATE_MACHINE_LOGS = '/aws/vendedlogs/states/';

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** Every fixed name of a stack's template, as `type name place`; a state machine's log group counts as its state machine. */
function templateNames(stack: Stack, template: { Resources?: Record<string, Resource> }): string[] {
  return Object.values(template.Resources ?? {}).flatMap((resource) => {
    if (resource.Type === 'AWS::Logs::LogGroup') {
      const name = resource.Properties?.LogGroupName;
      if (name === undefined) return [];
      expect(typeof name === 'string' && name.startsWith(STATE_MACHINE_LOGS)).toBe(true);
      return [placed({ type: 'Step Functions state machine', name: String(name).slice(STATE_MACHINE_LOGS.length), account: stack.account, region: stack.region })];
    }
    const known = NAME_PROPERTIES[resource.Type];
    const name = known ? resource.Properties?.[known[0]] : undefined;
    if (!known || name === undefined) return [];
    expect(typeof name).toBe('string');
    const type = known[1];
    const where = type === 'S3 bucket' ? {} : type === 'IAM role' || type === 'CloudWatch dashboard' ? { account: stack.account } : { account: stack.account, region: stack.region };
    return [placed({ type, name: String(name), ...where })];
  });
}

const placed = (n: FixedPhysicalName) => `${n.type} ${n.name}${n.account !== undefined ? ` ${n.account}` : ''}${n.region !== undefined ? `/${n.region}` : ''}`;
const sorted = (names: readonly string[]) => [...new Set(names)].sort();

it('knows every fixed physical name a protection\'s templates give, and no other: mirrors, file sampler, drills in both regions, a DR account', () => {
  const app = templateOnlyApp();
  const protections: { stack: Stack; protection: LifeboatProtection; props: LifeboatProtectionProps }[] = [];
  const shop = new Stack(app, 'Shop', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const assets = new s3.Bucket(shop, 'AssetsBucket', { bucketName: 'assets-of-shop', versioned: true });
  const shopProps: LifeboatProtectionProps = {
    prefix: 'shop',
    drRegion: 'us-west-2',
    fileSystem: { ...USER_APP_EFS, replica: { ...USER_APP_EFS, vpcId: 'vpc-0123456789abcdef1' } },
    plans: [
      { ...plan(shop, 'daily', { drill: { schedule: 'rate(7 days)', vault: 'primary' } }), sources: [LifeboatSource.s3Bucket('assets', assets, { mirror: true })] },
      { ...plan(shop, 'files', { drill: { schedule: 'rate(7 days)' } }), sources: [LifeboatSource.fileSystem('files', '/mnt/lifeboat/files', { mirror: true })] },
    ],
  };
  protections.push({ stack: shop, protection: new LifeboatProtection(shop, 'Lifeboat', shopProps), props: shopProps });
  const archive = new Stack(app, 'Archive', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const archiveProps: LifeboatProtectionProps = { prefix: 'archive', drRegion: 'us-west-2', drAccount: '222222222222', plans: [plan(archive, 'weekly')] };
  protections.push({ stack: archive, protection: new LifeboatProtection(archive, 'Lifeboat', archiveProps), props: archiveProps });

  const assembly = app.synth();
  for (const { stack, protection, props } of protections) {
    const fromTemplates = [stack, protection.drStack].flatMap((s) => templateNames(s, assembly.getStackArtifact(s.artifactId).template as { Resources?: Record<string, Resource> }));
    const known = protectionPhysicalNames(protection.prefix, protection.environmentName, stack, props).map(placed);
    // The user's own bucket (named, as a mirrored source must be) is not the protection's; everything else of these stacks is.
    expect(sorted(fromTemplates)).toEqual(sorted([...known, ...(stack === shop ? ['S3 bucket assets-of-shop'] : [])]));
  }
  expect(protections[0]?.protection.fileMirrorSampler).toBeDefined();
  expect(protections[1]?.protection.drKeyArns.readerRole).toBeDefined();
});
