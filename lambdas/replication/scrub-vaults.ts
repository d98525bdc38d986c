import { checkVaultObject, cutScrubSlice, listScrubbedObjects, loadIndexObject, mapBounded, markSnapshots, scrubObjectsInStep, selectScrubSlice, SNAPSHOTS_PREFIX, CONFIG_KEY, DATA_PREFIX, idFromKey, INDEX_PREFIX, MANIFEST_PREFIX } from '../../vault';
import { type LoadedIndexObject, type MarkMemory, Vault, VaultError, type VaultStore } from '../../vault';
import { type BlobCheck, type ScrubCursor, type ScrubObjectResult } from '../../vault';
import { isS3AccessDenied, ObjectLockedError, VaultCorruptionError, VaultObjectArchivedError, VaultObjectNotFoundError } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { copyVaultObject, countedIndexLoads, type LookMemory, objectsTheSnapshotsLack, referencesOf } from './replicate-vault';
import { markOfReadableSnapshots } from './readable-snapshots-mark';
import { awaitNoReplicaPrune, type ReplicaPruneWaitOptions } from './replica-prune-wait';
import { type DiscardedSnapshots, type DiscardedSnapshotsFound, discardedSnapshotsInEach } from './discarded-snapshots';
import { type DamagedObject, describeDamage } from './scrub-damage';
import { ScrubVaultUnavailableError } from './replication-errors';
import { ARCHIVED_COPY, whenRepairedAgain } from './scrub-objects-left';
import { type NotWorkedOutCause, type OtherCopy } from '../catalog/scrub-record';
import { objectsNeeded, readThroughStore, type SnapshotReferences } from './vault-references';
import { ReadsStoppedError, readsUntilVault } from './reads-until-vault';
import { supersedingTombstones } from '../../vault';
import { scrubFindingLimit, scrubListingLimit, scrubListingMemoryMb, scrubLookKeyLimit, scrubNeedsBlobLimit } from './scrub-listing-memory';
import { ScrubNeedsTooLargeError } from './scrub-needs-too-large-error';
import { firstKeyFrom, hasSortedKey, sortedDifference, sortedUnion } from './sorted-keys';
import { lackedSnapshotReadOrder } from './lacked-snapshot-read-order';

export type ScrubScope = VaultSide | 'both';

export type ScrubVaultsOptions = {
  /** The vaults, open; one that could not be opened is absent (it is then neither read nor a source of repairs). */
  readonly vaults: Partial<Record<VaultSide, Vault>>;
  /** Whose objects are read and, with `repair`, repaired. Every vault in scope must be open. */
  readonly scope: ScrubScope;
  /** The share of the objects read in this run (0 < fraction ≤ 1). */
  readonly fraction: number;
  /** Where this run starts (the previous run's `nextCursor`). */
  readonly cursor: ScrubCursor;
  /** Copy what is missing or corrupt from the other vault, once the other copy verifies. Without it, report only. */
  readonly repair: boolean;
  /** Objects read at once per vault. @default 3 (packs are read whole, ~16 MiB) */
  readonly concurrency?: number;
  /** How a pack's blobs are checked (vault/checker/scrub.ts). @default 'authenticate' */
  readonly check?: BlobCheck;
  /**
   * Per vault, the snapshot ids its retention forgot (its region's catalog's `forgottenAt` records):
   * such a snapshot absent there is not missing, and is not copied back from the other vault.
   */
  readonly forgotten?: Partial<Record<VaultSide, ReadonlySet<string>>>;
  /**
   * Of the snapshots one vault lacks and the other holds (with their tags there), those their backup discarded (the
   * catalog records it FAILED, or COMMITTED with other snapshots: discarded-snapshots.ts): deleted from the primary
   * vault on purpose by a failed run's cleanup, maybe after a Replicate pass copied them to the DR vault. Such a
   * snapshot is not missing, and is copied into neither vault. Asked once per vault in scope that lacks snapshots, after
   * its slice was read. Absent: every such snapshot is missing.
   */
  readonly discardedSnapshots?: DiscardedSnapshots;
  /**
   * Epoch ms by which the scrub is done (a Lambda's remaining time less what recording takes, as replication's
   * deadline). It starts no read of its slice after the deadline less SLICE_READ_RESERVE_MS and REPAIR_BUDGET_MS, and
   * is then `cut`: the slice is shortened to the keys read in every vault in scope. It stops waiting for a running prune in a vault it
   * copied snapshot objects into early enough to look again and copy back (COPY_BACK_RESERVE_MS), and starts no
   * copy-back after it. It starts no repair (nor, without `repair`, read of the other copy) after the deadline less
   * COPY_BACK_RESERVE_MS (so a cut run still has REPAIR_BUDGET_MS for them, corrupt objects of its slice first): an
   * object not started is `unrepaired` with `goodCopy` if this run verified the other copy, otherwise with `otherCopy:
   * 'unverified'`, and
   * a later scrub with repair copies it (the next one a missing object, the one whose slice holds it a corrupt one). Nor
   * does it start a read to work out what a vault lacking something needs after that cutoff: the data/, index/ and
   * manifest/ objects it lacks are then `notWorkedOut` (objectsVaultNeedsWithin), for the next run, and the snapshots it
   * lacks are held back (heldBackReason). It starts no read of the record of a snapshot it lacks, to tell whether its
   * backup discarded it (`discardedSnapshots`), after the deadline less DISCARDED_READS_MARGIN_MS (the vaults' reads
   * alternate up to it; those of a vault whose work-out needs them come first, just before it, each such vault in turn up to its share of the time to the repair cutoff): such a snapshot is then `snapshotsNotWorkedOut`, not missing. What is left
   * unrepaired with no good copy is mapped to its backups by reads that start none after the deadline less
   * DAMAGE_MAPPING_MARGIN_MS; cut there, each object is reported without them, with a note. Absent: it reads its whole slice, repairs everything, looks once, does not wait, and copies back all.
   */
  readonly deadline?: number;
  /** The deadline's clock. @default Date.now */
  readonly now?: () => number;
  /** How the scrub waits for a running prune (only with a `deadline`). @default every REPLICA_PRUNE_POLL_MS, with setTimeout */
  readonly pruneWait?: Pick<ReplicaPruneWaitOptions, 'pollMs' | 'sleep'>;
};

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
   * in scope, and the next run starts there. A scrub cut day after day reads less than its fraction: lower it, or
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
   * Damaged objects a tombstone supersedes that were not repaired (with repair, one whose other copy verifies is
   * copied, harmlessly): information, not findings. Absent when there are none.
   */
  readonly superseded?: readonly ScrubSupersededObject[];
  /** True when nothing is left damaged or missing: a clean run, or every finding repaired. */
  readonly ok: boolean;
};

/** Archived keys named in the report per vault (the count covers them all). */
const NOT_READ_LISTED = 20;

/**
 * Time kept, beyond the time a look took, between the end of the wait for a prune and the deadline, for copying back
 * what that prune deleted (the first look rarely copies anything: the packs are deleted only while it waits). A minute
 * copies about 6 GiB at 100 MiB/s; a prune that deleted more leaves the snapshot `unrepaired` at the deadline and the
 * next scrub with repair copies the rest, rather than the copy-back running into the Lambda's timeout.
 */
export const COPY_BACK_RESERVE_MS = 60_000;

/**
 * Time kept between the end of the repairs and the deadline, for what follows them: the repairs in flight (each a
 * read of the other copy, a copy and a read of the copy), the look for a running prune and its copy-backs, the reads
 * of the records of the snapshots a vault lacks (none starts after the deadline less DISCARDED_READS_MARGIN_MS), and
 * the mapping of damage to backups, which gets what is left of it: it starts no read after the deadline less
 * DAMAGE_MAPPING_MARGIN_MS, and cut there names the objects without their backups (describeDamageUntil). The same
 * minute as COPY_BACK_RESERVE_MS: no repair starts after the deadline less that
 * minute (missing objects come from the full listings whatever the slice, so a vault lacking a whole backup has more
 * to copy than any run holds), and those in flight then (a few packs, seconds each) end well within it; what was not
 * started is left `unrepaired` (with its good copy, or `otherCopy: 'unverified'` when the run did not read it), for the next
 * scrub with repair.
 */
export const SLICE_READ_RESERVE_MS = COPY_BACK_RESERVE_MS;

