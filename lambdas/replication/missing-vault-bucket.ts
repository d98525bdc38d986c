import { SNAPSHOTS_PREFIX, VaultObjectNotFoundError, type VaultStore } from '../../vault';
import { VaultBucketMissingError } from './replication-errors';

/** The two stores of a replication pass, with the regions of their buckets (named in the error; absent: not named). */
export type ReplicationStores = {
  readonly source: VaultStore;
  readonly target: VaultStore;
  readonly regions?: { readonly source?: string; readonly target?: string };
};

/** S3's error for a request to a bucket that does not exist (ListObjectsV2, GetObject, PutObject; a HEAD has no body: a bare 404). */
function isNoSuchBucket(err: unknown): boolean {
  return err instanceof Error && err.name === 'NoSuchBucket';
}

/**
 * The VaultBucketMissingError that `err`, which ended a replication pass, stands for, or undefined. S3 answers a missing
 * bucket with NoSuchBucket, naming no bucket, and a GET of one with a 404 the store reports as a missing object
 * (VaultObjectNotFoundError); neither says which of the two vaults it was. So, only for those two errors, each store is
 * listed once (the DR vault's first, the likelier: a DR stack not deployed yet or deleted) and the one whose listing
 * answers NoSuchBucket is named. A listing that fails otherwise (no access, the region down) proves nothing: `err` stands.
 */
export async function missingVaultBucket(err: unknown, stores: ReplicationStores): Promise<VaultBucketMissingError | undefined> {
  if (!isNoSuchBucket(err) && !(err instanceof VaultObjectNotFoundError)) return undefined;
  if (await bucketMissing(stores.target)) return new VaultBucketMissingError('dr', stores.target.location, stores.regions?.target, { cause: err });
  if (await bucketMissing(stores.source)) return new VaultBucketMissingError('primary', stores.source.location, stores.regions?.source, { cause: err });
  return undefined;
}

/** Whether listing `store` answers NoSuchBucket; one page is asked for, whatever the vault holds. */
async function bucketMissing(store: VaultStore): Promise<boolean> {
  const keys = store.list(SNAPSHOTS_PREFIX)[Symbol.asyncIterator]();
  try {
    await keys.next();
    await keys.return?.();
    return false;
  } catch (err) {
    return isNoSuchBucket(err);
  }
}
