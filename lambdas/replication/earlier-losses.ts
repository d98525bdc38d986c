import { listedOutstanding, type ScrubRunRecord } from '../catalog/scrub-record';
import { type VaultSide } from '../runtime/runtime-config';
import { groupLost } from '../catalog/scrub-group-lost';

/**
 * What the previous record tells of an object's loss (no good copy in either vault). `lost`: it found the object so,
 * listed with no good copy and no other copy known, or counted in a group of lost objects that spans that key alone.
 * `maybe`: the key lies within the wider range of such a group, which counts `count` objects there (some with no copy),
 * not which ones: the object may be one of them, or a new one whose other copy is good (review r64AB F2); the repairs
 * record it unverified (ScrubFinding `inLostGroup`), the record carrying the group as lost and the run DAMAGED, the safe
 * side (review r64AE F1). `unknown`: the
 * previous record could not be read (unknownEarlierLosses).
 */
export type EarlierLoss =
  | { readonly kind: 'lost' }
  | { readonly kind: 'maybe'; readonly count: number; readonly first: string; readonly last: string }
  | { readonly kind: 'unknown' };

/** What the previous record knew lost of an object in a vault (earlierLosses): undefined when it did not. */
export type EarlierLosses = (vault: VaultSide, key: string, problem: 'corrupt' | 'missing') => EarlierLoss | undefined;

/**
 * The objects the `previous` record holds as lost, for a run whose other copy of an object goes unread: unread, it
 * would be merely unverified, and a one-vault run while the DR region was down recorded a known loss REPAIRABLE, its
 * backups dropped from `affectedBackups` and status "within objectives", run after run (review r64T F1). An earlier
 * unverified, refused, archived or good copy is no loss.
 */
export function earlierLosses(previous: ScrubRunRecord | undefined): EarlierLosses {
  const listed = new Set(
    listedOutstanding(previous?.outstanding)
      .filter((o) => !o.goodCopy && o.otherCopy === undefined)
      .map((o) => `${o.vault} ${o.key}`),
  );
  // A group from before `lost` was kept is judged as status and the carrying of groups judge it (review r65A F6).
  const outstanding = previous?.outstanding;
  const groups = (outstanding?.notListedGroups ?? []).flatMap((g) => (outstanding !== undefined && groupLost(g, outstanding) && g.first !== undefined && g.last !== undefined ? [{ ...g, first: g.first, last: g.last }] : []));
  return (vault, key, problem) => {
    if (listed.has(`${vault} ${key}`)) return { kind: 'lost' };
    const holding = groups.filter((g) => g.problem === problem && g.vaults.includes(vault) && key >= g.first && key <= g.last);
    // Only a group of that one key says which object it counts; within a wider one it may be one of them (review r64AB F2).
    if (holding.some((g) => g.first === key && g.last === key)) return { kind: 'lost' };
    const [counting] = holding;
    return counting === undefined ? undefined : { kind: 'maybe', count: counting.count, first: counting.first, last: counting.last };
  };
}

/**
 * For a run that could not read the previous record (the primary catalog down): whether any object was found lost is
 * unknown, and its reasons say so rather than "not known lost" (review r64AB F3).
 */
export function unknownEarlierLosses(): EarlierLosses {
  return () => ({ kind: 'unknown' });
}
