import { markSnapshots, type MarkMemory, type Snapshot, snapshotsReachingUnreadable, type Vault, VaultError } from '../../vault';

/**
 * The mark (prune's: markSnapshots) of those of the snapshots `ids` whose snapshot object and manifest objects `source`
 * can read, within `memory`; returns the ids it left out (the mark itself is not kept). The scrub's check before it copies a snapshot into a vault
 * (look-after-copy.ts, lookFits) marks every snapshot of that vault and problem at once, and one it cannot read (damaged in
 * both vaults, or absent in the other) threw a VaultError that ended the whole check as if it fitted: the answer is kept
 * per vault and problem, so every other snapshot there was copied unchecked (review rO F-a). Such a snapshot is not
 * copied anyway (its other copy does not verify), or, copied, the look after the copy names what it cannot read.
 * The ids left out come in `ids`' order, those whose snapshot object cannot be read first; each is one whose own
 * snapshot object or walk failed to read. Past `memory.blobLimit` it throws `memory.tooLarge()` (which must not be a
 * VaultError: that counts as unreadable); a view's ReadsStoppedError passes through. `leftOut`, when given, gets the
 * ids as they are found, so that a caller whose call throws later keeps those found before.
 */
export async function markOfReadableSnapshots(source: Vault, ids: readonly string[], memory: MarkMemory, leftOut: string[] = []): Promise<readonly string[]> {
  const snapshots: Snapshot[] = [];
  for (const id of ids) {
    try {
      snapshots.push(await source.loadSnapshot(id));
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      leftOut.push(id);
    }
  }
  if (await marks(source, snapshots, memory)) return leftOut;
  // A manifest object one of them references cannot be read, and the mark does not say whose. Marks of fewer snapshots
  // (one by one, review rR F2; then halves) each read again the pages they share: one damaged page shared by N
  // snapshots through dedup cost ~2N marks of the whole tree (review rU F1), and a halve that marked left the other's
  // single snapshot out unmarked, blaming a readable one for an error that did not recur (rU F2). One walk reads each
  // manifest object once and leaves out only the snapshots whose own walk failed.
  const unreadable = await snapshotsReachingUnreadable(source, snapshots);
  const readable = snapshots.filter((s) => !unreadable.has(s.id));
  leftOut.push(...snapshots.filter((s) => unreadable.has(s.id)).map((s) => s.id));
  // The readable ones together, so that the mark counts what they share once against `memory`.
  await markSnapshots(source, readable, undefined, { memory });
  return leftOut;
}

/** Whether `snapshots` mark together; a VaultError (something they reference cannot be read) is false. */
async function marks(source: Vault, snapshots: readonly Snapshot[], memory: MarkMemory): Promise<boolean> {
  try {
    await markSnapshots(source, snapshots, undefined, { memory });
    return true;
  } catch (err) {
    if (!(err instanceof VaultError)) throw err;
    return false;
  }
}
