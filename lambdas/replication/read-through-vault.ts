import { type ByteRange, idFromKey, INDEX_PREFIX, MANIFEST_PREFIX, sha256Hex, SNAPSHOTS_PREFIX, Vault, VaultCorruptionError, VaultObjectNotFoundError, type VaultStore } from '../../vault';

/** Keys of objects read from the other vault, named in a reason (the count covers them all). */
const FALLBACKS_KEPT = 3;

/** The objects a read-through view read from the other vault whose copy there stood in: how many, and the first few keys. */
export type FellBack = { readonly count: number; readonly first: readonly string[] };

/** The FellBack of `keys`, distinct keys in the order they are to be named. */
export function fellBackOf(keys: readonly string[]): FellBack {
  return { count: keys.length, first: keys.slice(0, FALLBACKS_KEPT) };
}

/** A read-through view (readThroughVault) and the objects it read from the other vault because the first could not. */
export type ReadThroughVault = {
  readonly vault: Vault;
  /** The distinct objects read from the other vault whose copy there verified (FellBack). */
  readonly fellBack: () => FellBack;
  /** Those objects' keys, all of them: whose each is (fallbacksBySnapshot) when the view served several snapshots' reads. */
  readonly stoodIn: () => ReadonlySet<string>;
};

/**
 * A read-only view of `first` whose reads fall back to `other` when `first` lacks an object or its copy does not verify
 * (VaultObjectNotFoundError, VaultCorruptionError, or a content-addressed object — snapshot, manifest, index — whose
 * bytes do not hash to its name). The scrub repairs one vault's object from the other's good copy, so a copied snapshot
 * whose tree reads this way is restorable once a scrub with repair has mended the first vault's copies (review r57F H1):
 * checked in one vault alone, it was taken for lost and its backup named. Both vaults hold the same master key and the
 * same bytes under the same names, so `first`'s keys open either copy. Reads only through `first` and `other`, so views
 * that bound them (readsUntilVault) bound it too; ranged reads fall back only on a missing object.
 *
 * The work-out of what a vault lacking objects needs reads through too, with readThroughStore (vault-references.ts),
 * kept apart: where neither copy reads it keeps `first`'s bytes, so that a snapshot object damaged in the vault and absent
 * from the other reads as damaged (this view throws the other vault's not-found, which scanSnapshots takes for a snapshot
 * deleted since the listing), it also lists the snapshots about to be copied in, and it records nothing. Here a first
 * copy that fails, damaged or missing, is the other vault's to answer for: the check asks whether the tree reads in
 * either, and names what the other copy stood in for.
 */
export function readThroughVault(first: Vault, other: Vault): ReadThroughVault {
  // Distinct keys, and only those whose other copy verified: counted per read, an object read twice counted twice and
  // one bad in both vaults (which no repair mends) was named as one a repair mends (review r57M L1).
  const stoodIn = new Set<string>();
  const fellBackTo = async (key: string, range?: ByteRange): Promise<Buffer> => {
    const body = await other.store.get(key, range);
    const id = range === undefined ? contentAddress(key) : null;
    // An object that is not content-addressed is authenticated by the vault as it opens it, past this view.
    if (id === null || sha256Hex(body) === id) stoodIn.add(key);
    return body;
  };
  const readOnly = (): Promise<never> => Promise.reject(new Error(`${first.store.location}: a read-through view is not written to`));
  const store: VaultStore = {
    location: first.store.location,
    async get(key, range) {
      let body: Buffer;
      try {
        body = await first.store.get(key, range);
      } catch (err) {
        if (!(err instanceof VaultObjectNotFoundError) && !(err instanceof VaultCorruptionError)) throw err;
        return fellBackTo(key, range);
      }
      const id = range === undefined ? contentAddress(key) : null;
      return id !== null && sha256Hex(body) !== id ? fellBackTo(key) : body;
    },
    async has(key) {
      return (await first.store.has(key)) || other.store.has(key);
    },
    // The mark reads by key; a listing is the first vault's, as its own view would give.
    list: (prefix) => first.store.list(prefix),
    put: readOnly,
    delete: readOnly,
  };
  const vault = new Vault(store, first.keys, first.config);
  vault.memoryLimitMb = first.memoryLimitMb;
  return { vault, fellBack: () => fellBackOf([...stoodIn]), stoodIn: () => new Set(stoodIn) };
}

/** The id a content-addressed object's stored bytes hash to (its name), or null for an object that is not one. */
function contentAddress(key: string): string | null {
  return idFromKey(SNAPSHOTS_PREFIX, key) ?? idFromKey(MANIFEST_PREFIX, key) ?? idFromKey(INDEX_PREFIX, key);
}
