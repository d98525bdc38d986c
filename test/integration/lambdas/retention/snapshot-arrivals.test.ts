import { snapshotArrivals } from '../../../../lambdas/retention/snapshot-arrivals';
import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { useLocalS3Bucket } from '../../../support/local-s3-bucket';

/** When each snapshot reached a vault, from the S3 listing's LastModified; a store whose listing has no such time gives none. */
const BUCKET = 'snapshot-arrivals';
const s3 = useLocalS3Bucket(BUCKET, 'snapshot-arrivals', 'us-east-1');

it('maps every snapshot of an S3 vault to the time S3 stamped it, and nothing else', async () => {
  const store = new S3VaultStore({ client: s3().client, bucket: BUCKET });
  const before = Date.now();
  for (const id of ['aa'.repeat(32), 'bb'.repeat(32)]) await store.put(`snapshots/${id}`, Buffer.from(id));
  await store.put('config', Buffer.from('{}'));
  const arrivals = await snapshotArrivals(store);
  expect([...arrivals.keys()].sort()).toEqual(['aa'.repeat(32), 'bb'.repeat(32)]);
  // S3 stamps whole seconds: a second's slack each side.
  for (const at of arrivals.values()) {
    expect(at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  }
});

it('gives no arrivals for a store whose listing carries no time (forget then decides by the claimed starts)', async () => {
  const store = new MemoryVaultStore('arrivals');
  await store.put(`snapshots/${'cc'.repeat(32)}`, Buffer.from('c'));
  expect((await snapshotArrivals(store)).size).toBe(0);
});