/**
 * Time kept for repairs between the end of the slice's reads and SLICE_READ_RESERVE_MS: the slice's reads stop at the
 * deadline less both. With reads stopping at the repairs' own cutoff, a cut run (every run of a large vault) reached its
 * repairs past it and repaired nothing, not even the corrupt objects it had just read and moved its cursor past, which
 * then stayed corrupt a whole cycle (review rJJ F1, F2). Two minutes: a pack's repair reads its other copy, copies it
 * and reads it back, ~64 MiB moved (~1 s at 100 MiB/s, 3 at a time), so a run repairs some 200+ packs (~3 GiB), far
 * more corrupt objects than a slice holds, and a share of a missing backup every run; it costs a run a sixth of its
 * reads ("How much one run reads", docs/RUNBOOKS.md).
 */
export const REPAIR_BUDGET_MS = 120_000;

/**
 * Time kept before the deadline in which the mapping of unrepaired objects to backups (describeDamageUntil: lost ones,
 * those whose other copy is archived, and those left at the repair cutoff unread) starts no read: what it reads are
 * snapshots, index objects and manifest objects (a few MiB at most, well under a second each from S3, 8 index objects
 * at a time), so those in flight then end before the deadline.
 */
export const DAMAGE_MAPPING_MARGIN_MS = 10_000;

/**
 * Time kept before the deadline in which no read of a lacked snapshot's record starts (discardedSnapshotsIn: whether its
 * backup discarded it). They only tell what is missing, so they run past the repair cutoff (COPY_BACK_RESERVE_MS),
 * where a cut run's slice reads stop too and none was read (review rF F2); but run to the mapping's margin, as they
 * did, reads of a vault lacking many snapshots took all of it, and the mapping of what no copy can restore, next,
 * started no read and named no backup (review rN F1). Half a minute: the records get the half-minute past the cutoff
 * (~27,000 at 32 in flight and ~35 ms a GET), and the mapping the 20 s from here to its margin, about what a vault of a
 * few thousand snapshots takes (~5 requests a snapshot, 8 index objects at a time). The catalog's queries after the reads
 * (discardedSnapshotsOf: listBackupsOfPlan for each plan the records name) have no time limit: small for realistic
 * catalogs, they come out of the mapping's 20 s.
 */
export const DISCARDED_READS_MARGIN_MS = 30_000;

/** Why an object whose repair the deadline left no time to start is unrepaired: a missing one. */
export const REPAIR_DEADLINE_REASON = "the run's deadline came first; the next scrub with repair copies the rest";

/**
 * As REPAIR_DEADLINE_REASON, a corrupt one: found only by a read of its slice, so the next run, reading the next slice,
 * does not repair it (review rN F3).
 */
export const CORRUPT_REPAIR_DEADLINE_REASON = "the run's deadline came first; a scrub with repair copies it when its slice comes round again, or now with `lifeboat scrub --fraction 1 --repair`";

/** Keys named in a reason (the count covers them all). */
const KEYS_NAMED = 3;

const other = (side: VaultSide): VaultSide => (side === 'primary' ? 'dr' : 'primary');

/** What reading a copy found: it verified, it is damaged or gone (`problem` says how), or it is archived and was not read. */
type CopyCheck = { readonly state: 'ok' } | { readonly state: 'bad'; readonly problem: string } | { readonly state: 'archived'; readonly storageClass: string | undefined };

/** An object found damaged or missing in a vault, before the repair. */
type Bad = { readonly vault: VaultSide; readonly key: string; readonly problem: 'corrupt' | 'missing'; readonly detail: string; readonly supersededBy?: string };

/**
 * Scrubs an environment's two vaults (docs/RUNBOOKS.md, "Scrub"; docs/ARCHITECTURE.md, "Scrub and
 * self-heal"): reads and verifies the next slice of the objects (selectScrubSlice: every object once
 * per cycle), compares the full listings of the two vaults (objects missing on one side), and with
 * `repair` copies each bad object from the other vault through replication's own copy path — only
 * after that copy verifies, never overwriting with bad data, and a missing snapshot only once
 * everything else missing in that vault is repaired and what it may need there was worked out (the commit protocol: a
 * visible snapshot is complete). Both vaults hold the same master key and the same bytes under the same names, so a copy
 * is byte for byte. A snapshot object copied into a vault is vouched for only once no prune of that
 * vault runs, with what it needs there looked at again (lookAfterPrunes): otherwise it is `unrepaired`.
 * What stays unrepaired is mapped to the backups and paths it affects. A snapshot
 * a vault's retention forgot (`forgotten`) is not missing there: the other vault may keep it longer. Nor is a
 * snapshot of a FAILED backup (`discardedSnapshots`) in either vault: its run's cleanup deleted it from the primary on
 * purpose, and a Replicate pass may have copied it to the DR vault first (review r7 F3); nor one a COMMITTED backup's
 * failed commit invocation discarded (`discardedSnapshots` says which).
 */
