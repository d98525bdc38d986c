import type S3rver from 's3rver';
import { cacheBucketLookups } from '../../../../local/cloud/cached-bucket-lookups';

/** s3rver's store as far as the cache touches it, counting the lookups that reach "the disk". */
function countingStore(): { store: S3rver.Store; reads: string[]; buckets: Set<string>; configs: Map<string, string> } {
  const reads: string[] = [];
  const buckets = new Set<string>();
  const configs = new Map<string, string>();
  const store: S3rver.Store = {
    existsObject: () => Promise.resolve(false),
    getBucket: (bucket) => {
      reads.push(`bucket ${bucket}`);
      return Promise.resolve(buckets.has(bucket) ? { name: bucket } : null);
    },
    putBucket: (bucket) => Promise.resolve(buckets.add(bucket)),
    deleteBucket: (bucket) => Promise.resolve(buckets.delete(bucket)),
    reset: () => buckets.clear(),
    getSubresource: (bucket, key, type) => {
      reads.push(`${type} ${bucket}/${key ?? ''}`);
      return Promise.resolve(configs.get(`${bucket}/${key ?? ''}/${type}`) ?? null);
    },
    putSubresource: (bucket, key, resource) => Promise.resolve(configs.set(`${bucket}/${key ?? ''}/${resource.type}`, 'set')),
    deleteSubresource: (bucket, key, type) => Promise.resolve(configs.delete(`${bucket}/${key ?? ''}/${type}`)),
  };
  return { store, reads, buckets, configs };
}

it('answers repeated bucket and bucket-configuration lookups from memory, and forgets them when the store changes them', async () => {
  const { store, reads } = countingStore();
  cacheBucketLookups(store);
  expect(await store.getBucket('b')).toBeNull();
  expect(await store.getBucket('b')).toBeNull();
  await store.putBucket('b');
  expect(await store.getBucket('b')).toEqual({ name: 'b' });
  expect(await store.getBucket('b')).toEqual({ name: 'b' });
  expect(await store.getSubresource('b', undefined, 'cors')).toBeNull();
  expect(await store.getSubresource('b', undefined, 'cors')).toBeNull();
  await store.putSubresource('b', undefined, { type: 'cors' });
  expect(await store.getSubresource('b', undefined, 'cors')).toBe('set');
  await store.deleteBucket('b');
  expect(await store.getBucket('b')).toBeNull();
  expect(await store.getSubresource('b', undefined, 'cors')).toBe('set');
  // Object-level subresources (tagging) are read every time.
  await store.getSubresource('b', 'k', 'tagging');
  await store.getSubresource('b', 'k', 'tagging');
  expect(reads).toEqual(['bucket b', 'bucket b', 'cors b/', 'cors b/', 'bucket b', 'cors b/', 'tagging b/k', 'tagging b/k']);
});
