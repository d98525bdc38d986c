/**
 * How much of a bucket one S3 shard covers: a shard's range closes at the key where either the
 * keys or the bytes listed since the previous boundary reach these. docs/SCALE.md derives the
 * defaults from the bench's measured per-shard throughput: a shard is about a minute of one
 * snapshot-shard Lambda's work, far inside its 15-minute limit, and large enough that its fixed
 * start-up (vault open, index load) stays a small share of it.
 */
export type S3ShardSize = { keys: number; bytes: number };

/**
 * Objects: a shard reads each object's body and tags with 8 objects in flight; at 15–30 ms per
 * request on S3 that is 250–500 small objects a second, so 20,000 keys are 40–80 s.
 */
export const DEFAULT_KEYS_PER_S3_SHARD = 20_000;

/**
 * Bytes: the bench's S3 section backs up 50–53 MB/s with 4 shards sharing 2 cores (12.5 MB/s a
 * shard, about 25 MB/s per core); snapshot-shard has 2,048 MB (more than one vCPU), so 1 GiB is
 * 40–80 s of one shard.
 */
export const DEFAULT_BYTES_PER_S3_SHARD = 1024 * 1024 * 1024;

export const DEFAULT_S3_SHARD_SIZE: S3ShardSize = { keys: DEFAULT_KEYS_PER_S3_SHARD, bytes: DEFAULT_BYTES_PER_S3_SHARD };