export async function scrubVaults(options: ScrubVaultsOptions): Promise<ScrubReport> {
  const { vaults, scope, repair } = options;
  const check = options.check ?? 'authenticate';
  const sides: VaultSide[] = scope === 'both' ? ['primary', 'dr'] : [scope];
  for (const side of sides) if (!vaults[side]) throw new ScrubVaultUnavailableError(`the ${side} vault is in the scrub's scope but could not be opened; scrub the other with --vault ${other(side)}, or fix access first`);

  // Each vault's listing is held the whole run, as one sorted array (sorted-keys.ts), and bounded by the function's
  // memory: past it the run fails with ScrubListingTooLargeError, where a vault too large was an out-of-memory kill
  // (audit aW2). Both vaults count, whatever the scope: the other is what the scope is compared with.
  const memoryMb = scrubListingMemoryMb(vaults);
  const listings = new Map<VaultSide, readonly string[]>();
  let listed = 0;
  for (const side of ['primary', 'dr'] as const) {
    const vault = vaults[side];
    if (!vault) continue;
    const listing = await listScrubbedObjects(vault.store, scrubListingLimit(memoryMb, side, vault, listed));
    listings.set(side, listing);
    listed += listing.length;
  }
  const listingOf = (side: VaultSide): readonly string[] => listings.get(side) ?? [];
  const inScope = sides.reduce<readonly string[]>((union, side) => sortedUnion(union, listingOf(side)), []);
  const now = options.now ?? Date.now;
  const selected = selectScrubSlice(inScope, options.cursor, options.fraction);
  // Read in step, each key in every vault in scope at once: what was read by the deadline is the same key prefix in
  // each, so a cut slice skips nothing in either (one vault read after the other, the first took all the time).
  const readers = sides.map((side) => ({ vault: vaults[side] as Vault, holds: (key: string) => hasSortedKey(listingOf(side), key) }));
  const readUntil = options.deadline !== undefined ? { deadline: options.deadline - SLICE_READ_RESERVE_MS - REPAIR_BUDGET_MS, now } : {};
  const inStep = await scrubObjectsInStep(readers, selected.keys, { ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}), check, ...readUntil });
  const slice = cutScrubSlice(selected, options.cursor, inStep.read);
  const cut = inStep.read < selected.keys.length;

  // Results of reads, per vault and key: a copy read once is not read again to judge a repair.
  const checked = new Map<VaultSide, Map<string, ScrubObjectResult>>();
  const read: Partial<Record<VaultSide, number>> = {};
  const notRead: NonNullable<ScrubReport['notRead']> = {};
  const notNeeded: NonNullable<ScrubReport['notNeeded']> = {};
  const notWorkedOut: NonNullable<ScrubReport['notWorkedOut']> = {};
  const notWorkedOutKeys: NonNullable<ScrubReport['notWorkedOutKeys']> = {};
  const notWorkedOutCause: NonNullable<ScrubReport['notWorkedOutCause']> = {};
  const discarded: NonNullable<ScrubReport['discardedSnapshots']> = {};
  const snapshotsNotWorkedOut: NonNullable<ScrubReport['snapshotsNotWorkedOut']> = {};
  const bad: Bad[] = [];
  // Per vault, the snapshots it lacks that the other holds and its retention did not forget: their records are read
  // (discardedSnapshotsInEach), the vaults' reads alternating (those a work-out needs first, up to the repair cutoff).
  const lackedSnapshotsOf = new Map<VaultSide, readonly string[]>();
  for (const side of sides) {
    const forgotten = options.forgotten?.[side];
    const lacked = sortedDifference(snapshotKeysOf(listingOf(other(side))), snapshotKeysOf(listingOf(side)))
      .map((key) => key.slice(SNAPSHOTS_PREFIX.length))
      .filter((id) => forgotten === undefined || !forgotten.has(id));
    lackedSnapshotsOf.set(side, lacked);
  }
  for (const [index, side] of sides.entries()) {
    const vault = vaults[side] as Vault;
    const results = inStep.results[index] ?? [];
    checked.set(side, new Map(results.map((r) => [r.key, r])));
    const archived = results.filter((r) => r.state === 'archived').map((r) => r.key);
    read[side] = results.length - archived.length;
    if (archived.length > 0) notRead[side] = { archived: archived.length, first: archived.slice(0, NOT_READ_LISTED) };
    const corruptIndexes = results.some((r) => r.state === 'corrupt' && r.key.startsWith(INDEX_PREFIX));
    const superseding = corruptIndexes ? await supersededIndexesOf(vault) : new Map<string, string>();
    for (const r of results) {
      if (r.state !== 'corrupt' && r.state !== 'missing') continue;
      const supersededBy = r.state === 'corrupt' ? superseding.get(r.key) : undefined;
      bad.push({ vault: side, key: r.key, problem: r.state, detail: r.message ?? '', ...(supersededBy !== undefined ? { supersededBy } : {}) });
    }
  }

  const verifiesIn = async (side: VaultSide, key: string): Promise<CopyCheck> => {
    const known = checked.get(side)?.get(key);
    if (known) {
      if (known.state === 'ok') return { state: 'ok' };
      if (known.state === 'archived') return { state: 'archived', storageClass: known.storageClass };
      return { state: 'bad', problem: known.message ?? known.state };
    }
    const vault = vaults[side] as Vault;
    try {
      await checkVaultObject(vault, key, { check });
      return { state: 'ok' };
    } catch (err) {
      if (err instanceof VaultObjectArchivedError) return { state: 'archived', storageClass: err.storageClass };
      if (err instanceof VaultCorruptionError || err instanceof VaultObjectNotFoundError) return { state: 'bad', problem: err.message };
      throw err;
    }
  };

  const findings: ScrubFinding[] = [];
  const superseded: ScrubSupersededObject[] = [];
  const failedInto = new Set<VaultSide>();
  // Per vault whose work-out of what it needs was cut (`notWorkedOut`), why its missing snapshots are held back: with
  // none of what they reference a finding, nothing else held them, and each was copied in at once, before its packs
  // (review rF F1).
  const heldBack = new Map<VaultSide, string>();
  // Per vault, its missing snapshots held back one by one: those whose record was read only after its work-out ran, so
  // the objects they reference were not among what it found the vault needs (readAfterWorkOutReason).
  const heldBackSnapshots = new Map<VaultSide, Map<string, string>>();
  const heldBackWhy = (b: Bad): string | undefined =>
    b.problem === 'missing' && b.key.startsWith(SNAPSHOTS_PREFIX) ? (heldBack.get(b.vault) ?? heldBackSnapshots.get(b.vault)?.get(b.key)) : undefined;
  const repairsUntil = options.deadline !== undefined ? options.deadline - COPY_BACK_RESERVE_MS : undefined;
  const heal = async (b: Bad): Promise<ScrubFinding['outcome']> => {
    const from = other(b.vault);
    const source = vaults[from];
    if (!source) return found(b, 'unrepaired', `the ${from} vault could not be opened, so there is no copy to repair from`);
    if (!hasSortedKey(listingOf(from), b.key)) return found(b, 'unrepaired', `the ${from} vault lacks it too`);
    // A copy this run already found damaged or archived is judged as ever (copyFrom reads nothing then); any other would
    // cost reads and a copy the deadline has no time for. Unrepaired, it holds back a missing snapshot (failedInto).
    const theirs = checked.get(from)?.get(b.key);
    if (repairsUntil !== undefined && now() >= repairsUntil && (theirs === undefined || theirs.state === 'ok')) {
      // Only a copy this run verified is a good copy: one it did not read may be damaged too (review rJJ F3).
      const reason = heldBackWhy(b) ?? (b.problem === 'corrupt' ? CORRUPT_REPAIR_DEADLINE_REASON : REPAIR_DEADLINE_REASON);
      if (theirs === undefined) return found(b, 'unrepaired', reason, 'unverified');
      return found(b, 'unrepaired', reason, 'good');
    }
    return copyFrom(source, b);
  };
  /** `copy`: what is known of the other vault's copy of an unrepaired object (`good`: it verified in this run). */
  const found = (b: Bad, outcome: ScrubFinding['outcome'], reason?: string, copy: 'good' | OtherCopy | 'none' = 'none'): ScrubFinding['outcome'] => {
    // Harmless however it ends: noted, and it neither fails the run nor holds back a snapshot's repair.
    if (b.supersededBy !== undefined && outcome !== 'repaired') {
      superseded.push({ vault: b.vault, key: b.key, detail: b.detail, tombstone: b.supersededBy });
      return outcome;
    }
    if (outcome === 'unrepaired') failedInto.add(b.vault);
    const copyState = outcome !== 'unrepaired' || copy === 'none' ? {} : copy === 'good' ? { goodCopy: true as const } : { otherCopy: copy };
    findings.push({ ...b, outcome, ...(reason ? { reason } : {}), ...copyState });
    return outcome;
  };
  /** Copies `b.key` from `source` (the other vault) once its copy there verifies, and verifies it where it lands; returns the finding's outcome. */
  const copyFrom = async (source: Vault, b: Bad): Promise<ScrubFinding['outcome']> => {
    const from = other(b.vault);
    const theirs = await verifiesIn(from, b.key);
    if (theirs.state === 'bad') return found(b, 'unrepaired', `the ${from} vault's copy is damaged too (${theirs.problem})`);
    // An archived copy cannot be read without a thaw, so it cannot be the verified source of a repair yet. A lifecycle
    // rule archived it, so it is probably good, but it may be damaged too (review rAA F1): not lost, not a good copy
    // either, and a scheduled scrub never thaws, so its own state keeps it in sight until someone does.
    if (theirs.state === 'archived') {
      const where = `${(vaults[from] as Vault).location}/${b.key}`;
      return found(
        b,
        'unrepaired',
        `the ${from} vault's copy is ${ARCHIVED_COPY} (${theirs.storageClass ?? 'an archive storage class'}), so the backups it holds data of cannot be restored from the ${b.vault} vault for the paths affected: thaw it (S3 RestoreObject of ${where}), then, while the thawed copy lasts, scrub it with repair (docs/RUNBOOKS.md, "Scrub")`,
        'archived',
      );
    }
    // From here the other copy verified: whatever stops the repair, the object is not lost.
    const done = (outcome: ScrubFinding['outcome'], reason?: string): ScrubFinding['outcome'] => found(b, outcome, reason, 'good');
    if (!repair) return done('repairable');
    const held = heldBackWhy(b);
    if (held !== undefined) return done('unrepaired', held);
    if (b.problem === 'missing' && b.key.startsWith(SNAPSHOTS_PREFIX) && failedInto.has(b.vault)) {
      return done('unrepaired', `held back: other objects could not be repaired in the ${b.vault} vault, and a snapshot is made visible only when everything it may reference is there`);
    }
    if (b.key.startsWith(SNAPSHOTS_PREFIX)) {
      const cut = await lookCut(b);
      if (cut !== undefined) return done('unrepaired', lookHeldBackReason(b.vault, cut));
    }
    try {
      await copyVaultObject(source.store, (vaults[b.vault] as Vault).store, b.key, { overDamagedCopy: b.problem === 'corrupt', sourceTags: true });
    } catch (err) {
      // A DR vault in another account refuses any overwrite by this account (docs/SECURITY.md, "The DR vault in
      // another account"): that one object stays for the DR account's own scrub; the others are still repaired.
      if (b.problem === 'corrupt' && isS3AccessDenied(err)) {
        return done('unrepaired', `the ${b.vault} vault refused to replace its damaged copy (${err instanceof Error ? err.message : String(err)}); a DR vault in another account takes overwrites from its own account only: have that account delete the damaged object (a plain delete keeps its version), and the next scrub with repair copies it as missing (docs/DEPLOYMENT.md, "The DR vault in another account")`);
      }
      // An endpoint keeping one version per key (the local cloud) refuses to overwrite an object under retention or a
      // legal hold; S3 on a versioned bucket takes a new version instead.
      if (err instanceof ObjectLockedError) {
        return done('unrepaired', `the ${b.vault} vault refused to replace its damaged copy, which Object Lock protects (${err.message}); the ${from} vault's copy is good: delete the damaged one once it may be, and the next scrub with repair copies it as missing (docs/RUNBOOKS.md, "Scrub")`);
      }
      throw err;
    }
    checked.get(b.vault)?.delete(b.key);
    const after = await verifiesIn(b.vault, b.key);
    if (after.state !== 'ok') return done('unrepaired', `copied from the ${from} vault, but the copy does not verify (${after.state === 'bad' ? after.problem : `it reads as archived, ${after.storageClass ?? 'an archive storage class'}`})`);
    return done('repaired');
  };
  // Corrupt objects first, straight after the reads: only this run's slice read them, so one the deadline leaves is not
  // seen again for a cycle, where a missing one is found again by every run from the listings. Before the missing set is
  // worked out too: that reads every snapshot and index object of a vault lacking anything, which on a large vault took
  // the whole repair budget and left the corrupt pack just read unrepaired as the cursor moved on (review rLL). Then
  // config first (the vault opens with it), snapshots last (the commit protocol).
  const rank = (key: string): number => (key === CONFIG_KEY ? 0 : key.startsWith(SNAPSHOTS_PREFIX) ? 2 : 1);
  // Each missing object is a finding held to the end of the run, counted against the memory the listings left
  // (scrubFindingLimit); the looks at what copied snapshots need (lookAfterPrunes) get what the findings leave.
  let findingsLeft = scrubFindingLimit(memoryMb, listed);
  const lookMemory = (side: VaultSide): LookMemory | undefined => {
    if (memoryMb === undefined) return undefined;
    const blobLimit = scrubNeedsBlobLimit(memoryMb, findingsLeft);
    const ids = bad.filter((b) => b.vault === side && b.key.startsWith(SNAPSHOTS_PREFIX)).length;
    return { blobLimit, keyLimit: scrubLookKeyLimit(memoryMb, findingsLeft), tooLarge: () => new ScrubNeedsTooLargeError((vaults[side] as Vault).location, ids, blobLimit, memoryMb) };
  };
  // Before a snapshot object is copied into a vault (missing or corrupt there), whether the look at what it needs there
  // (lookAfterPrunes) fits the function's memory, per vault and problem (the snapshots copied together): copied first,
  // a look that did not fit loaded every index object of the vault unbounded after the copy, where a vault lacking only
  // a snapshot never met the work-out's bound (review rJ F1). Cut, the snapshots are held back. Not on a machine.
  // One check at a time, each within the memory's bound alone: two vaults' checks at once held twice it.
  const lookChecks = new Map<string, Promise<NeedsCut | undefined>>();
  let lookTurn: Promise<unknown> = Promise.resolve();
  const lookCut = (b: Bad): Promise<NeedsCut | undefined> => {
    const memory = lookMemory(b.vault);
    if (memory === undefined) return Promise.resolve(undefined);
    const key = `${b.vault}:${b.problem}`;
    const known = lookChecks.get(key);
    if (known) return known;
    // Those whose other copy this run found damaged, archived or absent are not copied: left out of the check, as is
    // (markOfReadableSnapshots) one it cannot read, rather than the whole check (review rO F-a).
    const from = other(b.vault);
    const copyable = (x: Bad): boolean => {
      const theirs = checked.get(from)?.get(x.key);
      return hasSortedKey(listingOf(from), x.key) && (theirs === undefined || theirs.state === 'ok');
    };
    const ids = bad.filter((x) => x.vault === b.vault && x.problem === b.problem && x.key.startsWith(SNAPSHOTS_PREFIX) && copyable(x)).map((x) => x.key.slice(SNAPSHOTS_PREFIX.length));
    const check = lookTurn.then(() => lookFits(b.vault, ids, memory));
    lookTurn = check.catch(() => undefined);
    lookChecks.set(key, check);
    return check;
  };
  const lookFits = async (side: VaultSide, ids: readonly string[], memory: LookMemory): Promise<NeedsCut | undefined> => {
    const referencedIn = (s: VaultSide): readonly string[] => listingOf(s).filter((key) => key.startsWith(DATA_PREFIX) || key.startsWith(INDEX_PREFIX) || key.startsWith(MANIFEST_PREFIX));
    // The look lists these prefixes of both vaults again: about what the scrub's own listings hold of them.
    if (referencedIn(side).length + referencedIn(other(side)).length > memory.keyLimit) return 'memory';
    // Views, so that the mark's pages in flight are weighed against the function's memory without touching the vaults.
    const view = (v: Vault): Vault => {
      const bounded = repairsUntil !== undefined ? readsUntilVault(v, repairsUntil, now) : new Vault(v.store, v.keys, v.config);
      bounded.memoryLimitMb = memoryMb;
      return bounded;
    };
    const target = view(vaults[side] as Vault);
    const source = view(vaults[other(side)] as Vault);
    const indexIds = (keys: readonly string[]): string[] => keys.flatMap((key) => idFromKey(INDEX_PREFIX, key) ?? []);
    try {
      // Neither the mark nor the index objects are kept: each is counted against the bound as the look holds it. Kept to
      // the end of the run (for the look's reuse), they stood beside the work-out of what a vault lacking objects needs,
      // which loads the same index objects within its own bound: twice that bound held (review rO F-b). The look after
      // the copy reads them again.
      await markOfReadableSnapshots(source, ids, memory);
      const loadAll = countedIndexLoads(new Map(), memory);
      await loadAll(target.store, target.keys, indexIds(listingOf(side)));
      await loadAll(source.store, source.keys, indexIds(sortedDifference(listingOf(other(side)), listingOf(side))));
      return undefined;
    } catch (err) {
      if (err instanceof ScrubNeedsTooLargeError) return 'memory';
      if (err instanceof ReadsStoppedError) return 'deadline';
      // An index object that cannot be read is named by the look after the copy, as before.
      if (err instanceof VaultError) return undefined;
      throw err;
    }
  };
  const healEach = async (problem: Bad['problem']): Promise<void> => {
    for (const r of [0, 1, 2]) await mapBounded(bad.filter((b) => b.problem === problem && rank(b.key) === r), options.concurrency ?? 3, heal);
  };
  await healEach('corrupt');

  // Whether the snapshots each vault lacks were discarded by their backup, asked after the slices were read, well after
  // the listings: a snapshot a failed run's cleanup deleted since they were taken has its FAILED record (marked first) in
  // the catalog's byPlan index by now. The vaults' reads are pooled, alternating: read one vault after the other, the
  // first's took all the time and the other's went unread (review rN F1), and with an even share each, what the second
  // left unused was lost to the first (review rQ F2). A vault lacking data/, index/ or manifest/ objects has its
  // work-out, which needs its own records read, first: in turn, each such vault with records to read reads them up to
  // its even share of the time left to the repair cutoff (among those vaults still to go), then its work-out runs at
  // once; then the rest of every vault's records, pooled, up to DISCARDED_READS_MARGIN_MS. A snapshot these later reads
  // find missing in a vault whose work-out ran is not copied, whether or not the cutoff has passed: what it references
  // was not worked out (readAfterWorkOutReason); elsewhere it is copied before the cutoff as ever. All read before the work-outs, a vault lacking many snapshots took the time to the
  // cutoff from the other's work-out, which then started no read: its missing pack was not worked out, a CLEAN run every
  // run (review rT F-1); so too when only the records of vaults needing a work-out were pooled first, as a DR vault
  // behind on replication lacks its snapshots' objects too (review rV F1). A snapshot whose record was not read is not
  // worked out (snapshotsNotWorkedOut), neither missing nor copied.
  const lackedOf = new Map<VaultSide, readonly string[]>();
  for (const side of sides) {
    const forgotten = options.forgotten?.[side];
    const wasForgotten = (key: string): boolean => forgotten !== undefined && key.startsWith(SNAPSHOTS_PREFIX) && forgotten.has(key.slice(SNAPSHOTS_PREFIX.length));
    lackedOf.set(side, sortedDifference(listingOf(other(side)), listingOf(side)).filter((key) => !wasForgotten(key)));
  }
  const referencedOf = (side: VaultSide): readonly string[] => (lackedOf.get(side) ?? []).filter((key) => key !== CONFIG_KEY && !key.startsWith(SNAPSHOTS_PREFIX));
  const askingSides = sides.filter((side) => vaults[other(side)] !== undefined && (lackedSnapshotsOf.get(side)?.length ?? 0) > 0);
  const foundOf = new Map<VaultSide, DiscardedSnapshotsFound>();
  const at = now();
  const readOrderOf = new Map(askingSides.map((side) => [side, lackedSnapshotReadOrder(lackedSnapshotsOf.get(side) ?? [], options.cursor, inScope, at)]));
  // A vault's records not read yet, in its read order: all of them before its first reads.
  const unreadOf = (side: VaultSide): readonly string[] => {
    const order = readOrderOf.get(side) ?? [];
    const found = foundOf.get(side);
    return found === undefined ? order : order.filter((id) => found.notRead.has(id));
  };
  const readRecords = async (of: readonly VaultSide[], until: number | undefined): Promise<void> => {
    const reading = of.filter((side) => unreadOf(side).length > 0);
    if (!options.discardedSnapshots || reading.length === 0) return;
    const asked = reading.map((side) => ({ holder: vaults[other(side)] as Vault, snapshotIds: unreadOf(side) }));
    const found = await discardedSnapshotsInEach(asked, options.discardedSnapshots, until !== undefined ? { until, now } : undefined);
    for (const [i, side] of reading.entries()) {
      const before = foundOf.get(side);
      const latest = found[i] as DiscardedSnapshotsFound;
      foundOf.set(side, before === undefined ? latest : { discarded: new Set([...before.discarded, ...latest.discarded]), notRead: latest.notRead });
    }
  };
  /** Of the snapshot objects and config `side` lacks, those that are findings by what its records told so far. */
  const lacksOf = (side: VaultSide): readonly string[] => {
    const found = foundOf.get(side);
    const toRead = readOrderOf.has(side) && options.discardedSnapshots !== undefined;
    const setAside = (key: string): boolean => {
      if (!key.startsWith(SNAPSHOTS_PREFIX)) return false;
      const id = key.slice(SNAPSHOTS_PREFIX.length);
      // Not read at all yet (its vault's reads come after the work-outs): not known missing either.
      if (found === undefined) return toRead;
      return found.discarded.has(id) || found.notRead.has(id);
    };
    return (lackedOf.get(side) ?? []).filter((key) => !setAside(key));
  };
  const workingOut = sides.filter((side) => referencedOf(side).length > 0);
  // Only the vaults with records of their own to read before their work-out share that time: one with none left its
  // share unused, and the records of the others went to the pool instead (review rX F2).
  const readingFirst = workingOut.filter((side) => askingSides.includes(side));
  /** When `side`'s own records read before its work-out stop: its even share of the time left to the repair cutoff. */
  const ownReadsUntil = (side: VaultSide): number | undefined => {
    if (repairsUntil === undefined) return undefined;
    const start = now();
    return start + Math.max(0, repairsUntil - start) / readingFirst.slice(readingFirst.indexOf(side)).length;
  };

  // What each vault lacks that the other holds, from the full listings whatever the slice (findingsLeft).
  type Needs = { readonly keys: ReadonlySet<string>; readonly cut?: NeedsCut; readonly unknown?: string };
  const needsOf = new Map<VaultSide, Needs>();
  const lackedAtWorkOut = new Map<VaultSide, number>();
  // The snapshot objects each vault's work-out was given as missing: one found missing only later was not among them.
  const workedOutSnapshots = new Map<VaultSide, ReadonlySet<string>>();
  for (const side of sides) {
    if (readingFirst.includes(side)) await readRecords([side], ownReadsUntil(side));
    const vault = vaults[side] as Vault;
    const lacks = lacksOf(side);
    const missingSnapshots = lacks.filter((key) => key.startsWith(SNAPSHOTS_PREFIX));
    if (referencedOf(side).length > 0) workedOutSnapshots.set(side, new Set(missingSnapshots));
    const referenced = referencedOf(side);
    // Only when the vault lacks some data/, index/ or manifest/ object: then its snapshots' references decide. Its reads
    // stop at the repair cutoff: after the corrupt repairs it may start there, and past it no repair of what it finds
    // starts anyway, while its reads (every snapshot, manifest and index object) would eat the reserve (review rN F1).
    // A config or snapshot object it lacks is always a finding. Data/, index/ and manifest/ objects too many to hold a
    // finding of each are not worked out either, as when the deadline cuts the work-out: counted, for a run that can. So
    // too when the work-out itself outgrows what the listings and findings leave (scrubNeedsBlobLimit), where it would
    // have run the function out of memory (review rE F1).
    const holderVault = vaults[other(side)] as Vault;
    findingsLeft -= lacks.length - referenced.length;
    lackedAtWorkOut.set(side, lacks.length);
    const until = (v: Vault): Vault => (repairsUntil !== undefined ? readsUntilVault(v, repairsUntil, now) : v);
    const needs: Needs =
      referenced.length === 0
        ? { keys: new Set<string>() }
        : referenced.length > findingsLeft
          ? { keys: new Set<string>(), cut: 'memory' as const }
          : await objectsVaultNeedsWithin(until(vault), until(holderVault), listingOf(side), referenced, missingSnapshots, {
              memoryMb,
              blobLimit: scrubNeedsBlobLimit(memoryMb, findingsLeft - referenced.length),
            });
    findingsLeft -= needs.keys.size;
    needsOf.set(side, needs);
  }
  // The rest of the records, of every vault: a snapshot found missing here is a finding. These reads may end before the
  // repair cutoff, but in a vault whose work-out already ran such a snapshot is held back (readAfterWorkOutReason): the
  // objects it references were not worked out, and copied it was visible before them (review rX F1).
  await readRecords(askingSides, options.deadline !== undefined ? options.deadline - DISCARDED_READS_MARGIN_MS : undefined);

  for (const side of sides) {
    const vault = vaults[side] as Vault;
    const lackedSnapshots = lackedSnapshotsOf.get(side) ?? [];
    const found = foundOf.get(side);
    const failed = found?.discarded ?? new Set<string>();
    const notLookedUp = found?.notRead ?? new Set<string>();
    if (failed.size > 0) discarded[side] = lackedSnapshots.filter((id) => failed.has(id));
    if (notLookedUp.size > 0) snapshotsNotWorkedOut[side] = lackedSnapshots.filter((id) => notLookedUp.has(id)).sort();
    const lacks = lacksOf(side);
    const referenced = referencedOf(side);
    findingsLeft -= lacks.length - (lackedAtWorkOut.get(side) ?? 0);
    const needs = needsOf.get(side) ?? { keys: new Set<string>() };
    const unknown = needs.unknown !== undefined ? `; which of them this vault's snapshots need could not be told (${needs.unknown}), so every one is counted` : '';
    let left = 0;
    const workedOut = workedOutSnapshots.get(side);
    for (const key of lacks) {
      const always = key === CONFIG_KEY || key.startsWith(SNAPSHOTS_PREFIX);
      if (always || needs.keys.has(key)) bad.push({ vault: side, key, problem: 'missing', detail: `${vault.location} lacks ${key}, which the ${other(side)} vault holds${unknown}` });
      else if (needs.cut === undefined) left++;
      if (workedOut !== undefined && key.startsWith(SNAPSHOTS_PREFIX) && !workedOut.has(key)) {
        const held = heldBackSnapshots.get(side) ?? new Map<string, string>();
        held.set(key, readAfterWorkOutReason(side));
        heldBackSnapshots.set(side, held);
      }
    }
    if (left > 0) notNeeded[side] = left;
    if (needs.cut !== undefined) {
      notWorkedOut[side] = referenced.length;
      notWorkedOutKeys[side] = [...referenced].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      notWorkedOutCause[side] = needs.cut;
      heldBack.set(side, heldBackReason(side, needs.cut));
    }
  }
  await healEach('missing');

  // Snapshot objects copied into a vault are checked again once no prune of it runs (lookAfterPrunes).
  if (repair) {
    for (const side of sides) {
      const copied = findings.filter((f) => f.vault === side && f.outcome === 'repaired' && f.key.startsWith(SNAPSHOTS_PREFIX));
      if (copied.length === 0) continue;
      const ids = copied.map((f) => idFromKey(SNAPSHOTS_PREFIX, f.key) as string);
      const vault = vaults[side] as Vault;
      const source = vaults[other(side)] as Vault;
      const detail = (key: string): string => `${vault.location} lacks ${key}, which snapshot(s) ${ids.join(', ')} copied in by this scrub need; it was deleted after the scrub listed the vault (by a prune of the ${side} vault that ran meanwhile)`;
      // As replication's copyAll: no copy starts after the deadline, so the run still has its reserve to report and record.
      const copyBack = async (keys: readonly string[]): Promise<CopyBack> => {
        const failed: string[] = [];
        const notCopied: string[] = [];
        await mapBounded(keys, options.concurrency ?? 3, async (key) => {
          if (options.deadline !== undefined && now() >= options.deadline) {
            notCopied.push(key);
            return;
          }
          if ((await copyFrom(source, { vault: side, key, problem: 'missing', detail: detail(key) })) !== 'repaired') failed.push(key);
        });
        return { failed, notCopied };
      };
      const memory = lookMemory(side);
      const { why, unreadable } = await lookAfterPrunes(side, vault, source, ids, { deadline: options.deadline, now, pruneWait: options.pruneWait, copyBack, ...(memory ? { memory } : {}) });
      const unrestorable = await unreadableInTarget(vault, [...unreadable.keys()], memory);
      for (const f of copied) {
        const id = idFromKey(SNAPSHOTS_PREFIX, f.key) as string;
        const whyNot = unreadable.get(id) ?? why;
        if (whyNot === undefined) continue;
        const reason = `copied from the ${other(side)} vault, but ${whyNot}`;
        // Unreadable in both vaults, the copy is a snapshot no vault restores: no good copy, so it counts as damage, where
        // goodCopy made the run REPAIRABLE, named no backup, and a rerun (the snapshot no longer missing) never saw it (review rV F4).
        findings[findings.indexOf(f)] = unrestorable.has(id)
          ? { ...f, outcome: 'unrepaired', reason: `${reason}; nor can the ${side} vault read them, so no vault holds a copy that restores: find its backup in the catalog (the record whose sources list snapshot ${id}) and back that source up again` }
          : { ...f, outcome: 'unrepaired', reason, goodCopy: true };
      }
    }
  }

  // Mapped to backups together (one walk of the manifests); an object lost in one vault is lost, whatever the other finding
  // says, and one archived in one is archived, whatever an unverified one says.
  const unrepaired = new Map<string, VaultSide[]>();
  const left = new Map<string, { kind: MappedKind; problems: Set<ScrubFinding['problem']> }>();
  for (const f of findings) {
    if (f.outcome !== 'unrepaired' || f.goodCopy === true) continue;
    unrepaired.set(f.key, [...(unrepaired.get(f.key) ?? []), f.vault].sort((a, b) => (a === 'primary' ? -1 : b === 'primary' ? 1 : 0)));
    const kind: MappedKind = f.otherCopy ?? 'lost';
    const was = left.get(f.key);
    const problems = new Set([...(was?.problems ?? []), f.problem]);
    left.set(f.key, { kind: was === undefined || MAPPED_KINDS.indexOf(kind) < MAPPED_KINDS.indexOf(was.kind) ? kind : was.kind, problems });
  }
  const { described, cut: mappingCut } = unrepaired.size > 0 ? await describeDamageUntil(vaults, unrepaired, left, options.deadline, now) : { described: [], cut: false };
  const lostKeys = new Set([...left].filter(([, l]) => l.kind === 'lost').map(([key]) => key));
  const damage = described.filter((d) => lostKeys.has(d.key));
  const archivedCopyDamage = described.filter((d) => !lostKeys.has(d.key));
  findings.sort((a, b) => a.vault.localeCompare(b.vault) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    scope,
    fraction: options.fraction,
    repair,
    cursor: options.cursor,
    nextCursor: slice.next,
    cycleComplete: slice.cycleComplete,
    ...(cut ? { cut: true as const } : {}),
    objects: inScope.length,
    read,
    ...(Object.keys(notRead).length > 0 ? { notRead } : {}),
    ...(Object.keys(notNeeded).length > 0 ? { notNeeded } : {}),
    ...(Object.keys(notWorkedOut).length > 0 ? { notWorkedOut, notWorkedOutKeys, notWorkedOutCause } : {}),
    ...(Object.keys(discarded).length > 0 ? { discardedSnapshots: discarded } : {}),
    ...(Object.keys(snapshotsNotWorkedOut).length > 0 ? { snapshotsNotWorkedOut } : {}),
    ...(superseded.length > 0 ? { superseded: superseded.sort((a, b) => a.vault.localeCompare(b.vault) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) } : {}),
    findings,
    damage,
    ...(archivedCopyDamage.length > 0 ? { archivedCopyDamage } : {}),
    ...(mappingCut ? { backupsNotWorkedOut: true as const } : {}),
    ok: findings.every((f) => f.outcome === 'repaired'),
  };
}

