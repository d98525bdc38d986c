import { type ScrubCursor } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type NotWorkedOutCause, type OtherCopy } from '../catalog/scrub-record';
import { type DamagedObject } from './scrub-damage';
import { type PacksNotLookedFor } from './lost-listed-packs';

/** Which vaults a scrub reads and repairs (scrubVaults). */
export type ScrubScope = VaultSide | 'both';

/**
 * One damaged or missing object in one vault, and what became of it: `repaired` (copied from the
 * other vault, whose copy verified, and verified again where it landed), `repairable` (the other
 * copy verifies; run with repair), `unrepaired` (`reason` says why). An unrepaired object whose other
 * copy verified has `goodCopy`: something stood in the way of the repair (a prune of the vault, a lock,
 * another account), nothing is lost, and it is not `damage`. One whose other copy is archived has
 * `otherCopy: 'archived'` instead: an archived copy, not verified (it is not read until a thaw, and may be
 * damaged too), so neither lost nor known to have a good copy; its backups are in `archivedCopyDamage`. One the
 * deadline left before its repair, whose other copy this run did not read, has `otherCopy: 'unverified'`, judged alike.
 */
export type ScrubFinding = {
  readonly vault: VaultSide;
  readonly key: string;
  readonly problem: 'corrupt' | 'missing';
  readonly detail: string;
  readonly outcome: 'repaired' | 'repairable' | 'unrepaired';
  readonly reason?: string;
  /**
   * Unrepaired only: the other vault's copy verified in this run, so the object is not lost.
   */
  readonly goodCopy?: true;
  /**
   * Unrepaired only, never with `goodCopy`: the other vault's copy exists but was not verified. `archived`: an archived
   * copy; a lifecycle rule archived it, so it is most likely good, but only a thaw tells; until then no scrub can repair
   * from it (nor clear it). `unverified`: the run's deadline came before the repair, and this run did not read that copy;
   * it may be damaged too (review rJJ F3), so its backups are named until the next scrub with repair reads and copies it.
   */
  readonly otherCopy?: OtherCopy;
  /**
   * With `otherCopy: 'unverified'`: its check was refused (an AccessDenied, which the reason names), so the next scrub is
   * refused the same way until the permission is fixed: no message says a later scrub verifies it (review r63Y F1). The
   * scrub record, which has no reason, keeps the flag on the object's outstanding entry (scrub-record.ts, review r63AB F2).
   */
  readonly otherCopyRefused?: true;
  /**
   * With `otherCopy: 'unverified'`: its key lies within the range of a group of lost objects the previous record counts
   * (earlier-losses.ts, `maybe`) and its other copy went unread. The group counts, not names, its objects, so it may be one
   * of them: the record carries that group as lost (scrub-outstanding.ts) and the run is DAMAGED for it
   * (scrub-run-summary.ts), where listed lost a new object whose other copy is good read as a known loss (review r64AB F2).
   */
  readonly inLostGroup?: true;
  /**
   * A snapshot object a scrub copied into `vault` whose tree was not shown to read there: this run's copy, unverified
   * (`otherCopy: 'unverified'`) or lost (readable in neither vault), or an earlier run's checked again
   * (copied-in-recheck.ts, or the look after this run copied its object again), lost or readable only across both vaults
   * (`goodCopy`). No longer missing, no comparison finds
   * it again, so the record keeps it (`copiedIn` on its outstanding entry) until a run checks it again and it reads
   * (reviews r57F L2, r57G R2, r57K F1); meanwhile `lifeboat verify --backup` tells at once.
   */
  readonly copiedIn?: true;
  /**
   * A pack neither vault holds that an index object of `vault` lists (lost-listed-packs.ts: no listing comparison finds
   * it), that object's key: the record keeps its entry till a run's slice reads that object again (scrub-outstanding.ts).
   */
  readonly listedBy?: string;
};

