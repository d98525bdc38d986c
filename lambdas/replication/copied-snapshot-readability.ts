import { type MarkMemory, type Vault, VaultError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type LookMemory, referencesOf } from './replicate-vault';
import { markOfReadableSnapshots } from './readable-snapshots-mark';
import { type SnapshotReferences } from './vault-references';
import { ScrubNeedsTooLargeError } from './scrub-needs-too-large-error';
import { otherSide } from './other-side';

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
 * Which of the snapshots `ids` copied into `vault`, whose source could not read them (referencesOfReadable), `vault`
 * cannot read either (markOfReadableSnapshots, within the look's memory): the target's copy is what restores them, so
 * only these have no good copy. A check that cannot finish (too large, a read error) says none: each keeps its good copy, as before.
 */
export async function unreadableInTarget(vault: Vault, ids: readonly string[], memory: LookMemory | undefined): Promise<ReadonlySet<string>> {
  if (ids.length === 0) return new Set();
  try {
    return new Set(await markOfReadableSnapshots(vault, ids, memory ?? UNBOUNDED_MARK));
  } catch (err) {
    if (err instanceof ScrubNeedsTooLargeError || err instanceof VaultError) return new Set();
    throw err;
  }
}
