import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { checkTargetState } from '../../../../lambdas/restore/restore-target-state';
import { prepareFailoverTargets } from '../../../../lambdas/failover/failover-targets';
import { type EnvironmentRegions } from '../../../../lambdas/runtime/environment-regions';
import { withRegionRedirectingS3 } from '../../../support/region-redirecting-s3';

/**
 * A restore target bucket of another region than the runbook's (audit f3): S3 answers the restore's HeadBucket
 * with 301 and no body, only `x-amz-bucket-region`, which the SDK names `Unknown: UnknownError`; that was the
 * restore's failure ("Restore FAILED: Unknown: UnknownError").
 */
const TARGET = { type: 's3', bucket: 'restored-assets', prefix: '' } as const;
const PRIMARY_RUNBOOK = '`lifeboat restore` without --from dr (--region primary --from dr to read the DR vault)';
const DR_RUNBOOK = '`lifeboat restore --from dr`';

async function checkedAgainst(options: Parameters<typeof withRegionRedirectingS3>[0], regions?: EnvironmentRegions): Promise<{ error: unknown; requests: readonly string[] }> {
  const dynamodb = new DynamoDBClient({ region: options.clientRegion });
  try {
    return await withRegionRedirectingS3(options, async (s3, requests) => ({
      error: await checkTargetState(TARGET, false, { s3, dynamodb, directory: (p) => p, ...(regions ? { regions } : {}) }).then(
        () => undefined,
        (err: unknown) => err,
      ),
      requests,
    }));
  } finally {
    dynamodb.destroy();
  }
}

