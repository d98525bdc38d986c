import type S3rver from 's3rver';
import { readRecordFile, writeRecordFile } from './json-state-files';
import { requestHeader } from './request-reads';

/**
 * Which account owns each bucket of a region's local S3, for `x-amz-expected-bucket-owner`
 * (ExpectedBucketOwner). s3rver has one implicit owner; here every bucket belongs to the cloud's
 * account (the environment's: openLocalEnvironment and `local up` pass it) unless it was created
 * with the header below, which only the local cloud knows: that is how tests make the bucket "another
 * account" holds (a squatted source name, a restore target someone else created). Kept in
 * `<data-dir>/s3/<region>-bucket-owners.json`, next to (not inside) s3rver's directory, which would
 * take a file there for a bucket.
 */
export const LOCAL_BUCKET_OWNER_HEADER = 'x-lifeboat-local-owner-account';

export class BucketOwners {
  private readonly owners: Map<string, string>;

  constructor(
    private readonly file: string,
    readonly defaultAccount: string,
  ) {
    this.owners = new Map(Object.entries(readRecordFile(file, (v): v is string => typeof v === 'string')));
  }

  ownerOf(bucket: string): string {
    return this.owners.get(bucket) ?? this.defaultAccount;
  }

  /** Records who created `bucket`; the default account is not recorded (a re-created bucket forgets a foreign owner). */
  created(bucket: string, account: string | undefined): void {
    if (account === undefined || account === this.defaultAccount) this.owners.delete(bucket);
    else this.owners.set(bucket, account);
    this.save();
  }

  deleted(bucket: string): void {
    if (this.owners.delete(bucket)) this.save();
  }

  private save(): void {
    writeRecordFile(this.file, this.owners);
  }
}



/**
 * S3's ExpectedBucketOwner check, in front of s3rver (which ignores the header): a request naming an
 * existing bucket with `x-amz-expected-bucket-owner` other than the bucket's owner gets 403
 * AccessDenied, as S3 answers it, and reaches neither the bucket nor its objects. A bucket that does
 * not exist is left to s3rver (404 NoSuchBucket, as S3). CreateBucket takes no such header; it records
 * the owner (LOCAL_BUCKET_OWNER_HEADER, else the cloud's account), and DeleteBucket forgets it.
 */
export function expectedBucketOwnerMiddleware(store: S3rver.Store, owners: BucketOwners): S3rver.Middleware {
  return async (ctx, next) => {
    const path = ctx.path.slice(1);
    const bucket = path.split('/')[0] ?? '';
    if (bucket === '') return next();
    const bucketOnly = !path.slice(bucket.length).replace(/^\/+/, '');
    const subresources = [...new URLSearchParams(ctx.querystring).keys()];
    const createBucket = ctx.method === 'PUT' && bucketOnly && subresources.length === 0;
    const deleteBucket = ctx.method === 'DELETE' && bucketOnly && subresources.length === 0;
    const expected = requestHeader(ctx.headers, 'x-amz-expected-bucket-owner');
    if (expected !== undefined && !createBucket && (await store.getBucket(bucket)) && owners.ownerOf(bucket) !== expected) {
      ctx.req.resume();
      ctx.status = 403;
      if (ctx.method !== 'HEAD') {
        ctx.type = 'application/xml';
        ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
      }
      return;
    }
    await next();
    if (createBucket && ctx.status === 200) owners.created(bucket, requestHeader(ctx.headers, LOCAL_BUCKET_OWNER_HEADER));
    if (deleteBucket && ctx.status === 204) owners.deleted(bucket);
  };
}
