import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type IConstruct } from 'constructs';
import { lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { longestScheduleGapMs } from '../../../config/longest-schedule-gap';
import { parseScheduleExpression } from '../../../config/schedule-expression';
import { type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * Audit R35, F3: an RPO below the plan's own schedule interval (rate(1 day) with rpoMinutes 60) can never be kept by the
 * schedule: the backup-age alarm is in ALARM most of every day. Synth warns (`lifeboat:rpo-below-schedule`), naming the prop and
 * the interval; a warning, since backups started by hand in between may keep the RPO. The JSON-config app warns the same way.
 */
const WARNING = 'lifeboat:rpo-below-schedule';
const MINUTE = 60_000;

const warningsOf = (construct: IConstruct) => construct.node.metadata.filter((m) => m.type === 'aws:cdk:warning' && String(m.data).includes(`[ack: ${WARNING}]`)).map((m) => String(m.data));

function protect(plans: readonly { name: string; schedule: string; rpoMinutes: number }[]): LifeboatProtection {
  const stack = new Stack(templateOnlyApp(), 'Shop', { env: { account: '111111111111', region: 'us-east-1' } });
  const bucket = s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets');
  return new LifeboatProtection(stack, 'Lifeboat', {
    prefix: 'shop',
    drRegion: 'us-west-2',
    plans: plans.map(
      (p, i): LifeboatPlan => ({
        name: p.name,
        schedule: p.schedule,
        strategy: 'incremental',
        retention: { keepLast: 7 },
        objectives: { rpoMinutes: p.rpoMinutes, rtoMinutes: 60 },
        sources: [LifeboatSource.s3Bucket(`assets-${i}`, bucket, { prefix: `${p.name}/` })],
      }),
    ),
  });
}

describe('a plan whose RPO is below its schedule\'s longest interval', () => {
  it('warns, naming plans[i].objectives.rpoMinutes, the schedule and its interval, the alarm, and what to do', () => {
    expect(warningsOf(protect([{ name: 'daily', schedule: 'rate(1 day)', rpoMinutes: 60 }]))).toEqual([
      'plans[0].objectives.rpoMinutes: 60 is shorter than the longest interval between the backups of plan "daily"\'s schedule rate(1 day), 1440 min (1 day): ' +
        'the alarm shop-daily-backup-age fires once the last backup is older than the RPO, so it would be in ALARM for part of every such interval, and lifeboat status would show ' +
        "the plan missing its objective. Raise rpoMinutes above 1440 by the longest a backup run takes plus 15 minutes (the alarm's three 5-minute periods), for example 1500, " +
        'or schedule backups more often; acknowledge this warning if backups started by hand in between keep the RPO ' +
        `[ack: ${WARNING}]`,
    ]);
  });

  it('warns for a cron by its longest gap (a weekday cron leaves the weekend), once per plan that falls short', () => {
    const warnings = warningsOf(
      protect([
        { name: 'weekdays', schedule: 'cron(0 3 ? * MON-FRI *)', rpoMinutes: 1440 },
        { name: 'kept', schedule: 'cron(0 0/6 * * ? *)', rpoMinutes: 420 },
        { name: 'twice', schedule: 'cron(0 6,9 * * ? *)', rpoMinutes: 900 },
      ]),
    );
    expect(warnings).toEqual([
      expect.stringMatching(/^plans\[0\]\.objectives\.rpoMinutes: 1440 is shorter than the longest interval between the backups of plan "weekdays"'s schedule cron\(0 3 \? \* MON-FRI \*\), 4320 min \(3 days\)/),
      expect.stringMatching(/^plans\[2\]\.objectives\.rpoMinutes: 900 is shorter than .* cron\(0 6,9 \* \* \? \*\), 1260 min \(21 hours\)/),
    ]);
  });

  it('warns for an RPO equal to the interval: the age passes it as each run starts, so every run longer than 15 minutes alarms (audit R40 F2)', () => {
    expect(warningsOf(protect([{ name: 'daily', schedule: 'rate(1 day)', rpoMinutes: 1440 }]))).toEqual([
      expect.stringMatching(
        /^plans\[0\]\.objectives\.rpoMinutes: 1440 is equal to the longest interval .* rate\(1 day\), 1440 min \(1 day\): .*ages run from a backup's start.* ALARM during every run that takes more than 15 minutes.*for example 1500/,
      ),
    ]);
  });

  it('does not warn when the RPO covers the interval, nor for a schedule that fires once (at)', () => {
    expect(warningsOf(protect([{ name: 'daily', schedule: 'rate(1 day)', rpoMinutes: 1500 }, { name: 'once', schedule: 'at(2030-01-01T03:00:00)', rpoMinutes: 1 }]))).toEqual([]);
  });

  it('warns in the JSON-config app too, which builds the same construct', () => {
    const config = lifeboatConfigSchema.parse({
      environments: [
        {
          name: 'dev',
          account: '111111111111',
          primaryRegion: 'us-east-1',
          drRegion: 'us-west-2',
          plans: [{ name: 'daily', schedule: 'rate(12 hours)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 240, rtoMinutes: 60 }, sources: [{ type: 's3', name: 'assets', bucket: 'shop-assets' }] }],
        },
      ],
    });
    const dev = buildLifeboatApp(templateOnlyApp(), config).get('dev');
    if (!dev) throw new Error('no environment dev');
    expect(warningsOf(dev.protection)).toEqual([expect.stringMatching(/^plans\[0\]\.objectives\.rpoMinutes: 240 is shorter than .* rate\(12 hours\), 720 min \(12 hours\): the alarm lifeboat-dev-daily-backup-age/)]);
  });
});

describe('the longest interval of a schedule', () => {
  const gapMinutes = (text: string) => {
    const gap = longestScheduleGapMs(parseScheduleExpression(text));
    return gap === undefined ? undefined : gap / MINUTE;
  };

  it('is a rate\'s period, and none for at(...)', () => {
    expect(gapMinutes('rate(90 minutes)')).toBe(90);
    expect(gapMinutes('at(2030-01-01T03:00:00)')).toBeUndefined();
  });

  it('is a cron\'s longest gap, within a day or across the days it skips, the year field aside', () => {
    expect(gapMinutes('cron(* * * * ? *)')).toBe(1);
    expect(gapMinutes('cron(0/15 8-17 ? * MON-FRI *)')).toBe(3 * 1440 - (17 * 60 + 45 - 8 * 60));
    expect(gapMinutes('cron(0 3 L * ? *)')).toBe(31 * 1440);
    expect(gapMinutes('cron(0 3 * * ? 2024)')).toBe(1440);
    // 29 February: four years, the window's year notwithstanding.
    expect(gapMinutes('cron(0 0 29 2 ? *)')).toBe((3 * 365 + 366) * 1440);
    // 1 August to 1 March: 212 days, 213 across a leap year's 29 February (one common year was read until the drill
    // schedule check shared this walk: the warning missed an RPO between the two).
    expect(gapMinutes('cron(0 4 1 3,8 ? *)')).toBe(213 * 1440);
  });

  it('is computed a day at a time: a cron of every minute takes no more than a daily one', () => {
    gapMinutes('cron(0 3 * * ? *)');
    const started = performance.now();
    gapMinutes('cron(* * * * ? *)');
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