/** How an unrepaired object with no good copy is known, most severe first (an object's worst finding says). */
const MAPPED_KINDS = ['lost', 'archived', 'unverified'] as const;
type MappedKind = (typeof MAPPED_KINDS)[number];

/**
 * When a scrub names again the backups of an object whose mapping the deadline cut, by how it is known: an unverified
 * one is read again by the scrub that repairs it (whenRepairedAgain); a lost or archived one by any scrub that finds it,
 * every run when it is missing in a vault (the listings), only the run whose slice holds it when it is corrupt in both.
 */
function whenMappedAgain(kind: MappedKind, problems: ReadonlySet<ScrubFinding['problem']>): string {
  if (kind === 'unverified') return `${whenRepairedAgain(problems)} (or names them)`;
  if (problems.has('missing')) return 'the next scrub names them';
  return 'a scrub names them when its slice comes round again, or now `lifeboat scrub --fraction 1`';
}

/**
 * Maps the objects left unrepaired with no good copy (lost, archived other copy, or other copy left unread at the repair
 * cutoff) to the backups they hit (describeDamage), in one walk that starts no read after the deadline less
 * DAMAGE_MAPPING_MARGIN_MS: it reads snapshots, index objects and manifests after the repairs, ~5 requests a snapshot
 * whatever the damage, and unbounded it ran past the Lambda's timeout in a vault of a few thousand snapshots, so the run
 * recorded nothing, published no metric and the damage was never reported, run after run (audit aX2-1; until then only
 * the unverified objects were bounded). Cut there, each object is still reported, without its backups and with a note
 * saying why and when they are named. Without a deadline it is not bounded.
 */