/**
 * A damaged index object `vault repair index` replaced and Object Lock kept, which the vault's tombstone names as
 * superseded (docs/FORMAT.md §11): no backup or prune reads it, and prune deletes it once its retention passes. Not a
 * finding: with no good copy in the other vault it would stay unrepaired, and fail every scrub, for the whole retention.
 */
export type ScrubSupersededObject = { readonly vault: VaultSide; readonly key: string; readonly detail: string; readonly tombstone: string };

export type ScrubReport = {
  readonly scope: ScrubScope;
  readonly fraction: number;
  readonly repair: boolean;
  readonly cursor: ScrubCursor;
  readonly nextCursor: ScrubCursor;
  /** True when this run read the last objects of its cycle. */
  readonly cycleComplete: boolean;
  /**
   * True when the deadline came before the run read its whole slice: it read the keys up to `nextCursor` in every vault
   * in scope, and the next run starts there; so too when it came before the run looked again for the packs an index
   * object of the slice lists (`packsNotLookedFor`): the slice ends before that object. A scrub cut day after day reads less than its fraction: lower it, or
   * scrub more often (docs/RUNBOOKS.md, "Scrub"). Absent when the slice was read whole.
   */
  readonly cut?: true;
  /** Objects the vaults in scope hold (the union of their listings). */
  readonly objects: number;
  /** Objects read and verified in this run, per vault. */
  readonly read: Partial<Record<VaultSide, number>>;
  /**
   * Packs of the slice not read because they are in an archive storage class (a read needs a thaw: "Storage tiers"),
   * per vault; neither damage nor verified. Absent when there are none.
   */
  readonly notRead?: Partial<Record<VaultSide, { readonly archived: number; readonly first: readonly string[] }>>;
  /**
   * Per vault, the packs its index objects of the slice list that neither listing holds which the run's deadline left
   * not looked for again (lost-listed-packs.ts): neither judged lost nor known present, and no finding. The slice ends
   * before `from`, the least key of the index objects listing them (`cut`), so the next run reads it again and judges
   * them (review r59C F5). Absent when there are none.
   */
  readonly packsNotLookedFor?: Partial<Record<VaultSide, PacksNotLookedFor>>;
  /**
   * Per vault, the data/, index/ and manifest/ objects the other vault holds that it lacks and that its snapshots do not
   * need (its prune removed them, or the other vault's prune has not yet): neither missing nor copied. Absent when there are none.
   */
  readonly notNeeded?: Partial<Record<VaultSide, number>>;
  /**
   * Per vault, the data/, index/ and manifest/ objects the other vault holds that it lacks, of which the run's deadline
   * came before it worked out which its snapshots need (NEEDS_CUT_REASON): neither missing nor `notNeeded`, and no
   * finding. Counted as missing, those it does not need (a failed backup's orphan packs, what one vault's prune removed)
   * made a clean run REPAIRABLE and failed the runbook every run the work-out did not fit (review rQ F2); none would have
   * been copied anyway (the repairs' cutoff had passed). The next run works them out. So too, without any read, when the
   * vault lacks more of them than the memory the listings left holds a finding of (scrubFindingLimit), and when the
   * work-out would hold more blobs than that memory does (scrubNeedsBlobLimit: the index objects it loads, the snapshots'
   * references): a scrub from a machine, which has no such bound, works them out. Meanwhile the snapshots the vault
   * lacks are held back (heldBackReason). Absent when there are none.
   */
  readonly notWorkedOut?: Partial<Record<VaultSide, number>>;
  /**
   * Per vault of `notWorkedOut`, what cut its work-out: the run's deadline (the next run works them out if its time
   * allows) or the function's memory (every scheduled run meets the same bound). Absent when `notWorkedOut` is.
   */
  readonly notWorkedOutCause?: Partial<Record<VaultSide, NotWorkedOutCause>>;
  /**
   * The keys `notWorkedOut` counts, per vault, sorted: what its full listing showed the vault lacks and the other holds.
   * A missing object an earlier run recorded there that is not among them the vault holds again, or the other vault no
   * longer holds it (no listing comparison counts it missing), so the record drops it (scrub-outstanding.ts); kept till a
   * run with time worked it out, it was outstanding for ever while every run was cut (review rZ3 F3). Not recorded: the
   * record keeps the count. Absent when `notWorkedOut` is.
   */
  readonly notWorkedOutKeys?: Partial<Record<VaultSide, readonly string[]>>;
  /**
   * Per vault, the snapshots it lacks that the other vault holds and that their backup discarded (`discardedSnapshots`):
   * neither missing nor copied. A DR vault's copy is left there (docs/RUNBOOKS.md, "Scrub"). Absent when there are none.
   */
  readonly discardedSnapshots?: Partial<Record<VaultSide, readonly string[]>>;
  /**
   * Per vault, the snapshots it lacks that the other vault holds whose record there the run did not read by its time
   * (the deadline less DISCARDED_READS_MARGIN_MS, the vaults' reads alternating), so whether their backup discarded them was not worked out
   * (DISCARDED_NOT_READ_REASON): neither missing nor copied, and no finding, as `notWorkedOut`; an earlier run's
   * finding of one is kept outstanding (scrub-outstanding.ts). Counted missing, a FAILED backup's snapshot kept on
   * purpose in one vault (a legal hold, the DR vault's retention) made every cut run REPAIRABLE (review rF F2). Sorted
   * ids; absent when there are none.
   */
  readonly snapshotsNotWorkedOut?: Partial<Record<VaultSide, readonly string[]>>;
  /** Bytes are not counted: the slice is in objects. Every problem found, missing ones from the full listing comparison. */
  readonly findings: readonly ScrubFinding[];
  /** The unrepaired objects with no good copy (neither `goodCopy` nor `otherCopy`) mapped to the backups, sources and paths they affect. */
  readonly damage: readonly DamagedObject[];
  /**
   * The unrepaired objects whose other copy exists but was not verified (`otherCopy`: archived, or left unread by the
   * deadline), mapped as
   * `damage` is: not lost, but a restore of these backups from the vault they are bad in fails for these paths, and
   * nothing but a thaw of an archived other copy (not a scheduled scrub), or the next scrub with repair for an unread one,
   * tells whether they can be repaired. Absent when none.
   */
  readonly archivedCopyDamage?: readonly DamagedObject[];
  /**
   * The deadline cut the mapping of `damage` and `archivedCopyDamage` to backups (describeDamageUntil): each has `affects`
   * [] and a note, and hits backups unknown, not none. The record keeps an earlier run's backups of such an object, or
   * says none were worked out (scrub-outstanding.ts), so that `lifeboat status` does not read it as hitting no backup
   * (review rS F1, F2). Absent when the mapping was whole or there was nothing to map.
   */
  readonly backupsNotWorkedOut?: true;
  /**
   * Per vault, the keys of carried copied-in snapshots (scrub-record.ts, `copiedIn`) this run checked again and settled
   * (recheckCopiedIn): readable there, or gone from both vaults, or still not, with a finding of this run that replaces the
   * entry; and those the look after this run copied their object again vouched for (readable there: review r58F F4). The
   * record drops the others' entries only so (scrub-outstanding.ts). Absent when none.
   */
  readonly copiedInRechecked?: Partial<Record<VaultSide, readonly string[]>>;
  /**
   * Per vault, the carried copied-in snapshots whose tree this run read again, whatever came of it: the record's
   * `lastChecked` (review r57P F1): their check again, or the look after this run copied their object again (review r58B
   * F3). Only a finding of one of these replaces its entry's verdict (scrub-outstanding.ts). Absent when none.
   */
  readonly copiedInChecked?: Partial<Record<VaultSide, readonly string[]>>;
  /**
   * Damaged objects a tombstone supersedes that were not repaired (with repair, one whose other copy verifies is
   * copied, harmlessly): information, not findings. Absent when there are none.
   */
  readonly superseded?: readonly ScrubSupersededObject[];
  /** True when nothing is left damaged or missing: a clean run, or every finding repaired. */
  readonly ok: boolean;
};
