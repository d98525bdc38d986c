import { type LifecycleRule, PutBucketLifecycleConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { bucketLifecycleRules } from '../restore/bucket-lifecycle-rules';
import { ScratchBucketCallRefusedError } from './scratch-bucket-call-refused-error';
import { isUnsupportedS3Call } from './unsupported-s3-call';

/**
 * The lifecycle rules the drill's cleanup puts on a scratch bucket before it empties it (docs/RUNBOOKS.md, "Drill").
 *
 * A scratch bucket holds a full restored copy of a source: millions of objects take longer to delete than the cleanup's
 * 15 minutes. Cut by its deadline, the cleanup leaves the bucket sealed (scratch-bucket-seal.ts) with these rules, and
 * S3 deletes what is left at no request cost: current versions a day after they were written (on a versioned bucket
 * that makes them noncurrent), noncurrent versions a day after, then the delete markers left alone. S3 runs the rules
 * about once a day, so the bucket is empty within about two days, and a later drill's sweep deletes the empty bucket in
 * a few calls. Put at cleanup, never when the bucket is made: a drill may run for days (waves, thaws), and its
 * restored objects must not expire under its verification.
 */

/** The days after which the rules expire a scratch bucket's object versions: the least S3 accepts. */
export const SCRATCH_EXPIRY_DAYS = 1;

/** The rules' ids, as GetBucketLifecycleConfiguration shows them. */
export const SCRATCH_EXPIRY_RULE = 'lifeboat-drill-cleanup-expires-versions';
export const SCRATCH_DELETE_MARKER_RULE = 'lifeboat-drill-cleanup-expires-delete-markers';

const expiryRules: LifecycleRule[] = [
  {
    ID: SCRATCH_EXPIRY_RULE,
    Status: 'Enabled',
    Filter: { Prefix: '' },
    Expiration: { Days: SCRATCH_EXPIRY_DAYS },
    NoncurrentVersionExpiration: { NoncurrentDays: SCRATCH_EXPIRY_DAYS },
  },
  // A rule of its own: S3 refuses ExpiredObjectDeleteMarker beside Days in one Expiration.
  { ID: SCRATCH_DELETE_MARKER_RULE, Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { ExpiredObjectDeleteMarker: true } },
];


/**
 * Adds the expiry rules to `bucket`'s lifecycle configuration, keeping its other rules (the abort-incomplete-uploads
 * rule every scratch bucket gets when it is made: lambdas/restore/target-upload-lifecycle.ts). Resolves false where
 * the endpoint has no lifecycle configuration (501, 405): the cleanup then empties the bucket by itself or leaves it to
 * the next sweep, as it did before the rules. Any other refusal (AccessDenied from an SCP, a rule S3 rejects) is
 * thrown as a ScratchBucketCallRefusedError naming the refused action; the rules are best effort, and the cleanup
 * empties and deletes the bucket without them.
 */
export async function expireScratchBucket(s3: S3Client, bucket: string): Promise<boolean> {
  let rules: LifecycleRule[];
  try {
    rules = await bucketLifecycleRules(s3, bucket);
  } catch (err) {
    if (isUnsupportedS3Call(err)) return false;
    throw new ScratchBucketCallRefusedError(bucket, 's3:GetLifecycleConfiguration', err);
  }
  const ours = new Set([SCRATCH_EXPIRY_RULE, SCRATCH_DELETE_MARKER_RULE]);
  // A retried or later cleanup finds them already there: one Get, no Put.
  if (rules.filter((r) => r.ID !== undefined && ours.has(r.ID) && r.Status === 'Enabled').length === ours.size) return true;
  const kept = rules.filter((r) => r.ID === undefined || !ours.has(r.ID));
  try {
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [...kept, ...expiryRules] } }));
  } catch (err) {
    if (isUnsupportedS3Call(err)) return false;
    throw new ScratchBucketCallRefusedError(bucket, 's3:PutLifecycleConfiguration', err);
  }
  return true;
}
