import { type VaultStore } from '../backend/vault-store';
import { getSealedObject } from '../crypto/sealed-object';
import { type Vault } from '../repository/vault';
import { CONFIG_KEY, DATA_PREFIX, idFromKey, INDEX_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX } from '../repository/vault-layout';
import { VaultCorruptionError, VaultObjectArchivedError, VaultObjectNotFoundError } from '../vault-errors';
import { mapBounded } from '../workers/bounded-concurrency';
import { type BlobCheck } from '../workers/codec-messages';
import { checkVaultObject, isScrubbedObjectKey } from './object-check';
import { packsLackedBy } from './index-packs-lacked';

/**
 * What reading one object found: it verified, it is damaged, it vanished after the listing, or it is in an archive
 * storage class and was not read (a GET needs a thaw first: docs/ARCHITECTURE.md, "Storage tiers"; not damage), with
 * that class when the store names it.
 */
export type ScrubObjectResult = {
  readonly key: string;
  readonly state: 'ok' | 'corrupt' | 'missing' | 'archived';
  readonly message?: string;
  readonly storageClass?: string;
  /** Of an index object that verified, read in a vault with `lacksPack`: the packs (hex ids) it lists that the vault said it lacks. Absent when none. */
  readonly packsLacked?: readonly string[];
};

/** How many keys a listing may hold, and the error it throws at the first key past that. */
export type ScrubListingLimit = { readonly keys: number; tooMany(listed: number): Error };

/**
 * Every object a scrub covers in a store, sorted: `config` and the well-formed keys under data/,
 * index/, manifest/ and snapshots/ (key objects are each vault's own; working objects such as
 * plans/ and parts/ are not the vault's). With a `limit`, it throws `limit.tooMany` as soon as it holds more
 * keys than `limit.keys`: a caller whose memory bounds its listings fails with a message instead of being killed.
 */
export async function listScrubbedObjects(store: VaultStore, limit?: ScrubListingLimit): Promise<string[]> {
  const keys: string[] = [];
  const add = (key: string): void => {
    keys.push(key);
    if (limit !== undefined && keys.length > limit.keys) throw limit.tooMany(keys.length);
  };
  if (await store.has(CONFIG_KEY)) add(CONFIG_KEY);
  for (const prefix of [DATA_PREFIX, INDEX_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX]) {
    for await (const key of store.list(prefix)) if (isScrubbedObjectKey(key)) add(key);
  }
  return keys.sort();
}

/** How a scrub reads: `check` is how a pack's blobs are checked; `deadline` (epoch ms, by `now`) is when it starts no read. */
export type ScrubReadOptions = {
  /** Keys read at once (each in every vault that holds it). @default 3 (packs are read whole, ~16 MiB) */
  readonly concurrency?: number;
  readonly check?: BlobCheck;
  /** No key is started at or after it; absent: every key is read. */
  readonly deadline?: number;
  /** The deadline's clock. @default Date.now */
  readonly now?: () => number;
};

/**
 * One vault a scrub reads in step with others, and which of the keys it holds (a key it lacks is not read there). With
 * `lacksPack`, every index object that verifies there is also asked which packs it lists that are absent (`packsLacked`):
 * a backup deduplicates against the index alone, so an index object listing a pack no vault holds makes the next backup
 * reference data that is not there (fix f58R).
 */
export type ScrubReadVault = {
  readonly vault: Vault;
  holds(key: string): boolean;
  lacksPack?(packId: string): boolean;
  /**
   * What a read's error other than damage (a refusal, a store down) is thrown as: the scrub's names the vault, the key
   * and a refusal's way out, which S3's words alone did not (review r63Y F2). Absent: as it is.
   */
  readError?(key: string, err: unknown): unknown;
};

/**
 * What reading in step found: `read` is how many of the keys, from the first, were read in every vault holding them
 * (all of them unless the deadline came first), and `results` each vault's results for those keys, in key order.
 */
