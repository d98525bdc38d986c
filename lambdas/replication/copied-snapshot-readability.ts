import { type MarkMemory, type Vault, VaultError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type LookMemory, referencesOf } from './replicate-vault';
import { markOfReadableSnapshots } from './readable-snapshots-mark';
import { type SnapshotReferences } from './vault-references';
import { ScrubNeedsTooLargeError } from './scrub-needs-too-large-error';
import { otherSide } from './other-side';
import { ReadsStoppedError, readsUntilVault } from './reads-until-vault';
import { type FellBack, readThroughVault } from './read-through-vault';

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
 * What the check in the target vault found (readabilityInTarget): the snapshots that read in neither vault, why each of
 * those it could not check was not (by id), and, per snapshot that reads only across both vaults, the objects of its
 * own tree the target lacks a readable copy of that the other vault's copy stood in for (`readThrough`: how many, the
 * first keys; absent for one that reads in the target alone).
 */
export type TargetReadability = {
  readonly unreadable: ReadonlySet<string>;
  readonly unchecked: ReadonlyMap<string, string>;
  readonly readThrough: ReadonlyMap<string, FellBack>;
};

/**
 * Which of the snapshots `ids` copied into `vault` (`side`) from `source`, which could not read them
 * (referencesOfReadable), read in neither vault (markOfReadableSnapshots, within the look's memory). Each object is read
 * from `vault`, else from `source` (readThroughVault): a scrub with repair mends one vault's copy from the other's, so a
 * snapshot whose tree reads across both is restorable, where checked in `vault` alone it was taken for lost and its
 * backup named (review r57F H1). Checked one at a time, so that what each read from `source` is its own: checked
 * together, each snapshot's reason counted and named the other snapshots' objects, one readable nowhere included
 * (review r57M L1); this is the rare path of a snapshot its source cannot read. With `until`, it starts no read in either
 * vault once `until.now()` reaches `until.time` (readsUntilVault): unbounded, it read the whole manifest tree of each
 * past the deadline, and the run could time out before its record was written (review r57A F2). A check that cannot
 * finish (the time, the memory, a read error) leaves the rest `unchecked`, with why: their copy is not known good, so
 * none may claim one (review r57A F3); those already found unreadable stay so.
 */
export async function readabilityInTarget(
  side: VaultSide,
  vault: Vault,
  source: Vault,
  ids: readonly string[],
  memory: LookMemory | undefined,
  until?: { readonly time: number; readonly now: () => number },
): Promise<TargetReadability> {
  const unreadable = new Set<string>();
  const readThrough = new Map<string, FellBack>();
  const bounded = (v: Vault): Vault => (until !== undefined ? readsUntilVault(v, until.time, until.now) : v);
  for (const [at, id] of ids.entries()) {
    const through = readThroughVault(bounded(vault), bounded(source));
    // The view weighs the mark's pages in flight against the same memory as the vault would.
    through.vault.memoryLimitMb = vault.memoryLimitMb;
    try {
      if ((await markOfReadableSnapshots(through.vault, [id], memory ?? UNBOUNDED_MARK)).length > 0) unreadable.add(id);
      else if (through.fellBack().count > 0) readThrough.set(id, through.fellBack());
    } catch (err) {
      const why = uncheckedWhy(side, err);
      return { unreadable, unchecked: new Map(ids.slice(at).map((rest) => [rest, why])), readThrough };
    }
  }
  return { unreadable, unchecked: new Map(), readThrough };
}

/** Why the check in the `side` vault could not finish, from what stopped it; anything else is rethrown. */
function uncheckedWhy(side: VaultSide, err: unknown): string {
  if (err instanceof ReadsStoppedError) return "the run's deadline came first";
  if (err instanceof ScrubNeedsTooLargeError) return `that check holds more than the scrub function's memory leaves beside its listings and findings (${err.message})`;
  if (err instanceof VaultError) return `a read of the ${side} vault failed: ${err.message}`;
  throw err;
}
