import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { checkTargetState } from '../../../../lambdas/restore/restore-target-state';
import { prepareFailoverTargets } from '../../../../lambdas/failover/failover-targets';
import { withRegionRedirectingS3 } from '../../../support/region-redirecting-s3';

/**
 * A restore target bucket of another region than the runbook's (audit f3): S3 answers the restore's HeadBucket
 * with 301 and no body, only `x-amz-bucket-region`, which the SDK names `Unknown: UnknownError`; that was the
 * restore's failure ("Restore FAILED: Unknown: UnknownError").
 */
const TARGET = { type: 's3', bucket: 'restored-assets', prefix: '' } as const;

async function checkedAgainst(options: Parameters<typeof withRegionRedirectingS3>[0]): Promise<{ error: unknown; requests: readonly string[] }> {
  const dynamodb = new DynamoDBClient({ region: options.clientRegion });
  try {
    return await withRegionRedirectingS3(options, async (s3, requests) => ({
      error: await checkTargetState(TARGET, false, { s3, dynamodb, directory: (p) => p }).then(
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
  it("is refused naming the bucket, its region, the runbook's region and the runbook to run instead, after one HeadBucket", async () => {
    const { error, requests } = await checkedAgainst({ bucketRegion: 'eu-west-1', clientRegion: 'us-west-2' });
    expect(requests).toEqual(['HEAD /restored-assets/']);
    expect(error).toMatchObject({ name: 'RestoreTargetNotAllowedError', bucket: 'restored-assets', bucketRegion: 'eu-west-1', runbookRegion: 'us-west-2' });
    expect((error as Error).message).toBe(
      'Invalid restore request: target.bucket: bucket restored-assets is in eu-west-1, but this restore runbook runs in us-west-2 and writes only buckets of its own region ' +
        '(S3 redirected its HeadBucket there); restore into a bucket of us-west-2, or start the restore runbook of eu-west-1 instead: ' +
        "the primary region's is `lifeboat restore` without --from dr (--region primary --from dr to read the DR vault), the DR region's `lifeboat restore --from dr`",
    );
  });

  it('whose region S3 does not name is still refused as in another region, not as "Unknown: UnknownError"', async () => {
    const { error } = await checkedAgainst({ bucketRegion: undefined, clientRegion: 'us-west-2' });
    expect(error).toMatchObject({ name: 'RestoreTargetNotAllowedError', bucket: 'restored-assets', bucketRegion: undefined, runbookRegion: 'us-west-2' });
    expect((error as Error).message).toMatch(
      /^Invalid restore request: target\.bucket: bucket restored-assets is in another region than us-west-2 \(S3 redirected its HeadBucket without saying which\), .*; restore into a bucket of us-west-2, or start the restore runbook of the bucket's region instead: /,
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
