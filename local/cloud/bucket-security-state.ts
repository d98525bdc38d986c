import { isObjectRecord, readRecordFile, writeRecordFile } from './json-state-files';

/**
 * What the local cloud's S3 remembers of a bucket's default encryption and Block Public Access, which
 * s3rver lacks. A bucket created through the local S3 starts as a new bucket does in AWS since April
 * 2023: SSE-S3 by default and Block Public Access with all four settings on. A bucket without a
 * record (made before this existed) has SSE-S3 and no block. Kept per region in
 * `<data-dir>/s3/<region>-bucket-security.json`, beside (not inside) s3rver's directory.
 */
export type BucketDefaultEncryption = { readonly sseAlgorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse'; readonly kmsMasterKeyId?: string; readonly bucketKeyEnabled: boolean };

export type PublicAccessBlock = {
  readonly BlockPublicAcls: boolean;
  readonly IgnorePublicAcls: boolean;
  readonly BlockPublicPolicy: boolean;
  readonly RestrictPublicBuckets: boolean;
};

export type BucketSecurity = { readonly encryption?: BucketDefaultEncryption; readonly publicAccessBlock?: PublicAccessBlock };

/** S3's default encryption of every bucket since January 2023 (and what DeleteBucketEncryption returns a bucket to). */
export const SSE_S3_DEFAULT: BucketDefaultEncryption = { sseAlgorithm: 'AES256', bucketKeyEnabled: false };

/** What a new bucket gets since April 2023. */
export const NEW_BUCKET_SECURITY: BucketSecurity = {
  encryption: SSE_S3_DEFAULT,
  publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
};

export class BucketSecurityState {
  private readonly buckets: Map<string, BucketSecurity>;

  constructor(private readonly file: string) {
    this.buckets = new Map(Object.entries(readRecordFile<BucketSecurity>(file, isObjectRecord)));
  }

  of(bucket: string): BucketSecurity {
    return this.buckets.get(bucket) ?? {};
  }

  update(bucket: string, change: (current: BucketSecurity) => BucketSecurity): void {
    this.buckets.set(bucket, change(this.of(bucket)));
    this.save();
  }

  forget(bucket: string): void {
    if (this.buckets.delete(bucket)) this.save();
  }

  private save(): void {
    writeRecordFile(this.file, this.buckets);
  }
}
