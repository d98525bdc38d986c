import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { classifyError } from '../../../../lambdas/runtime/errors';
import { withRegionRedirectingS3 } from '../../../support/region-redirecting-s3';

/**
 * S3's region redirect reaching any step of a function (audit f3: a restore shard's write, a failover's or drill's
 * bucket calls), not only the restore's target check: classifyError names it by the bucket's region instead of
 * passing on the SDK's "Unknown: UnknownError".
 */
async function failureOf(send: (s3: Parameters<Parameters<typeof withRegionRedirectingS3>[1]>[0]) => Promise<unknown>, bucketRegion: string | undefined): Promise<unknown> {
  return withRegionRedirectingS3({ bucketRegion, clientRegion: 'us-west-2' }, (s3) =>
    send(s3).then(
      () => undefined,
      (err: unknown) => err,
    ),
  );
}

describe("S3's region redirect, as a function's step throws it", () => {
  it('from a HEAD (no body, the SDK\'s "Unknown: UnknownError") is a permanent BucketInOtherRegionError naming the region', async () => {
    const sdkError = await failureOf((s3) => s3.send(new HeadObjectCommand({ Bucket: 'restored-assets', Key: 'big.bin' })), 'eu-west-1');
    expect(sdkError).toMatchObject({ name: 'Unknown', message: 'UnknownError' });
    const classified = classifyError(sdkError);
    expect(classified).toMatchObject({ name: 'BucketInOtherRegionError', bucketRegion: 'eu-west-1', cause: sdkError });
    // No runbook of eu-west-1 is named: the step may be one no runbook of another region runs (a backup shard), and
    // eu-west-1 may be neither of the environment's regions.
    expect((classified as Error).message).toBe(
      "S3 redirected a request (HTTP 301): its bucket is in eu-west-1, not in the region of the client that sent it (a function's clients follow no redirect); " +
        "use a bucket of the step's region (a restore target: of the restore runbook's region)",
    );
  });

  it("from a write (S3's PermanentRedirect body) is the same error; without the header it says S3 did not name the region", async () => {
    const sdkError = await failureOf((s3) => s3.send(new PutObjectCommand({ Bucket: 'restored-assets', Key: 'a.txt', Body: 'a' })), undefined);
    expect(sdkError).toMatchObject({ name: 'PermanentRedirect' });
    const classified = classifyError(sdkError);
    expect(classified).toMatchObject({ name: 'BucketInOtherRegionError', bucketRegion: undefined });
    expect((classified as Error).message).toMatch(/^S3 redirected a request \(HTTP 301\): its bucket is in another region \(S3 did not say which\), /);
  });
});
