import { type VaultStore } from '../backend/vault-store';
import { type Vault } from '../repository/vault';
import { CONFIG_KEY, DATA_PREFIX, INDEX_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX } from '../repository/vault-layout';
import { VaultCorruptionError, VaultObjectArchivedError, VaultObjectNotFoundError } from '../vault-errors';
import { mapBounded } from '../workers/bounded-concurrency';
import { type BlobCheck } from '../workers/codec-messages';
import { checkVaultObject, isScrubbedObjectKey } from './object-check';

/**
 * What reading one object found: it verified, it is damaged, it vanished after the listing, or it is in an archive
 * storage class and was not read (a GET needs a thaw first: docs/ARCHITECTURE.md, "Storage tiers"; not damage), with
 * that class when the store names it.
 */
export type ScrubObjectResult = { readonly key: string; readonly state: 'ok' | 'corrupt' | 'missing' | 'archived'; readonly message?: string; readonly storageClass?: string };

/**
 * Every object a scrub covers in a store, sorted: `config` and the well-formed keys under data/,
 * index/, manifest/ and snapshots/ (key objects are each vault's own; working objects such as
 * plans/ and parts/ are not the vault's).
 */
export async function listScrubbedObjects(store: VaultStore): Promise<string[]> {
  const keys: string[] = [];
  if (await store.has(CONFIG_KEY)) keys.push(CONFIG_KEY);
  for (const prefix of [DATA_PREFIX, INDEX_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX]) {
    for await (const key of store.list(prefix)) if (isScrubbedObjectKey(key)) keys.push(key);
  }
  return keys.sort();
}

/**
 * Reads and verifies `keys` of one vault (checkVaultObject), a few at a time (packs are read whole,
 * ~16 MiB each). A pack's blobs are authenticated (`check`, default 'authenticate': every blob's GCM
 * tag, whose additional data is the blob's id), which finds any change to the stored bytes; 'rehash'
 * also decompresses each blob and recomputes its id, as `lifeboat vault verify --read-data` does
 * (docs/ARCHITECTURE.md, "Scrub and self-heal": what each proves). Damage is a result, not an error;
 * anything else (no access, the store is down) is thrown.
 */
export async function scrubObjects(vault: Vault, keys: readonly string[], options: { readonly concurrency?: number; readonly check?: BlobCheck } = {}): Promise<ScrubObjectResult[]> {
  const check = options.check ?? 'authenticate';
  const results = await mapBounded(keys, options.concurrency ?? 3, async (key): Promise<ScrubObjectResult> => {
    try {
      await checkVaultObject(vault, key, { check });
      return { key, state: 'ok' };
    } catch (err) {
      if (err instanceof VaultCorruptionError) return { key, state: 'corrupt', message: err.message };
      if (err instanceof VaultObjectNotFoundError) return { key, state: 'missing', message: err.message };
      if (err instanceof VaultObjectArchivedError) return { key, state: 'archived', message: err.message, ...(err.storageClass !== undefined ? { storageClass: err.storageClass } : {}) };
      throw err;
    }
  });
  return results;
}
