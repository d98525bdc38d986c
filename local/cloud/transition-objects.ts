import { type S3Client } from '@aws-sdk/client-s3';
import { listObjectPages } from '../../lambdas/sources/url-encoded-listing';
import { dataDirLayout } from './cloud-state';
import { type EMULATED_STORAGE_CLASSES, StorageClassState } from './storage-class-state';

export type TransitionObjectsOptions = {
  /** The local cloud's data directory. */
  readonly dataDir: string;
  readonly region: string;
  /** A client of that region's local S3 (localS3Client). */
  readonly s3: S3Client;
  readonly bucket: string;
  /** Every object whose key starts with it ('' for all). */
  readonly prefix: string;
  readonly storageClass: (typeof EMULATED_STORAGE_CLASSES)[number];
};

/**
 * Moves objects of a local bucket to a storage class now, as an S3 lifecycle transition would once its days
 * have passed (the local cloud runs no lifecycle rules: docs/LOCAL-CLOUD.md, "Storage classes and thaws"). A
 * thawed copy is dropped, as a new transition leaves none. Works on a running cloud (its S3 reads the records
 * on each request) and on a stopped one. Returns the keys moved.
 */
export async function transitionObjects(options: TransitionObjectsOptions): Promise<string[]> {
  const state = new StorageClassState(dataDirLayout(options.dataDir).s3StorageClassDir(options.region));
  const moved: string[] = [];
  for await (const page of listObjectPages(options.s3, { Bucket: options.bucket, Prefix: options.prefix })) {
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      await state.setObject(options.bucket, object.Key, { storageClass: options.storageClass });
      moved.push(object.Key);
    }
  }
  return moved;
}
