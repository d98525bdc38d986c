import { markSnapshots, type MarkMemory, type Snapshot, type Vault, VaultError } from '../../vault';

/**
 * The mark (prune's: markSnapshots) of those of the snapshots `ids` whose snapshot object and manifest objects `source`
 * can read, within `memory`; returns the ids it left out (the mark itself is not kept). The scrub's check before it copies a snapshot into a vault
 * (scrub-vaults.ts, lookFits) marks every snapshot of that vault and problem at once, and one it cannot read (damaged in
 * both vaults, or absent in the other) threw a VaultError that ended the whole check as if it fitted: the answer is kept
 * per vault and problem, so every other snapshot there was copied unchecked (review rO F-a). Such a snapshot is not
 * copied anyway (its other copy does not verify), or, copied, the look after the copy names what it cannot read.
 * The ids left out come in `ids`' order, those whose snapshot object cannot be read first. Past `memory.blobLimit` it
 * throws `memory.tooLarge()` (which must not be a VaultError: that counts as unreadable); a view's ReadsStoppedError
 * passes through.
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
  if (await marks(source, snapshots, memory)) return leftOut;
  // A manifest object one of them references cannot be read, and the mark does not say whose. Marked one by one, each
  // read again every page it shares with the others (dedup: most of them), N marks of the whole tree: 30 snapshots
  // sharing 20 pages, one root unreadable, took 760 manifest reads where the joint mark takes 80, and a vault of
  // thousands of snapshots, millions, past the repair cutoff (review rR F2). Halves are marked instead, each reading what
  // its snapshots share once, and only failing ones are split again: about 2·log2(N) marks for one unreadable snapshot
  // (there, 346 reads, the final joint mark included).
  const readable: Snapshot[] = [];
  await splitUnreadable(source, snapshots, memory, readable, leftOut);
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

/**
 * Splits `failing` (snapshots whose joint mark failed) into the readable ones and the ids of those that cannot be
 * read, in their order. A half that marks holds none of the latter; when the first half marks, the second holds them
 * all, so it is split without being marked whole again. One mark is held at a time: never more than `memory` bounds.
 */
async function splitUnreadable(source: Vault, failing: readonly Snapshot[], memory: MarkMemory, readable: Snapshot[], unreadable: string[]): Promise<void> {
  if (failing.length === 1) {
    unreadable.push((failing[0] as Snapshot).id);
    return;
  }
  const middle = failing.length >> 1;
  const first = failing.slice(0, middle);
  const second = failing.slice(middle);
  const firstMarks = await marks(source, first, memory);
  if (firstMarks) readable.push(...first);
  else await splitUnreadable(source, first, memory, readable, unreadable);
  if (firstMarks || !(await marks(source, second, memory))) await splitUnreadable(source, second, memory, readable, unreadable);
  else readable.push(...second);
}
