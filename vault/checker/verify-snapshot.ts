import { unindexedBlobNote } from '../blob-index/unindexed-blob';
import { fetchBlobs } from '../restorer/blob-fetcher';
import { type ManifestEntry } from '../manifest/manifest-entry';
import { type Vault } from '../repository/vault';
import { computeBlobId } from '../crypto/vault-keys';
import { forEachBounded } from '../workers/bounded-concurrency';
import { MANIFEST_PREFIX } from '../repository/vault-layout';
import { VaultCorruptionError, VaultObjectNotFoundError } from '../vault-errors';

/** Entries read back at once (readData): a few reads in flight hide the store's round trips. */
const ENTRIES_READ_AT_ONCE = 8;

export type SnapshotCheckOptions = {
  /** Read every blob of every entry back: decrypt (authenticate), decompress and recompute its id. */
  readonly readData?: boolean;
  /** The manifest root hash recorded elsewhere (a catalog): the snapshot must point to exactly it. */
  readonly expectedRootHash?: string;
  /** The entry count recorded elsewhere (a catalog). */
  readonly expectedEntries?: number;
};

export type SnapshotCheck = { snapshotId: string; entries: number; bytes: number; blobs: number; ok: boolean; problems: string[] };

/**
 * The one verification of a backup (one snapshot), used by the restore runbook's verify step and by
 * the demo: the snapshot loads (its hash matches its name), its manifest root is the recorded one,
 * every entry's blobs are indexed, and with `readData` every blob is read back, authenticated and
 * hashed to the id the manifest lists. Problems are collected, never thrown: a report names them all.
 */
export async function verifySnapshot(vault: Vault, snapshotId: string, options: SnapshotCheckOptions = {}): Promise<SnapshotCheck> {
  const result: SnapshotCheck = { snapshotId, entries: 0, bytes: 0, blobs: 0, ok: true, problems: [] };
  try {
    // The snapshot first: an index loaded after it covers it (Vault.index()), and is loaded once. An index that
    // cannot be loaded at all is the verify's one problem; each entry then takes the vault's index as it is when the
    // entry starts (checkEntry).
    const snapshot = await vault.loadSnapshot(snapshotId);
    await vault.index();
    if (options.expectedRootHash !== undefined && snapshot.manifest !== options.expectedRootHash) {
      result.problems.push(`manifest root ${snapshot.manifest} is not the recorded root hash ${options.expectedRootHash}`);
    }
    // Entries read back side by side (readBack never throws): one at a time, each blob's round trip to
    // the store was waited for in turn. Problems keep the manifest's order whatever finishes first.
    const found: Array<{ at: number; problem: string }> = [];
    try {
      await forEachBounded(vault.entries(snapshot), ENTRIES_READ_AT_ONCE, async (entry, at) => {
        result.entries++;
        result.bytes += entry.size;
        result.blobs += entry.content.length;
        const problem = await checkEntry(vault, entry, options.readData === true);
        if (problem) found.push({ at, problem: `${JSON.stringify(entry.path)}: ${problem}` });
      });
    } finally {
      // Also when reading the manifest failed half way: what was found before is reported with it.
      result.problems.push(...found.sort((a, b) => a.at - b.at).map((f) => f.problem));
    }
    if (options.expectedEntries !== undefined && options.expectedEntries !== result.entries) result.problems.push(`${result.entries} entries, the catalog records ${options.expectedEntries}`);
  } catch (err) {
    result.problems.push(manifestObjectProblem(err, snapshotId) ?? (err instanceof Error ? `${err.name}: ${err.message}` : String(err)));
  }
  result.ok = result.problems.length === 0;
  return result;
}

/**
 * A manifest root, node or page the snapshot needs that is missing or damaged, said with the snapshot
 * that needs it and what to do (the object's key alone does not say which backup it hurts); null for
 * any other error.
 */
function manifestObjectProblem(err: unknown, snapshotId: string): string | null {
  if (!(err instanceof VaultObjectNotFoundError || err instanceof VaultCorruptionError) || !err.key.startsWith(MANIFEST_PREFIX)) return null;
  return (
    `${err.name}: ${err.message}; the manifest of snapshot ${snapshotId} needs it: its restore cannot read the entries under it; ` +
    'copy it again from the other vault (primary or DR: the same name holds the same bytes there)'
  );
}

/**
 * One entry's problem, or null: its blobs are all indexed and, with `readData`, each reads back, authenticates, has
 * its size and hashes to its id. The vault's index is taken for this entry, not held for the whole verify: a read that
 * found a pack swept replaced it (swept-pack-reload.ts), and the index it replaced is then let go instead of held
 * beside the new one. Never throws: an index that cannot be loaded again (a failed reload) is this entry's problem,
 * and the next entries are still checked.
 */
async function checkEntry(vault: Vault, entry: ManifestEntry, readData: boolean): Promise<string | null> {
  let size = 0;
  try {
    const index = await vault.index();
    const missing = entry.content.filter((id) => !index.has(Buffer.from(id, 'hex')));
    if (missing.length) return `${missing.length} blob(s) in no index, e.g. ${missing[0]}${unindexedBlobNote(index)}`;
    if (!readData || entry.content.length === 0) return null;
    const requests = entry.content.map((id, i) => ({ id, tag: i }));
    for await (const { tag, data } of fetchBlobs({ store: vault.store, keys: vault.keys, index, reloadFrom: vault }, requests)) {
      size += data.length;
      const id = (await computeBlobId(vault.keys, data)).toString('hex');
      if (id !== entry.content[tag]) return `blob ${tag} read back hashes to ${id}, the manifest lists ${String(entry.content[tag])}`;
    }
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  return size === entry.size ? null : `content read back is ${size} bytes, the manifest says ${entry.size}`;
}
