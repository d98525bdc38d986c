import type S3rver from 's3rver';

/**
 * Keeps s3rver's per-request bucket lookups in memory. Each S3 request makes s3rver stat the
 * bucket's directory and read two bucket configuration files from disk (CORS and website, absent
 * in practice), which cost the local cloud more than the object operations themselves in our
 * workflows. The local cloud process is the only writer of its data directory (cloud-state.ts
 * refuses a second one), so a lookup stays valid until this same store changes it: every bucket
 * create/delete and every bucket-level configuration write goes through the methods wrapped here,
 * which drop the cached answer. Object-level subresources (tagging) are not cached.
 */
export function cacheBucketLookups(store: S3rver.Store): void {
  const buckets = new Map<string, Promise<unknown>>();
  const configs = new Map<string, Promise<unknown>>();
  const configKey = (bucket: string, type: string): string => `${bucket}\u0000${type}`;
  const forgetBucket = (bucket: string): void => {
    buckets.delete(bucket);
    for (const key of [...configs.keys()]) if (key.startsWith(`${bucket}\u0000`)) configs.delete(key);
  };

  const getBucket = store.getBucket.bind(store);
  const putBucket = store.putBucket.bind(store);
  const deleteBucket = store.deleteBucket.bind(store);
  const reset = store.reset.bind(store);
  const getSubresource = store.getSubresource.bind(store);
  const putSubresource = store.putSubresource.bind(store);
  const deleteSubresource = store.deleteSubresource.bind(store);

  store.getBucket = (bucket) => remember(buckets, bucket, () => getBucket(bucket));
  // A bucket's cached answers are dropped before and after it is created or deleted: a lookup racing the change cannot keep a stale one.
  const changingBucket =
    (change: (bucket: string) => Promise<unknown>) =>
    async (bucket: string): Promise<unknown> => {
      forgetBucket(bucket);
      try {
        return await change(bucket);
      } finally {
        forgetBucket(bucket);
      }
    };
  store.putBucket = changingBucket(putBucket);
  store.deleteBucket = changingBucket(deleteBucket);
  store.reset = () => {
    buckets.clear();
    configs.clear();
    reset();
  };
  store.getSubresource = (bucket, key, type) => {
    if (key !== undefined || typeof bucket !== 'string') return getSubresource(bucket, key, type);
    return remember(configs, configKey(bucket, type), () => getSubresource(bucket, key, type));
  };
  const changingConfig =
    (bucket: string, key: string | undefined, type: string, change: () => Promise<unknown>) =>
    async (): Promise<unknown> => {
      if (key === undefined) configs.delete(configKey(bucket, type));
      try {
        return await change();
      } finally {
        if (key === undefined) configs.delete(configKey(bucket, type));
      }
    };
  store.putSubresource = (bucket, key, resource) => changingConfig(bucket, key, resource.type, () => putSubresource(bucket, key, resource))();
  store.deleteSubresource = (bucket, key, type) => changingConfig(bucket, key, type, () => deleteSubresource(bucket, key, type))();
}

/** The cached answer for `key`, or a fresh lookup (a failed one is not kept). */
function remember(cache: Map<string, Promise<unknown>>, key: string, lookup: () => Promise<unknown>): Promise<unknown> {
  let answer = cache.get(key);
  if (!answer) {
    answer = lookup();
    cache.set(key, answer);
    answer.catch(() => cache.delete(key));
  }
  return answer;
}