async function describeDamageUntil(
  vaults: Partial<Record<VaultSide, Vault>>,
  objects: ReadonlyMap<string, readonly VaultSide[]>,
  left: ReadonlyMap<string, { readonly kind: MappedKind; readonly problems: ReadonlySet<ScrubFinding['problem']> }>,
  deadline: number | undefined,
  now: () => number,
): Promise<{ described: DamagedObject[]; cut: boolean }> {
  if (deadline === undefined) return { described: await describeDamage(vaults, objects), cut: false };
  const until = deadline - DAMAGE_MAPPING_MARGIN_MS;
  const bounded: Partial<Record<VaultSide, Vault>> = {};
  for (const side of ['primary', 'dr'] as const) {
    const vault = vaults[side];
    if (vault) bounded[side] = readsUntilVault(vault, until, now);
  }
  try {
    return { described: await describeDamage(bounded, objects), cut: false };
  } catch (err) {
    if (!(err instanceof ReadsStoppedError)) throw err;
    const note = (key: string): string => {
      const { kind, problems } = left.get(key) ?? { kind: 'lost' as const, problems: new Set(['missing' as const]) };
      return `the backups it holds data of were not worked out: the run's deadline came first; ${whenMappedAgain(kind, problems)}`;
    };
    return { described: [...objects].map(([key, sides]) => ({ key, vaults: sides, affects: [], note: note(key) })), cut: true };
  }
}

