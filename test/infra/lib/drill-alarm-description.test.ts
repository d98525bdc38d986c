import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type LifeboatDrill, LifeboatProtection, LifeboatSource } from '../../../lib';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * The drill alarm says what a drill's verdict judges (lambdas/drill/drill-verdict.ts): the RPO on the newest backup's
 * age and the largest gap, whatever the selection. A plan whose drills pick at random is told an old pick does not
 * miss it (so its operator looks at the plan's backups, not the pick), in both regions.
 */
const stack = new Stack(templateOnlyApp(), 'Shop', { env: { account: '111111111111', region: 'us-east-1' } });
const bucket = s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets');
const plan = (name: string, drill: LifeboatDrill | undefined) => ({
  name,
  schedule: 'rate(1 hour)',
  strategy: 'incremental' as const,
  retention: { keepLast: 7 },
  objectives: { rpoMinutes: 120, rtoMinutes: 30 },
  sources: [LifeboatSource.s3Bucket(`assets-${name}`, bucket, { prefix: `${name}/` })],
  ...(drill ? { drill } : {}),
});
const protection = new LifeboatProtection(stack, 'Lifeboat', {
  prefix: 'shop',
  drRegion: 'us-west-2',
  plans: [plan('newest', { schedule: 'rate(7 days)' }), plan('sampled', { schedule: 'rate(7 days)', selection: 'random-within-window', windowDays: 3 }), plan('undrilled', undefined)],
});

function drillAlarmDescriptions(template: Template, planName: string): string[] {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `shop-${planName}-drill` } })) as { Properties: { AlarmDescription: string } }[];
  return alarms.map((a) => a.Properties.AlarmDescription);
}
const templates = [Template.fromStack(stack), Template.fromStack(protection.drStack)];

describe('the drill alarm description', () => {
  it('gives a latest (or default) plan its RTO and RPO and what the RPO is judged on', () => {
    for (const name of ['newest', 'undrilled']) {
      for (const template of templates) {
        expect(drillAlarmDescriptions(template, name)).toEqual([
          `Plan ${name}: its newest drill of this region's vault failed or missed its RTO (30 min) or RPO objective (120 min: the newest backup's age or the largest gap between backups); it stays in ALARM until a later drill of that vault passes (docs/RUNBOOKS.md, "Drill"). docs/RUNBOOKS.md, "Alarms".`,
        ]);
      }
    }
  });

  it('tells a random-within-window plan that an old random pick does not miss the RPO, naming its window', () => {
    for (const template of templates) {
      expect(drillAlarmDescriptions(template, 'sampled')).toEqual([
        "Plan sampled: its newest drill of this region's vault failed or missed its RTO (30 min) or RPO objective (120 min: the newest backup's age or the largest gap between backups); it stays in ALARM until a later drill of that vault passes. " +
          'Its scheduled drills restore a random backup of the last 3 days; an old pick does not miss the RPO: a missed RPO means the plan\'s backups stopped or had a gap, whatever was drilled; ' +
          '`lifeboat drills show` says which (docs/RUNBOOKS.md, "Drill"). docs/RUNBOOKS.md, "Alarms".',
      ]);
    }
  });
});
