import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { idFromKey, SNAPSHOTS_PREFIX } from '../../vault';

/** Snapshot id → when its object reached the vault. */
export type SnapshotArrivals = ReadonlyMap<string, Date>;

/**
 * When each snapshot object of a vault bucket was written: S3's LastModified, which S3 sets and no
 * writer can choose. Forget counts a backup from it when its record claims a much earlier start
 * (forget-backups.ts, "arrival"). One listing of `snapshots/`: a vault holds a few thousand
 * snapshots, not millions.
 */
export async function snapshotArrivals(s3: S3Client, bucket: string): Promise<SnapshotArrivals> {
  const arrivals = new Map<string, Date>();
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: SNAPSHOTS_PREFIX })) {
    for (const object of page.Contents ?? []) {
      const id = object.Key !== undefined ? idFromKey(SNAPSHOTS_PREFIX, object.Key) : null;
      if (id !== null && object.LastModified !== undefined) arrivals.set(id, object.LastModified);
    }
  }
  return arrivals;
}