/**
 * The damaged index objects the vault's tombstones name as superseded, by key, each with its tombstone's key. Empty
 * when the scrub may not read prune's state (a stack from before it was granted, a DR vault in another account):
 * such an object is then reported as damaged, as before.
 */
async function supersededIndexesOf(vault: Vault): Promise<ReadonlyMap<string, string>> {
  try {
    return (await supersedingTombstones(vault.store, vault.keys)).indexes;
  } catch (err) {
    if (!isS3AccessDenied(err)) throw err;
    return new Map();
  }
}

/** What a copy-back left missing: keys whose copy failed (each has its own `unrepaired` finding), and keys not started before the deadline. */
type CopyBack = { readonly failed: readonly string[]; readonly notCopied: readonly string[] };

/** Why the snapshots are not vouched for after a copy-back, or undefined when it copied everything. */
function copyBackShortfall(side: VaultSide, when: string, result: CopyBack): string | undefined {
  const named = (keys: readonly string[]): string => `${keys.slice(0, KEYS_NAMED).join(', ')}${keys.length > KEYS_NAMED ? ` and ${keys.length - KEYS_NAMED} more` : ''}`;
  const why: string[] = [];
  if (result.failed.length > 0) why.push(`${result.failed.length} object(s) it needs in the ${side} vault could not be copied back ${when} (${named(result.failed)}: see their findings)`);
  if (result.notCopied.length > 0) why.push(`${result.notCopied.length} object(s) it needs in the ${side} vault were not copied back ${when}: the scrub's deadline came first (${named(result.notCopied)}); the next scrub with repair copies the rest`);
  return why.length > 0 ? why.join('; ') : undefined;
}

