import { type IndexedPack } from '../blob-index/index-object';
import { localObjectSize } from '../backend/file/local-objects';
import { verifyPackBody } from '../checker/object-check';
import { type PackEntry } from '../pack/pack-format';
import { parsePack, readPackHeader } from '../pack/pack-reader';
import { type Vault } from '../repository/vault';
import { packKey } from '../repository/vault-layout';
import { DamagedBlobsError, VaultCorruptionError, VaultObjectArchivedError, VaultObjectNotFoundError } from '../vault-errors';

/** Why the repair left a blob out of the index it builds (`vault repair index --read-data`). */
export type BlobProblem = 'blob id mismatch' | 'decrypt failure';

/** A damaged blob of a pack whose header reads. */
export type DamagedPackBlob = { readonly blob: string; readonly reason: BlobProblem; readonly detail: string };

/** A blob that passed the data check, with its stored bytes (a view into the pack's body), to be copied into a new pack. */
export type IntactBlob = { readonly entry: PackEntry; readonly stored: Buffer };

/**
 * What reading one pack told:
 * - `whole`: its header reads (and, with readData, every blob decrypts to its id): index it as it is;
 * - `damaged`: the header reads but some blobs fail the data check: the intact ones are handed over to
 *   be copied into a new pack (the damaged pack cannot be indexed in part: verify reads every blob its
 *   header names, and its damaged ones would stay there, named, for ever);
 * - `bad-header`: the header cannot be read or decrypted, or the pack fails as a whole: left out, unless
 *   a replaced index object lists it (its blobs are then reached through that object's records);
 * - `gone`: deleted since the listing (a prune's sweep);
 * - `archived`: in an archive storage class (S3 Glacier), unreadable without a thaw: not judged.
 */
export type PackReading =
  | { readonly kind: 'whole'; readonly pack: IndexedPack }
  | { readonly kind: 'damaged'; readonly packId: string; readonly damaged: readonly DamagedPackBlob[]; readonly intact: readonly IntactBlob[] }
  | { readonly kind: 'bad-header'; readonly packId: string; readonly detail: string }
  | { readonly kind: 'gone'; readonly packId: string }
  | { readonly kind: 'archived'; readonly packId: string };

/** What is known of a pack's length before it is read. */
export type KnownPackLength = {
  /** The size the store's listing gave (VaultStore.listWithSizes): the pack's true length. */
  readonly storedLength?: number;
  /** The length an old index object recorded: possibly the very thing that is wrong. */
  readonly indexedLength?: number;
};

/**
 * Reads one pack as the repair needs it. Without `readData`, only its header (two ranged reads); the
 * pack's length is the store's (the listing's size, or a directory store's stat when its listing has
 * none), else the length an old index object recorded, else the whole pack is read (a store that can
 * tell no size). With `readData`, the whole pack is read and every blob decrypted and its id recomputed
 * (verifyPackBody, as `vault verify --read-data` does).
 */
export async function readPackForRepair(vault: Vault, packId: string, options: { readonly readData: boolean } & KnownPackLength): Promise<PackReading> {
  const { store, keys } = vault;
  const key = packKey(packId);
  try {
    if (!options.readData) {
      const stored = options.storedLength ?? (await localObjectSize(store, key));
      const length = stored ?? options.indexedLength;
      if (length !== undefined) {
        try {
          return { kind: 'whole', pack: { packId, length, entries: await readPackHeader(store, keys, key, length) } };
        } catch (err) {
          // A length from an old index object may be the very thing that is wrong: the whole pack decides. The store's own size is not.
          if (!(err instanceof VaultCorruptionError) || stored !== null) throw err;
        }
      }
      const body = await store.get(key);
      return { kind: 'whole', pack: { packId, length: body.length, entries: await parsePack(store.location, key, keys, body) } };
    }
    const body = await store.get(key);
    const pack = { packId, length: body.length, entries: await parsePack(store.location, key, keys, body) };
    const { damaged, intact } = await checkBlobs(vault, pack, body);
    return damaged.length === 0 ? { kind: 'whole', pack } : { kind: 'damaged', packId, damaged, intact };
  } catch (err) {
    return unreadable(packId, err);
  }
}

/** What reading a pack through an old index object's records told: every blob they name, damaged or intact; or the pack is gone, archived, or failed as a whole (`bad-header`). */
export type RecordsReading =
  | { readonly kind: 'read'; readonly damaged: readonly DamagedPackBlob[]; readonly intact: readonly IntactBlob[] }
  | Extract<PackReading, { kind: 'bad-header' | 'gone' | 'archived' }>;

/**
 * Reads a pack whose header does not read through the records an old index object held for it (`vault
 * repair index --read-data`): the pack whole, every blob those records name decrypted at their offset
 * and its id recomputed, as a restore reaches them. Every sealed envelope is authenticated against its
 * blob id, so a record that points at the wrong bytes fails like a damaged blob.
 */
export async function readThroughRecords(vault: Vault, records: IndexedPack): Promise<RecordsReading> {
  try {
    return { kind: 'read', ...(await checkBlobs(vault, records, await vault.store.get(packKey(records.packId)))) };
  } catch (err) {
    return unreadable(records.packId, err);
  }
}

/** Every blob `pack.entries` names in `body` decrypted and its id checked (verifyPackBody), the damaged split from the intact. */
async function checkBlobs(vault: Vault, pack: IndexedPack, body: Buffer): Promise<{ damaged: DamagedPackBlob[]; intact: IntactBlob[] }> {
  const { store, keys } = vault;
  const { packId, entries } = pack;
  const bad = new Map<string, string>();
  try {
    await verifyPackBody(store.location, packKey(packId), keys, body, { header: entries });
  } catch (err) {
    if (!(err instanceof DamagedBlobsError)) throw err;
    for (const d of err.damaged) bad.set(d.id, d.detail);
  }
  const damaged: DamagedPackBlob[] = [];
  const intact: IntactBlob[] = [];
  for (const e of entries) {
    const id = e.id.toString('hex');
    const detail = bad.get(id);
    if (detail === undefined) intact.push({ entry: e, stored: body.subarray(e.offset, e.offset + e.storedLength) });
    // The check's own words for a blob that decrypts but hashes to another id (codec-worker.ts, object-check.ts).
    else damaged.push({ blob: id, reason: detail.includes('another id') ? 'blob id mismatch' : 'decrypt failure', detail });
  }
  return { damaged, intact };
}

/** A failed read of a pack as a reading: gone, archived, or (corruption) failed as a whole; any other error is thrown. */
function unreadable(packId: string, err: unknown): Extract<PackReading, { kind: 'bad-header' | 'gone' | 'archived' }> {
  if (err instanceof VaultObjectNotFoundError) return { kind: 'gone', packId };
  if (err instanceof VaultObjectArchivedError) return { kind: 'archived', packId };
  if (err instanceof VaultCorruptionError) return { kind: 'bad-header', packId, detail: err.detail };
  throw err;
}