describe('a restore target bucket of another region', () => {
  it("in the environment's other region is refused naming the bucket, both regions and that region's runbook, after one HeadBucket", async () => {
    const { error, requests } = await checkedAgainst({ bucketRegion: 'us-east-1', clientRegion: 'us-west-2' }, { primary: 'us-east-1', dr: 'us-west-2' });
    expect(requests).toEqual(['HEAD /restored-assets/']);
    expect(error).toMatchObject({ name: 'RestoreTargetNotAllowedError', bucket: 'restored-assets', bucketRegion: 'us-east-1', runbookRegion: 'us-west-2' });
    expect((error as Error).message).toBe(
      'Invalid restore request: target.bucket: bucket restored-assets is in us-east-1, but this restore runbook runs in us-west-2 and writes only buckets of its own region ' +
        "(S3 redirected its HeadBucket there); restore into a bucket of us-west-2, or start the primary region's restore runbook (us-east-1) instead: " +
        PRIMARY_RUNBOOK,
    );
    const fromPrimary = await checkedAgainst({ bucketRegion: 'us-west-2', clientRegion: 'us-east-1' }, { primary: 'us-east-1', dr: 'us-west-2' });
    expect((fromPrimary.error as Error).message).toMatch(/; restore into a bucket of us-east-1, or start the DR region's restore runbook \(us-west-2\) instead: `lifeboat restore --from dr`$/);
  });

  it('in a third region (neither the primary nor the DR region) names no runbook: none runs there', async () => {
    const { error } = await checkedAgainst({ bucketRegion: 'eu-west-1', clientRegion: 'us-west-2' }, { primary: 'us-east-1', dr: 'us-west-2' });
    expect(error).toMatchObject({ name: 'RestoreTargetNotAllowedError', bucketRegion: 'eu-west-1', runbookRegion: 'us-west-2' });
    expect((error as Error).message).toBe(
      'Invalid restore request: target.bucket: bucket restored-assets is in eu-west-1, but this restore runbook runs in us-west-2 and writes only buckets of its own region ' +
        "(S3 redirected its HeadBucket there); restore into a bucket of us-west-2: no Lifeboat restore runbook runs in eu-west-1 (the environment's run in us-east-1, its primary region, and us-west-2, its DR region)",
    );
  });

  it("names a runbook only on a condition when the function does not know the environment's other region (the DR region's functions without LIFEBOAT_PRIMARY_REGION)", async () => {
    const { error } = await checkedAgainst({ bucketRegion: 'eu-west-1', clientRegion: 'us-west-2' }, { dr: 'us-west-2' });
    expect((error as Error).message).toMatch(
      new RegExp(
        `; restore into a bucket of us-west-2, or, if eu-west-1 is the environment's primary region, start its restore runbook instead: ${escaped(PRIMARY_RUNBOOK)}; no Lifeboat restore runbook runs in another region$`,
      ),
    );
    const unknown = await checkedAgainst({ bucketRegion: 'eu-west-1', clientRegion: 'us-west-2' });
    expect((unknown.error as Error).message).toMatch(
      new RegExp(
        `; restore into a bucket of us-west-2, or, if eu-west-1 is the environment's primary or DR region, start that region's restore runbook instead ` +
          `\\(the primary region's: ${escaped(PRIMARY_RUNBOOK)}; the DR region's: ${escaped(DR_RUNBOOK)}\\); no Lifeboat restore runbook runs in another region$`,
      ),
    );
  });

  it('whose region S3 does not name is still refused as in another region, not as "Unknown: UnknownError"', async () => {
    const { error } = await checkedAgainst({ bucketRegion: undefined, clientRegion: 'us-west-2' }, { primary: 'us-east-1', dr: 'us-west-2' });
    expect(error).toMatchObject({ name: 'RestoreTargetNotAllowedError', bucket: 'restored-assets', bucketRegion: undefined, runbookRegion: 'us-west-2' });
    expect((error as Error).message).toMatch(
      new RegExp(
        "^Invalid restore request: target\\.bucket: bucket restored-assets is in another region than us-west-2 \\(S3 redirected its HeadBucket without saying which\\), .*; restore into a bucket of us-west-2, " +
          `or, if the bucket's region is the environment's primary region \\(us-east-1\\), start its restore runbook instead: ${escaped(PRIMARY_RUNBOOK)}; no Lifeboat restore runbook runs in another region$`,
      ),
    );
  });

  it("answered 400 naming another region (a HeadBucket signed for the runbook's region) is refused the same; a 400 naming the runbook's own region is not", async () => {
    const { error } = await checkedAgainst({ bucketRegion: 'eu-west-1', clientRegion: 'us-east-1', status: 400 });
    expect(error).toMatchObject({ name: 'RestoreTargetNotAllowedError', bucketRegion: 'eu-west-1', runbookRegion: 'us-east-1' });
    const own = await checkedAgainst({ bucketRegion: 'us-east-1', clientRegion: 'us-east-1', status: 400 });
    expect(own.error).toMatchObject({ name: 'Unknown', $metadata: { httpStatusCode: 400 } });
  });

  it('as an existing failover target, fails the failover before any bucket is created, naming the suffix to change', async () => {
    const dynamodb = new DynamoDBClient({ region: 'us-west-2' });
    try {
      await withRegionRedirectingS3({ bucketRegion: 'us-east-1', clientRegion: 'us-west-2' }, async (s3, requests) => {
        const source = { name: 'assets', type: 's3', bucket: 'assets', prefix: '' } as const;
        const failoverTarget = { type: 's3', bucket: 'lifeboat-prod-restore-assets-failover', prefix: '' } as const;
        await expect(
          prepareFailoverTargets([{ source, target: failoverTarget }], false, { s3, dynamodb, directory: (p) => p, region: 'us-west-2', restoreTargetPrefix: 'lifeboat-prod-restore-' }),
        ).rejects.toMatchObject({
          name: 'InvalidInputError',
          message:
            'Invalid failover input: targetSuffix: the failover target of source "assets", bucket lifeboat-prod-restore-assets-failover, exists in us-east-1, not in us-west-2 where the failover restores; choose another "targetSuffix"',
          cause: { name: 'RestoreTargetNotAllowedError', bucketRegion: 'us-east-1', runbookRegion: 'us-west-2' },
        });
        expect(requests).toEqual([`HEAD /${failoverTarget.bucket}/`]);
      });
    } finally {
      dynamodb.destroy();
    }
  });
});

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