/**
 * Vouches for the snapshots `ids` the scrub copied into `vault` from `source` (docs/FORMAT.md §11, "Manifest objects and
 * pending batches"): a prune of `vault` between its mark and its deletes may have condemned packs (and index objects)
 * they reuse while they were missing, and its sweep looks again at manifest objects only. So, as replication
 * does (replicate-vault.ts, with its code: referencesOf, objectsTheSnapshotsLack, awaitNoReplicaPrune), it looks at what
 * they need there and copies back what is missing, waits until no prune lease of `vault` is live (until `deadline` less
 * the time that look took and COPY_BACK_RESERVE_MS for copying back what the prune deleted; without a deadline it looks
 * once), then looks and copies back again: every prune that marks after that sees the snapshots. Returns why they could
 * not be vouched for (a prune still running, its leases unreadable, their needs unknown, an object they need that could
 * not be copied back, or was not by the deadline), or no `why` once they were; and, apart, why each of those whose
 * snapshot or manifest objects `source` cannot read was not (`unreadable`): the others are looked at without them.
 * Marked together, one such snapshot threw for all, and every snapshot copied into the vault was left unrepaired with
 * its look skipped (review rR F1).
 */
async function lookAfterPrunes(
  side: VaultSide,
  vault: Vault,
  source: Vault,
  ids: readonly string[],
  options: Pick<ScrubVaultsOptions, 'deadline' | 'pruneWait'> & {
    now: () => number;
    copyBack(keys: readonly string[]): Promise<CopyBack>;
    /** What the looks may hold (the function's memory): absent on a machine. */
    memory?: LookMemory;
  },
): Promise<LookVerdict> {
  const { memory } = options;
  // Index objects are content-addressed: the look after the wait reuses the first look's, within the same bound.
  const cache = new Map<string, LoadedIndexObject>();
  const notChecked = (when: string): string =>
    `what it needs in the ${side} vault was not checked${when}: that check holds more than the scrub function's memory (${vault.memoryLimitMb ?? '?'} MB) leaves beside its listings and findings; scrub from a machine: lifeboat scrub --vault ${side} --repair`;
  // Their manifests are read once. The look (listings and index objects, not its copying, which is rarely anything
  // before the wait) tells how long the look after the wait takes; its copying gets COPY_BACK_RESERVE_MS.
  let marked: ReadableReferences;
  let lookMs: number;
  let first: CopyBack;
  try {
    marked = await referencesOfReadable(side, source, ids, memory);
    if (marked.readable.length === 0) return { unreadable: marked.unreadable };
    const started = performance.now();
    const lacking = await objectsTheSnapshotsLack(source, vault.store, marked.readable, marked.references, cache, memory);
    lookMs = performance.now() - started;
    first = await options.copyBack(lacking);
  } catch (err) {
    if (err instanceof ScrubNeedsTooLargeError) return { why: notChecked(''), unreadable: new Map() };
    if (!(err instanceof VaultError)) throw err;
    return { why: `what it needs in the ${side} vault could not be checked (${err.message})`, unreadable: new Map() };
  }
  const { readable, references, unreadable } = marked;
  const verdict = (why: string | undefined): LookVerdict => ({ ...(why !== undefined ? { why } : {}), unreadable });
  const shortfall = copyBackShortfall(side, 'in the look before the wait for a prune', first);
  if (shortfall !== undefined) return verdict(shortfall);
  let running: Awaited<ReturnType<typeof awaitNoReplicaPrune>>;
  try {
    running = await awaitNoReplicaPrune(vault.store, vault.keys, {
      now: options.now,
      ...(options.deadline !== undefined ? { waitUntil: options.deadline - lookMs - COPY_BACK_RESERVE_MS } : {}),
      ...(options.pruneWait ?? {}),
    });
  } catch (err) {
    if (!isS3AccessDenied(err)) throw err;
    return verdict(`whether a prune of the ${side} vault is running could not be read (${err instanceof Error ? err.message : String(err)}): the scrub needs s3:GetObject on prune/running/* there; the next scrub with repair copies back what such a prune deleted`);
  }
  if (running) {
    const until = running.expiresAt ? `; its lease ends ${running.expiresAt} unless renewed` : '';
    return verdict(`a prune of the ${side} vault was still running when the scrub last looked (${running.leaseKey}, held by ${running.holder}${until}): it may delete packs the snapshot reuses that it condemned while the snapshot was missing; the next scrub with repair after that prune ends copies back what it deleted`);
  }
  let second: CopyBack;
  try {
    second = await options.copyBack(await objectsTheSnapshotsLack(source, vault.store, readable, references, cache, memory));
  } catch (err) {
    if (err instanceof ScrubNeedsTooLargeError) return verdict(notChecked(' after the prune ended'));
    if (!(err instanceof VaultError)) throw err;
    return verdict(`what it needs in the ${side} vault could not be checked after the prune ended (${err.message})`);
  }
  return verdict(copyBackShortfall(side, 'after the prune ended', second));
}

/** What lookAfterPrunes found: why the snapshots it looked at were not vouched for (absent once they were), and, apart, why each it could not look at was not (by id). */
type LookVerdict = { readonly why?: string; readonly unreadable: ReadonlyMap<string, string> };

/** The snapshots the look goes on with, their mark, and why each left out (its snapshot or a manifest object unreadable in the source) is. */
type ReadableReferences = { readonly readable: readonly string[]; readonly references: SnapshotReferences; readonly unreadable: ReadonlyMap<string, string> };

/** No bound: a scrub on a machine (markOfReadableSnapshots takes one). */
const UNBOUNDED_MARK: MarkMemory = { blobLimit: Number.POSITIVE_INFINITY, tooLarge: () => new Error('unreachable: an unbounded mark is never too large') };

/**
 * The mark (referencesOf) of the snapshots `ids` copied into `side` from `source`, of those `source` can read. All
 * together first (one mark, as before); only when that meets something unreadable are the unreadable ones found
 * (markOfReadableSnapshots) and the rest marked again, so a rare path pays the extra marks. The error met names one
 * snapshot's object: it is said with each left out, with how many they are when several.
 */
async function referencesOfReadable(side: VaultSide, source: Vault, ids: readonly string[], memory: LookMemory | undefined): Promise<ReadableReferences> {
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
    const why = `what it needs in the ${side} vault could not be checked: the ${other(side)} vault cannot read its snapshot object or a manifest object it references (${met})${others}`;
    // None readable: an empty mark, no read.
    return { readable, references: await referencesOf(source, readable, memory), unreadable: new Map([...leftOut].map((id) => [id, why])) };
  }
}

/**
 * Which of the snapshots `ids` copied into `vault`, whose source could not read them (referencesOfReadable), `vault`
 * cannot read either (markOfReadableSnapshots, within the look's memory): the target's copy is what restores them, so
 * only these have no good copy. A check that cannot finish (too large, a read error) says none: each keeps its good copy, as before.
 */
async function unreadableInTarget(vault: Vault, ids: readonly string[], memory: LookMemory | undefined): Promise<ReadonlySet<string>> {
  if (ids.length === 0) return new Set();
  try {
    return new Set(await markOfReadableSnapshots(vault, ids, memory ?? UNBOUNDED_MARK));
  } catch (err) {
    if (err instanceof ScrubNeedsTooLargeError || err instanceof VaultError) return new Set();
    throw err;
  }
}

/**
 * Why a vault's lacked snapshots are `snapshotsNotWorkedOut`: their records in the other vault were not read by the run's
 * time (discardedSnapshotsIn), so whether their backup discarded them was not worked out.
 */
export const DISCARDED_NOT_READ_REASON = 'its deadline came before it read whether their backups discarded them';

/** What cut the work-out of which objects a vault lacking some needs: the repair cutoff, or the function's memory. */
type NeedsCut = NotWorkedOutCause;

/**
 * Why a snapshot missing in `side` is not copied when the work-out of what that vault needs was cut: none of the data/,
 * index/ and manifest/ objects it lacks is a finding then, so, copied, the snapshot was visible before what it references
 * (the copy-back after it, cut by the deadline, left a snapshot that could not be restored while the next run read
 * CLEAN: review rF F1). A snapshot is made visible only once everything it references is there (docs/FORMAT.md §11).
 */
export function heldBackReason(side: VaultSide, cut: NeedsCut): string {
  const what = `held back: which of the data, index and manifest objects the ${side} vault lacks it references was not worked out`;
  const visible = 'and a snapshot is made visible only once everything it references is there';
  const fix = `lifeboat scrub --vault ${side} --repair`;
  return cut === 'memory'
    ? `${what} (they, or the work-out, were more than the scrub function's memory holds), ${visible}; a scrub from a machine works them out and copies it: ${fix}`
    : `${what} (the run's deadline came first), ${visible}; the next scrub with repair copies it if its time allows, else scrub from a machine: ${fix}`;
}

