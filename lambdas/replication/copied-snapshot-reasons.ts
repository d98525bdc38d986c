import { type VaultSide } from '../runtime/runtime-config';
import { type SnapshotReadThrough } from './copied-snapshot-readability';
import { otherSide } from './other-side';

/** Where the backup of snapshot `id` is found: the catalog record whose sources list it. */
export function findBackupOf(id: string): string {
  return `find its backup in the catalog (the record whose sources list snapshot ${id})`;
}

/** The end of the reason of a copied-in snapshot that reads in neither vault: no copy restores, so its source is backed up again. */
export function noCopyRestores(id: string): string {
  return `so no vault holds a copy that restores: ${findBackupOf(id)} and back that source up again`;
}

/**
 * The reason's words for a copied-in snapshot (`it`) or snapshots (`them`) the `side` vault reads only with objects read
 * from the other vault (`readThrough`: how many, the first keys; `notToldApart`: why those could not be told from the
 * other snapshots'): restorable once those are repaired. `commandOptions`: the run's target options, with a leading space,
 * which its command line ends with (review r59L F1).
 */
export function readsOnlyThrough(side: VaultSide, readThrough: SnapshotReadThrough, subject: 'it' | 'them', commandOptions = ''): string {
  const { count, first, notToldApart } = readThrough;
  const keys = `${first.join(', ')}${count > first.length ? ', …' : ''}`;
  // Not told apart (telling whose was stopped, review r57X F1): the whole check's objects, some perhaps another's.
  const objects =
    notToldApart === undefined
      ? `${count} object(s) it lacks a readable copy of read from the ${otherSide(side)} vault (${keys})`
      : `${count} object(s) read from the ${otherSide(side)} vault in this check (${keys}; not told apart per snapshot, so some may be another copied snapshot's: ${notToldApart})`;
  return `the ${side} vault reads ${subject} only with ${objects}, so ${subject === 'it' ? 'it is' : 'they are'} restorable once those are repaired: \`lifeboat scrub --fraction 1 --repair${commandOptions}\` repairs them now`;
}
