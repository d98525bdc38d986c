import { forEachBounded, type MarkMemory, type Vault, VaultError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type LookMemory, referencesOf } from './replicate-vault';
import { markOfReadableSnapshots } from './readable-snapshots-mark';
import { type SnapshotReferences } from './vault-references';
import { ScrubNeedsTooLargeError } from './scrub-needs-too-large-error';
import { otherSide } from './other-side';
import { ReadsStoppedError, readsUntilVault } from './reads-until-vault';
import { type FellBack, readThroughVault } from './read-through-vault';
import { fallbacksBySnapshot } from './fallbacks-by-snapshot';

/** The snapshots the look goes on with, their mark, and why each left out (its snapshot or a manifest object unreadable in the source) is. */
export type ReadableReferences = { readonly readable: readonly string[]; readonly references: SnapshotReferences; readonly unreadable: ReadonlyMap<string, string> };

/** No bound: a scrub on a machine (markOfReadableSnapshots takes one). */
const UNBOUNDED_MARK: MarkMemory = { blobLimit: Number.POSITIVE_INFINITY, tooLarge: () => new Error('unreachable: an unbounded mark is never too large') };

/**
 * The mark (referencesOf) of the snapshots `ids` copied into `side` from `source`, of those `source` can read. All
 * together first (one mark, as before); only when that meets something unreadable are the unreadable ones found
 * (markOfReadableSnapshots) and the rest marked again, so a rare path pays the extra marks. The error met names one
 * snapshot's object: it is said with each left out, with how many they are when several.
 */
export async function referencesOfReadable(side: VaultSide, source: Vault, ids: readonly string[], memory: LookMemory | undefined): Promise<ReadableReferences> {
  try {
    return { readable: ids, references: await referencesOf(source, ids, memory), unreadable: new Map() };
  } catch (err) {
    if (!(err instanceof VaultError)) throw err;
    const leftOut = new Set(await markOfReadableSnapshots(source, ids, memory ?? UNBOUNDED_MARK));
    // Nothing left out, marked again (the object read this time): the error stands for them all, as before.
    if (leftOut.size === 0) throw err;
    const met = leftOut.size === 1 ? err.message : `one of the ${leftOut.size} such snapshots: ${err.message}`;
    const readable = ids.filter((id) => !leftOut.has(id));
    const others = readable.length > 0 ? '; the other snapshots copied with it were looked at without it' : '';
    const why = `what it needs in the ${side} vault could not be checked: the ${otherSide(side)} vault cannot read its snapshot object or a manifest object it references (${met})${others}`;
    // None readable: an empty mark, no read.
    return { readable, references: await referencesOf(source, readable, memory), unreadable: new Map([...leftOut].map((id) => [id, why])) };
  }
}

/**
 * What the view read from the other vault for one snapshot that reads across both vaults: the objects of its own tree,
 * or, when those could not be told from the other snapshots' (`notToldApart`: why), all the check read there, some
 * perhaps another snapshot's. Either way the mark read its whole tree, so it is restorable once those are repaired.
 */
export type SnapshotReadThrough = FellBack & { readonly notToldApart?: string };

/**
 * What the check in the target vault found (readabilityInTarget): the snapshots that read in neither vault, why each of
 * those it could not check was not (by id), and, per snapshot that reads only across both vaults, the objects the
 * target lacks a readable copy of that the other vault's copy stood in for (`readThrough`: how many, the first keys;
 * absent for one that reads in the target alone).
 */
export type TargetReadability = {
  readonly unreadable: ReadonlySet<string>;
  readonly unchecked: ReadonlyMap<string, string>;
  readonly readThrough: ReadonlyMap<string, SnapshotReadThrough>;
};

/** Attribution walks under way at once (fallbacksBySnapshot), as many as the mark walks snapshots at once. */
const ATTRIBUTIONS_AT_ONCE = 8;

