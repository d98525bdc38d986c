/**
 * Object keys of the vault (docs/FORMAT.md §1). Every id is 64 lowercase hex characters.
 * Packs are spread over 256 `data/<2 hex>/` folders so that no directory (or S3 prefix) grows huge.
 */
export const CONFIG_KEY = 'config';
export const KEYS_PREFIX = 'keys/';
export const DATA_PREFIX = 'data/';
export const INDEX_PREFIX = 'index/';
export const MANIFEST_PREFIX = 'manifest/';
export const SNAPSHOTS_PREFIX = 'snapshots/';
/** Prune's state (docs/FORMAT.md "Prune"): condemnation batches and the grace every backup is held to. */
export const CONDEMNED_PREFIX = 'prune/condemned/';
export const PRUNE_POLICY_KEY = 'prune/policy';
/** The leases of running prunes (vault/prune/prune-lease.ts): one prune of a vault at a time. */
export const PRUNE_LEASE_PREFIX = 'prune/running/';

const HEX_ID = /^[0-9a-f]{64}$/;

export function isHexId(s: string): boolean {
  return HEX_ID.test(s);
}

export const packKey = (packId: string): string => `${DATA_PREFIX}${packId.slice(0, 2)}/${packId}`;
export const indexKey = (id: string): string => `${INDEX_PREFIX}${id}`;
export const manifestKey = (id: string): string => `${MANIFEST_PREFIX}${id}`;
export const snapshotKey = (id: string): string => `${SNAPSHOTS_PREFIX}${id}`;
export const condemnedKey = (id: string): string => `${CONDEMNED_PREFIX}${id}`;
export const pruneLeaseKey = (id: string): string => `${PRUNE_LEASE_PREFIX}${id}`;
export const keyObjectKey = (id: string): string => `${KEYS_PREFIX}${id}`;

/** The id at the end of a listed key when it has the expected shape, else null (foreign files are ignored). */
export function idFromKey(prefix: string, key: string): string | null {
  if (!key.startsWith(prefix)) return null;
  const id = key.slice(key.lastIndexOf('/') + 1);
  if (!isHexId(id)) return null;
  if (prefix === DATA_PREFIX && key !== packKey(id)) return null;
  if (prefix !== DATA_PREFIX && key !== prefix + id) return null;
  return id;
}

/**
 * A key whose name is the hash of its content (packs, indexes, manifest objects, snapshots, key
 * objects): writing it again writes the same bytes. `config` and the workflow's `plans/`, `parts/` are not.
 */
export function isContentAddressedKey(key: string): boolean {
  return [DATA_PREFIX, INDEX_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX, KEYS_PREFIX].some((prefix) => idFromKey(prefix, key) !== null);
}
