import { markSnapshots, type MarkMemory, type Snapshot, type Vault, VaultError } from '../../vault';

/**
 * The mark (prune's: markSnapshots) of those of the snapshots `ids` whose snapshot object and manifest objects `source`
 * can read, within `memory`; returns the ids it left out (the mark itself is not kept). The scrub's check before it copies a snapshot into a vault
 * (scrub-vaults.ts, lookFits) marks every snapshot of that vault and problem at once, and one it cannot read (damaged in
 * both vaults, or absent in the other) threw a VaultError that ended the whole check as if it fitted: the answer is kept
 * per vault and problem, so every other snapshot there was copied unchecked (review rO F-a). Such a snapshot is not
 * copied anyway (its other copy does not verify), or, copied, the look after the copy names what it cannot read.
 * Past `memory.blobLimit` it throws `memory.tooLarge()`; a view's ReadsStoppedError passes through.
 */
export async function markOfReadableSnapshots(source: Vault, ids: readonly string[], memory: MarkMemory): Promise<readonly string[]> {
  const leftOut: string[] = [];
  const snapshots: Snapshot[] = [];
  for (const id of ids) {
    try {
      snapshots.push(await source.loadSnapshot(id));
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      leftOut.push(id);
    }
  }
  try {
    await markSnapshots(source, snapshots, undefined, { memory });
    return leftOut;
  } catch (err) {
    if (!(err instanceof VaultError)) throw err;
  }
  // A manifest object one of them references cannot be read, and the mark does not say whose: each is marked alone
  // (a rare path, its reads twice), and the rest together, so that the mark counts what they share once.
  const readable: Snapshot[] = [];
  for (const snapshot of snapshots) {
    try {
      await markSnapshots(source, [snapshot], undefined, { memory });
      readable.push(snapshot);
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      leftOut.push(snapshot.id);
    }
  }
  await markSnapshots(source, readable, undefined, { memory });
  return leftOut;
}