/**
 * Why a snapshot missing in `side` is not copied when its record was read only after the work-out of what that vault
 * needs: the data/, index/ and manifest/ objects it references were not among those the work-out counted (they were
 * counted not needed), so, copied, it was visible before them, and a copy-back cut by the deadline left a snapshot that
 * could not be restored (review rX F1).
 */
export function readAfterWorkOutReason(side: VaultSide): string {
  return `held back: its record was read only after the work-out of which data, index and manifest objects the ${side} vault lacks its snapshots reference, so what it references was not worked out, and a snapshot is made visible only once everything it references is there; the next scrub with repair works them out and copies it if its time allows, else scrub from a machine: lifeboat scrub --vault ${side} --repair`;
}

/**
 * Why a snapshot about to be copied into `side` (missing or corrupt there) is held back when the check of what the look
 * after the copy (lookAfterPrunes) needs there did not fit (scrubVaults' lookFits): the vault may lack nothing it
 * references, and a corrupt snapshot is not missing, so heldBackReason's words (what it lacks was not worked out) misled
 * (review rO F-d). Copied, a look that did not fit loaded every index object of the vault unbounded (review rJ F1).
 */
export function lookHeldBackReason(side: VaultSide, cut: NeedsCut): string {
  const what = `held back: checking what it needs in the ${side} vault`;
  const copied = 'and a snapshot is copied only once that check is done';
  const fix = `lifeboat scrub --vault ${side} --repair`;
  return cut === 'memory'
    ? `${what} (its references, the vault's index objects, a listing of both vaults) was more than the scrub function's memory holds, ${copied}; every scheduled run meets the same bound: scrub from a machine, which has none: ${fix}`
    : `${what} was cut: the run's deadline came first, ${copied}; the next scrub with repair copies it if its time allows, else scrub from a machine: ${fix}`;
}

/**
 * Why the objects a vault lacks are `notWorkedOut`: the repair cutoff stopped the reads that tell which it needs, or they
 * were more than the function's memory holds findings of (scrubFindingLimit), or the work-out more than it holds
 * (scrubNeedsBlobLimit). The record keeps a count, not which.
 */
export const NEEDS_CUT_REASON =
  "the run's deadline came before it worked out which of them that vault's snapshots need, or they were more than its function's memory holds findings of, or working that out (the vault's index objects, its snapshots' references) needed more memory than the function has";

/**
 * objectsVaultNeeds on reads-until views (or the vaults, without a deadline), within `memory`: cut at their time or past
 * the memory's blob limit (ScrubNeedsTooLargeError), none of the lacking objects is known to be needed (`cut`, no keys).
 * Not every one counted as needed, as when the references cannot be read: the walk is cut only at the repair cutoff, so
 * none would be copied in this run, and each one the vault does not need (most, where a failed backup left orphan packs)
 * became an unrepaired finding of a clean vault, every run the walk did not fit (review rQ F2); past the memory, the
 * function ran out of it with no record (review rE F1). The caller counts them `notWorkedOut`, for the next run or a
 * scrub from a machine.
 */
async function objectsVaultNeedsWithin(...args: Parameters<typeof objectsVaultNeeds>): Promise<Awaited<ReturnType<typeof objectsVaultNeeds>> | { keys: ReadonlySet<string>; cut: NeedsCut }> {
  try {
    return await objectsVaultNeeds(...args);
  } catch (err) {
    if (err instanceof ReadsStoppedError) return { keys: new Set<string>(), cut: 'deadline' };
    if (err instanceof ScrubNeedsTooLargeError) return { keys: new Set<string>(), cut: 'memory' };
    throw err;
  }
}

/** The memory a work-out may take: the function's size, and the blobs it may hold of each kind (scrubNeedsBlobLimit). */
type NeedsMemory = { readonly memoryMb: number | undefined; readonly blobLimit: number };

/**
 * Which of `lacking` (data/, index/ and manifest/ keys the other vault holds and `vault` lacks) the vault's own snapshots
 * need (vault-references.ts): those it holds and `missingSnapshots` (snapshots it lacks and did not forget, about to be
 * repaired, with what they reference). Its snapshots, manifests and index objects are read through to the other vault
 * where its own copy is missing or damaged (readThroughStore): the references are the same bytes in both. An index
 * object the vault lacks that cannot be read in the other vault either counts as needed (it may be; the repair then says
 * why it cannot be made). When the references cannot be read at all (a snapshot or manifest object damaged in both
 * vaults), `unknown` says why and every lacking object counts as needed, as a listing comparison would have it. Its
 * mark, and the blob records of the index objects it loads (the vault's and those offered), are each bounded by
 * `memory.blobLimit`: past it, ScrubNeedsTooLargeError (objectsVaultNeedsWithin counts them `notWorkedOut`).
 */
async function objectsVaultNeeds(
  vault: Vault,
  otherVault: Vault,
  listing: readonly string[],
  lacking: readonly string[],
  missingSnapshots: readonly string[],
  memory: NeedsMemory,
): Promise<{ keys: ReadonlySet<string> } | { keys: ReadonlySet<string>; unknown: string }> {
  // Only thrown past a finite limit, which a memory size gave.
  const tooLarge = (): ScrubNeedsTooLargeError => new ScrubNeedsTooLargeError(vault.location, lacking.length, memory.blobLimit, memory.memoryMb ?? 0);
  let records = 0;
  // Checked before each read too, so that the reads under way beside the one that passed the limit start no other.
  const loadCounted = async (store: VaultStore, id: string): Promise<LoadedIndexObject> => {
    if (records > memory.blobLimit) throw tooLarge();
    const { object } = await loadIndexObject(store, vault.keys, id);
    records += object.packs.reduce((n, p) => n + p.count, 0);
    if (records > memory.blobLimit) throw tooLarge();
    return object;
  };
  try {
    const view = new Vault(readThroughStore(vault.store, otherVault.store, missingSnapshots), vault.keys, vault.config);
    // The mark's pages in flight are weighed against the function's memory (markSnapshots), as in a prune.
    view.memoryLimitMb = memory.memoryMb;
    const scan = await view.scanSnapshots();
    const gone = scan.unreadable.filter((u) => !u.reason.startsWith('it was deleted'));
    if (gone.length > 0) return { keys: new Set(lacking), unknown: gone.map((u) => `${u.key} cannot be read: ${u.reason}`).join('; ') };
    const references = await markSnapshots(view, scan.snapshots, undefined, { memory: { blobLimit: memory.blobLimit, tooLarge } });
    const ids = (keys: Iterable<string>): string[] => [...keys].flatMap((key) => idFromKey(INDEX_PREFIX, key) ?? []);
    const packIds = (keys: Iterable<string>): Set<string> => new Set([...keys].filter((key) => key.startsWith(DATA_PREFIX)).map((key) => key.slice(key.lastIndexOf('/') + 1)));
    const heldIndexes = await mapBounded(ids(listing).sort(), 8, (id) => loadCounted(view.store, id));
    const unreadable: string[] = [];
    const offeredIndexes: LoadedIndexObject[] = [];
    await mapBounded(ids(lacking), 8, async (id) => {
      try {
        offeredIndexes.push(await loadCounted(otherVault.store, id));
      } catch (err) {
        if (!(err instanceof VaultError)) throw err;
        unreadable.push(`${INDEX_PREFIX}${id}`);
      }
    });
    offeredIndexes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const needs = objectsNeeded(references, { indexes: heldIndexes, packs: packIds(listing) }, { indexes: offeredIndexes, packs: packIds(lacking) });
    const manifests = lacking.filter((key) => references.manifests.has(idFromKey(MANIFEST_PREFIX, key) ?? ''));
    return { keys: new Set([...needs.keys, ...manifests, ...unreadable]) };
  } catch (err) {
    if (!(err instanceof VaultError)) throw err;
    return { keys: new Set(lacking), unknown: err.message };
  }
}

/** The snapshots/ keys of a sorted listing: a contiguous run of it, found by binary search. */
function snapshotKeysOf(listing: readonly string[]): readonly string[] {
  // '0' follows '/': the first key past every snapshots/ one.
  return listing.slice(firstKeyFrom(listing, SNAPSHOTS_PREFIX), firstKeyFrom(listing, `${SNAPSHOTS_PREFIX.slice(0, -1)}0`));
}
