/**
 * The methods of s3rver's FilesystemStore that every request calls (the bucket's existence, its
 * CORS and website configuration), as far as this module relies on them.
 */
type BucketStore = {
  getBucket(bucket: string): Promise<unknown>;
  putBucket(bucket: string): Promise<unknown>;
  deleteBucket(bucket: string): Promise<unknown>;
  reset(): void;
  getSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
  putSubresource(bucket: string, key: string | undefined, resource: { type: string }): Promise<unknown>;
  deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
};

/**
 * Keeps s3rver's per-request bucket lookups in memory. Each S3 request makes s3rver stat the
 * bucket's directory and read two bucket configuration files from disk (CORS and website, absent
 * in practice), which cost the local cloud more than the object operations themselves in our
 * workflows. The local cloud process is the only writer of its data directory (cloud-state.ts
 * refuses a second one), so a lookup stays valid until this same store changes it: every bucket
 * create/delete and every bucket-level configuration write goes through the methods wrapped here,
 * which drop the cached answer. Object-level subresources (tagging) are not cached.
 */
export function cacheBucketLookups(store: BucketStore): void {
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
  store.putBucket = async (bucket) => {
    forgetBucket(bucket);
    try {
      return await putBucket(bucket);
    } finally {
      forgetBucket(bucket);
    }
  };
  store.deleteBucket = async (bucket) => {
    forgetBucket(bucket);
    try {
      return await deleteBucket(bucket);
    } finally {
      forgetBucket(bucket);
    }
  };
  store.reset = () => {
    buckets.clear();
    configs.clear();
    reset();
  };
  store.getSubresource = (bucket, key, type) => {
    if (key !== undefined || typeof bucket !== 'string') return getSubresource(bucket, key, type);
    return remember(configs, configKey(bucket, type), () => getSubresource(bucket, key, type));
  };
  store.putSubresource = async (bucket, key, resource) => {
    if (key === undefined) configs.delete(configKey(bucket, resource.type));
    try {
      return await putSubresource(bucket, key, resource);
    } finally {
      if (key === undefined) configs.delete(configKey(bucket, resource.type));
    }
  };
  store.deleteSubresource = async (bucket, key, type) => {
    if (key === undefined) configs.delete(configKey(bucket, type));
    try {
      return await deleteSubresource(bucket, key, type);
    } finally {
      if (key === undefined) configs.delete(configKey(bucket, type));
    }
  };
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