/**
 * Which of the snapshots `ids` copied into `vault` (`side`) from `source`, which could not read them
 * (referencesOfReadable), read in neither vault (markOfReadableSnapshots, within the look's memory). Each object is read
 * from `vault`, else from `source` (readThroughVault): a scrub with repair mends one vault's copy from the other's, so a
 * snapshot whose tree reads across both is restorable, where checked in `vault` alone it was taken for lost and its
 * backup named (review r57F H1). All are marked together, as the mark walks them (8 snapshots at once, each manifest
 * object read once): checked one at a time, a snapshot's walk waited for the one before, and thousands of pages at
 * 20–50 ms a GET took several times as long (review r57S F1). What the view read from `source` is then told per
 * snapshot (fallbacksBySnapshot, only when it read any): each snapshot's reason counts and names the objects of its own
 * tree alone, none of another's, one readable nowhere included (review r57M L1). With `until`, it
 * starts no read in either vault once `until.now()` reaches `until.time` (readsUntilVault): unbounded, it read the
 * whole manifest tree of each past the deadline, and the run could time out before its record was written (review
 * r57A F2). A check that cannot finish leaves `unchecked`, with why, those it did not find unreadable: their copy is
 * not known good, so none may claim one (review r57A F3); those already found unreadable stay so. The mark is one for
 * all, so the time, the memory or a read error stopping it leaves all those unchecked. Telling one snapshot's share
 * stopped so (most likely the time: the mark takes most of it) leaves it neither unchecked nor unattributed: the mark
 * has read its tree across both vaults, so it is given all the view read from `source`, said not told apart (review
 * r57X F1: unchecked, a copy the mark had shown restorable was reported as one no copy is known to restore). In key
 * order, whatever order `ids` come in.
 */
export async function readabilityInTarget(
  side: VaultSide,
  vault: Vault,
  source: Vault,
  ids: readonly string[],
  memory: LookMemory | undefined,
  until?: { readonly time: number; readonly now: () => number },
): Promise<TargetReadability> {
  const sorted = [...ids].sort();
  const bounded = (v: Vault): Vault => (until !== undefined ? readsUntilVault(v, until.time, until.now) : v);
  const through = readThroughVault(bounded(vault), bounded(source));
  // The view weighs the mark's pages in flight against the same memory as the vault would.
  through.vault.memoryLimitMb = vault.memoryLimitMb;
  const found: string[] = [];
  try {
    await markOfReadableSnapshots(through.vault, sorted, memory ?? UNBOUNDED_MARK, found);
  } catch (err) {
    const why = uncheckedWhy(side, err);
    const unreadable = new Set(found);
    return { unreadable, unchecked: new Map(sorted.filter((id) => !unreadable.has(id)).map((id) => [id, why])), readThrough: new Map() };
  }
  const unreadable = new Set(found);
  const readable = sorted.filter((id) => !unreadable.has(id));
  const unchecked = new Map<string, string>();
  const readThrough = new Map<string, SnapshotReadThrough>();
  const all = through.fellBack();
  if (all.count === 0 || readable.length === 0) return { unreadable, unchecked, readThrough };
  // Alone, all the view read is that snapshot's own.
  if (sorted.length === 1) return { unreadable, unchecked, readThrough: new Map([[sorted[0] as string, all]]) };
  const ownOf = fallbacksBySnapshot(through.vault, through.stoodIn());
  await forEachBounded(readable, ATTRIBUTIONS_AT_ONCE, async (id) => {
    try {
      const own = await ownOf(id);
      if (own.count > 0) readThrough.set(id, own);
    } catch (err) {
      readThrough.set(id, { ...all, notToldApart: uncheckedWhy(side, err) });
    }
  });
  return { unreadable, unchecked, readThrough };
}

/** Why the check in the `side` vault could not finish, from what stopped it; anything else is rethrown. */
function uncheckedWhy(side: VaultSide, err: unknown): string {
  if (err instanceof ReadsStoppedError) return "the run's deadline came first";
  if (err instanceof ScrubNeedsTooLargeError) return `that check holds more than the scrub function's memory leaves beside its listings and findings (${err.message})`;
  if (err instanceof VaultError) return `a read of the ${side} vault failed: ${err.message}`;
  throw err;
}