export type ScrubReadInStep = { readonly read: number; readonly results: readonly (readonly ScrubObjectResult[])[] };

/**
 * Reads and verifies `keys` in key order in several vaults in step (scrubObjects): each key in every vault that holds it
 * at once, `concurrency` keys at a time, so that the keys read are the same prefix of `keys` in every vault. After the
 * deadline no key is started (those in flight finish): a scrub cut there has read that prefix everywhere, and the next
 * one starts after its last key with nothing skipped in any vault.
 */
export async function scrubObjectsInStep(vaults: readonly ScrubReadVault[], keys: readonly string[], options: ScrubReadOptions = {}): Promise<ScrubReadInStep> {
  const check = options.check ?? 'authenticate';
  const now = options.now ?? Date.now;
  const { deadline } = options;
  // Once one key is not started, no later key is either (a clock read twice may not be monotonic in a test): a prefix.
  let cutAt = keys.length;
  const perKey = await mapBounded(keys, options.concurrency ?? 3, async (key, index): Promise<(ScrubObjectResult | undefined)[] | undefined> => {
    if (index >= cutAt) return undefined;
    if (deadline !== undefined && now() >= deadline) {
      cutAt = Math.min(cutAt, index);
      return undefined;
    }
    return Promise.all(vaults.map(async ({ vault, holds, lacksPack, readError }) => (holds(key) ? readOne(vault, key, check, lacksPack, readError) : undefined)));
  });
  const read = Math.min(cutAt, keys.length);
  const results = vaults.map((_, v) =>
    perKey.slice(0, read).flatMap((row) => {
      const result = row?.[v];
      return result !== undefined ? [result] : [];
    }),
  );
  return { read, results };
}

/**
 * Reads and verifies `keys` of one vault (checkVaultObject), a few at a time (packs are read whole,
 * ~16 MiB each). A pack's blobs are authenticated (`check`, default 'authenticate': every blob's GCM
 * tag, whose additional data is the blob's id), which finds any change to the stored bytes; 'rehash'
 * also decompresses each blob and recomputes its id, as `lifeboat vault verify --read-data` does
 * (docs/ARCHITECTURE.md, "Scrub and self-heal": what each proves). Damage is a result, not an error;
 * anything else (no access, the store is down) is thrown. With a `deadline`, the results are those of the keys read
 * before it, a prefix of `keys`.
 */
export async function scrubObjects(vault: Vault, keys: readonly string[], options: ScrubReadOptions = {}): Promise<ScrubObjectResult[]> {
  const { results } = await scrubObjectsInStep([{ vault, holds: () => true }], keys, options);
  return [...(results[0] ?? [])];
}

async function readOne(vault: Vault, key: string, check: BlobCheck, lacksPack: ScrubReadVault['lacksPack'], readError: ScrubReadVault['readError']): Promise<ScrubObjectResult> {
  try {
    const indexId = lacksPack ? idFromKey(INDEX_PREFIX, key) : null;
    if (indexId !== null && lacksPack) {
      // The check checkVaultObject makes of an index object, its plaintext kept for the walk of its pack records.
      const plain = await getSealedObject(vault.store, vault.keys, key, indexId, 'index');
      const lacked = packsLackedBy(plain, { location: vault.store.location, key }, lacksPack);
      return { key, state: 'ok', ...(lacked.length > 0 ? { packsLacked: lacked } : {}) };
    }
    await checkVaultObject(vault, key, { check });
    return { key, state: 'ok' };
  } catch (err) {
    if (err instanceof VaultCorruptionError) return { key, state: 'corrupt', message: err.message };
    if (err instanceof VaultObjectNotFoundError) return { key, state: 'missing', message: err.message };
    if (err instanceof VaultObjectArchivedError) return { key, state: 'archived', message: err.message, ...(err.storageClass !== undefined ? { storageClass: err.storageClass } : {}) };
    throw readError !== undefined ? readError(key, err) : err;
  }
}
