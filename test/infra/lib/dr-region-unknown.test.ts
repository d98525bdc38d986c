import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LifeboatProtection, LifeboatSource } from '../../../lib';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * Audit R35, F5: a misspelled drRegion ('us-weast-2') has a region's form, was accepted, and would have failed only when
 * `cdk deploy` reached for that region. Synth warns when aws-cdk-lib's RegionInfo does not know it: a warning, not a refusal,
 * since a region newer than the installed aws-cdk-lib is not in its list either.
 */
const WARNING = 'lifeboat:dr-region-unknown';

function warningsFor(drRegion: string): string[] {
  const stack = new Stack(templateOnlyApp(), 'Shop', { env: { account: '111111111111', region: 'us-east-1' } });
  const source = LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets'));
  const protection = new LifeboatProtection(stack, 'Lifeboat', {
    prefix: 'shop',
    drRegion,
    plans: [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [source] }],
  });
  return protection.node.metadata.filter((m) => m.type === 'aws:cdk:warning' && String(m.data).includes(`[ack: ${WARNING}]`)).map((m) => String(m.data));
}

it('warns of a drRegion aws-cdk-lib does not know, naming drRegion and the value', () => {
  expect(warningsFor('us-weast-2')).toEqual([
    `drRegion: "us-weast-2" is not a region aws-cdk-lib knows (RegionInfo.regions): check its spelling, since the DR stack would be deployed there; a region newer than this aws-cdk-lib is fine (acknowledge this warning) [ack: ${WARNING}]`,
  ]);
});

it('says nothing of a known region', () => {
  expect(warningsFor('us-west-2')).toEqual([]);
});
