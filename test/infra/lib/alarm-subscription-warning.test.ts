import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type IConstruct } from 'constructs';
import { LifeboatProtection, LifeboatSource } from '../../../lib';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * Audit a58C F5: with `notifications.emails` empty the alarm topics got no subscription and nothing said so: every alarm
 * and failed-execution notice reached no one. Synth now warns (an operator may subscribe an endpoint of their own, which
 * synth cannot see: acknowledgeable, not a refusal); `lifeboat doctor --aws` checks for a confirmed subscription.
 */
const ACK = 'lifeboat:no-alarm-subscription';
const warningsOf = (construct: IConstruct) => construct.node.metadata.filter((m) => m.type === 'aws:cdk:warning' && String(m.data).includes(`[ack: ${ACK}]`)).map((m) => String(m.data));

function protect(emails: readonly string[] | undefined): LifeboatProtection {
  const stack = new Stack(templateOnlyApp(), 'Shop', { env: { account: '111111111111', region: 'us-east-1' } });
  const source = LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets'));
  return new LifeboatProtection(stack, 'Lifeboat', {
    prefix: 'shop',
    drRegion: 'us-west-2',
    plans: [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1500, rtoMinutes: 60 }, sources: [source] }],
    ...(emails ? { notifications: { emails } } : {}),
  });
}

it('warns when no e-mail is subscribed, naming both regions\' topics, what it means and the doc', () => {
  for (const emails of [undefined, []]) {
    expect(warningsOf(protect(emails))).toEqual([
      'notifications.emails is empty: the alarm topics shop-alarms (us-east-1, us-west-2) get no subscription, so no alarm and no failed execution reaches anyone unless you subscribe an endpoint yourself; ' +
        'add an e-mail address (each confirms the mail AWS sends it), or subscribe your own endpoint in each region and acknowledge this warning ' +
        `(docs/DEPLOYMENT.md, "Alarm notifications"; lifeboat doctor --aws checks for a confirmed subscription) [ack: ${ACK}]`,
    ]);
  }
});

it('says nothing when an e-mail is subscribed', () => {
  expect(warningsOf(protect(['oncall@example.com']))).toEqual([]);
});
