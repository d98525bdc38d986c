import { BlobIdSet } from '../blob-index/blob-id-set';
import { missingIndexNote, UnindexedBlobError } from '../blob-index/unindexed-blob';
import { lookInUnindexedPacks, type UnindexedPacksLook } from '../checker/unindexed-pack-look';
import { type Snapshot } from '../manifest/snapshot-record';
import { listStoredPacks } from '../prune/stored-packs';
import { listIndexObjectIds } from '../repository/index-objects-listed';
import { type Vault } from '../repository/vault';
import { comparePaths } from '../manifest/manifest-entry';
import { indexKey } from '../repository/vault-layout';
import { type DamagedEntry } from './restore';

/**
 * Files a restore could not write because a blob of theirs is in no index, while the snapshot lists index objects the
 * vault does not hold: the first of them (in path order, as the error lists them) is told which objects and that `vault
 * repair index` comes first (missingIndexNote). A listed index object that is gone is no sign by itself (a prune's repack
 * replaces index objects), only with such a blob; so `index/` is listed only then, once.
 */
export async function namingMissingIndexObjects(vault: Vault, snapshot: Snapshot, damaged: DamagedEntry[]): Promise<void> {
  let first = -1;
  damaged.forEach((d, i) => {
    const earlier = damaged[first];
    if (d.error instanceof UnindexedBlobError && (earlier === undefined || comparePaths(d.path, earlier.path) < 0)) first = i;
  });
  const entry = damaged[first];
  if (entry === undefined || !(entry.error instanceof UnindexedBlobError)) return;
  damaged[first] = { ...entry, error: await namingMissingIndexObjectsIn(vault, snapshot, entry.error) };
}

/**
 * `error`, a blob in no index that stopped a restore at once (a shard of the restore workflow fails on its first damaged
 * file: review r58H F3, it said only "in no index"), told which index objects `snapshot` lists that the vault lacks and
 * what to do (missingIndexNote); `error` itself when none is missing. `index/` is listed once. `vault repair index` is
 * the way only when a pack no index lists holds the blob intact (or may: not read), as verify tells (lookInUnindexedPacks):
 * after a repair left the damaged blob out, running it again leaves it out again (review r59B F4: the restore sent the
 * operator round that loop).
 */
export async function namingMissingIndexObjectsIn(vault: Vault, snapshot: Snapshot, error: UnindexedBlobError): Promise<UnindexedBlobError> {
  const held = new Set(await listIndexObjectIds(vault.store));
  const missing = snapshot.indexes.filter((id) => !held.has(id)).map(indexKey);
  if (missing.length === 0) return error;
  return new UnindexedBlobError(vault.location, error.blob, `${error.detail}${missingIndexNote(missing, await lookForBlobIfAllowed(vault, error.blob))}`);
}

/**
 * lookForBlob, or, when the look fails, why: the restore workflow's shard and verify roles may list only keys/, index/ and
 * snapshots/ (lib/constructs/restore-functions.ts), so listing `data/` is AccessDenied in AWS (review r59I F4: the raw
 * AccessDenied replaced the named UnindexedBlobError). The note then says the packs were not looked at, and the repair
 * may still find the blob; the roles are not widened for a hint.
 */
async function lookForBlobIfAllowed(vault: Vault, blob: string): Promise<UnindexedPacksLook | { readonly notLooked: string }> {
  try {
    return await lookForBlob(vault, blob);
  } catch (err) {
    const failure = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { notLooked: failure.length > 200 ? `${failure.slice(0, 200)}…` : failure };
  }
}

/** What the packs no index lists hold of `blob` (hex): verify's look (a few headers), over the whole listing of `data/`. */
async function lookForBlob(vault: Vault, blob: string): Promise<UnindexedPacksLook> {
  const index = await vault.index();
  const stored = await listStoredPacks(vault.store);
  const packs = [...stored.ids].filter((id) => !index.hasPack(id)).sort();
  const wanted = new BlobIdSet(1);
  wanted.addHex(blob);
  return lookInUnindexedPacks(vault, packs.map((id) => ({ id, bytes: stored.sizes?.get(id) ?? null })), wanted);
}
