import { cutScrubSlice, INDEX_PREFIX, idFromKey, isS3PermissionRefusal, listScrubbedObjects, mapBounded, packKey, scrubObjectsInStep, selectScrubSlice, SNAPSHOTS_PREFIX, supersedingTombstones } from '../../vault';
import { type BlobCheck, type ScrubCursor, type ScrubObjectResult, type Vault } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type ReplicaPruneWaitOptions } from './replica-prune-wait';
import { type DiscardedSnapshots } from './discarded-snapshots';
import { ScrubVaultUnavailableError } from './replication-errors';
import { scrubFindingLimit, scrubListingLimit, scrubListingMemoryMb, scrubNeedsBlobLimit } from './scrub-listing-memory';
import { compareByCodeUnit, hasSortedKey, sortedUnion } from './sorted-keys';
import { type ScrubFinding, type ScrubReport, type ScrubScope } from './scrub-report';
import { COPY_BACK_RESERVE_MS, REPAIR_BUDGET_MS, SLICE_READ_RESERVE_MS } from './scrub-time-reserves';
import { type Bad, scrubRepairs, type ScrubRepairs } from './scrub-repairs';
import { FindingBudget } from './finding-budget';
import { ScrubIndexObjects } from './scrub-index-objects';
import { workOutMissingObjects } from './missing-objects-work-out';
import { type CopyBack, lookAfterPrunes } from './look-after-copy';
import { readabilityInTarget } from './copied-snapshot-readability';
import { findBackupOf, noCopyRestores, readsOnlyThrough } from './copied-snapshot-reasons';
import { type CarriedCopiedIn, COPIED_IN_RECHECK_MARGIN_MS, recheckCopiedIn } from './copied-in-recheck';
import { mapUnrepairedDamage } from './unrepaired-damage-mapping';
import { type EarlierLosses } from './earlier-losses';
import { otherSide } from './other-side';
import { verifyBackupLine } from './verify-backup-line';
import { lostListedPacks } from './lost-listed-packs';
import { SliceReadRefusedError } from './slice-read-refused-error';

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
   * copied snapshot objects into early enough to look again and copy back (COPY_BACK_RESERVE_MS). The look's reads (the
   * mark of the source's manifests, the listings and index objects of what the snapshots lack), its copy-backs and, for
   * a copied snapshot its source cannot read, the check of it in the vault it was copied into (read through to the other
   * vault) start none after the deadline less COPIED_IN_RECHECK_MARGIN_MS, which leaves the damage mapping its time
   * (the look's own reads ran to the mapping's cutoff till review r57W F1) (a look stopped before it knew whether the source
   * reads a snapshot, or a check cut there, leaves that snapshot unrepaired with `otherCopy: 'unverified'`). It starts no repair (nor, without `repair`, read of the other copy) after the deadline less
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
  /**
   * The previous record's outstanding entries of snapshot objects a scrub copied into a vault without showing their tree
   * reads there (scrub-outstanding.ts, copiedInOutstanding): copied in, they are never missing again, so each run with
   * their vault in scope (and the other open) checks up to COPIED_IN_RECHECKED_PER_RUN of them again (recheckCopiedIn),
   * the least recently checked first, with or without `repair`, its reads stopping at the deadline less
   * COPIED_IN_RECHECK_MARGIN_MS; the report's `copiedInRechecked` names those it settled, `copiedInChecked` those whose
   * tree it read. Absent: none checked, and the record carries them.
   */
  readonly copiedInOutstanding?: readonly CarriedCopiedIn[];
  /**
   * What the previous record knew lost (earlier-losses.ts, earlierLosses): an object found damaged while its other copy
   * goes unread (that vault not opened, the repair cutoff, a refused read) stays lost if that record held it so, not
   * unverified (reviews r64T F1, r64AB F1). Absent: none known.
   */
  readonly earlierLosses?: EarlierLosses;
  /** The deadline's clock. @default Date.now */
  readonly now?: () => number;
  /**
   * The target options (with a leading space) that every `lifeboat` command line of the report's reasons and notes ends
   * with: the CLI's own (vaultTargetOptionsLine), the runbook's `--env <env> --aws`. Until review r59D F2 they were bare,
   * and pasted after a scrub in AWS they scrubbed, with --repair repaired, the local cloud. @default none
   */
  readonly commandOptions?: string;
  /**
   * The target options a `lifeboat backups hold` line of a note ends with: commandOptions without the vault's, since
   * `backups hold` takes no --vault-key and refuses a line with it (review r62F F1): the CLI's targetOptionsLine. The
   * look after a copy's `lifeboat backups list` line ends with them too (review r62I F6).
   * @default commandOptions (the runbook's `--env <env> --aws` names no vault key). Resolved once in scrubVaults, into the
   * catalogCommandOptions every later layer takes as given.
   */
  readonly holdCommandOptions?: string;
  /**
   * Told of each object as it is repaired, as it lands verified: a run that stops on a later error (the CLI's
   * ScrubDiscardedUnreadError, after the slice's corrupt objects were healed) can say what it healed (review r60O F5).
   * Told too, as `unrepaired` with its hold note as the reason, of a copy written whose verifying read then threw: the
   * run stops on that error, and the copy is in the vault unverified (review r62F F2).
   */
  readonly onRepaired?: (finding: ScrubFinding) => void;
  /** How the scrub waits for a running prune (only with a `deadline`). @default every REPLICA_PRUNE_POLL_MS, with setTimeout */
  readonly pruneWait?: Pick<ReplicaPruneWaitOptions, 'pollMs' | 'sleep'>;
};

/** Archived keys named in the report per vault (the count covers them all). */
const NOT_READ_LISTED = 20;

/**
 * Scrubs an environment's two vaults (docs/RUNBOOKS.md, "Scrub"; docs/ARCHITECTURE.md, "Scrub and
 * self-heal"): reads and verifies the next slice of the objects (selectScrubSlice: every object once
 * per cycle), compares the full listings of the two vaults (objects missing on one side), and with
 * `repair` copies each bad object from the other vault through replication's own copy path — only
 * after that copy verifies, never overwriting with bad data, and a missing snapshot only once
 * every other object (not snapshot) missing in that vault is repaired and what it may need there was worked out (the commit protocol: a
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
  for (const side of sides) if (!vaults[side]) throw new ScrubVaultUnavailableError(`the ${side} vault is in the scrub's scope but could not be opened; scrub the other with --vault ${otherSide(side)}, or fix access first`);

  // Each vault's listing is held the whole run, as one sorted array (sorted-keys.ts), and bounded by the function's
  // memory: past it the run fails with ScrubListingTooLargeError, where a vault too large was an out-of-memory kill
  // (audit aW2). Both vaults count, whatever the scope: the other is what the scope is compared with.
  const memoryMb = scrubListingMemoryMb(vaults);
  const { listings, listed } = await listBothVaults(vaults, memoryMb, options.commandOptions);
  const listingOf = (side: VaultSide): readonly string[] => listings.get(side) ?? [];
  const inScope = sides.reduce<readonly string[]>((union, side) => sortedUnion(union, listingOf(side)), []);
  const now = options.now ?? Date.now;
  const selected = selectScrubSlice(inScope, options.cursor, options.fraction);
  // Read in step, each key in every vault in scope at once: what was read by the deadline is the same key prefix in
  // each, so a cut slice skips nothing in either (one vault read after the other, the first took all the time).
  // With the other vault open, each index object read is also asked which packs it lists that neither listing holds:
  // the comparison cannot find a pack deleted from both, which a backup deduplicating against that index relies on (fix f58R).
  const lacksPack = (packId: string): boolean => !hasSortedKey(listingOf('primary'), packKey(packId)) && !hasSortedKey(listingOf('dr'), packKey(packId));
  const readers = sides.map((side) => {
    const vault = vaults[side] as Vault;
    // A refused read still stops the run, naming the key, the vault and the way out (review r63Y F2). Only a want of a
    // permission is so named: another 403 (the clock, the credentials' key) passes as S3 said it (review r64B F3); since
    // fix f65D the Lambda runtime wraps no such 403 (review r64K F2 took it from under the wrapper; r65M F6).
    const readError = (key: string, err: unknown): unknown => (isS3PermissionRefusal(err) ? new SliceReadRefusedError(side, vault.store.location, key, err, { repair, scope }) : err);
    return { vault, holds: (key: string) => hasSortedKey(listingOf(side), key), readError, ...(vaults[otherSide(side)] ? { lacksPack } : {}) };
  });
  const readUntil = options.deadline !== undefined ? { deadline: options.deadline - SLICE_READ_RESERVE_MS - REPAIR_BUDGET_MS, now } : {};
  const inStep = await scrubObjectsInStep(readers, selected.keys, { ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}), check, ...readUntil });

  // Results of reads, per vault and key: a copy read once is not read again to judge a repair.
  const checked = new Map<VaultSide, Map<string, ScrubObjectResult>>();
  const read: Partial<Record<VaultSide, number>> = {};
  const notRead: NonNullable<ScrubReport['notRead']> = {};
  const bad: Bad[] = [];
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

  const repairsUntil = options.deadline !== undefined ? options.deadline - COPY_BACK_RESERVE_MS : undefined;
  const { lost: lostListed, notLookedFor } = await lostListedPacks({ sides, vaults, results: new Map(sides.map((side, index) => [side, inStep.results[index] ?? []])), until: repairsUntil, now });
  bad.push(...lostListed);
  // The slice ends before the first index object listing a pack the deadline left not looked for, as if cut there: the
  // next run reads it again and judges its packs (review r59C F5: the cursor moved past, and none was judged for a cycle).
  const lookFrom = Object.values(notLookedFor).map((n) => n.from).sort(compareByCodeUnit)[0];
  const readTo = lookFrom === undefined ? inStep.read : Math.min(inStep.read, selected.keys.indexOf(lookFrom));
  const slice = cutScrubSlice(selected, options.cursor, readTo);
  const cut = readTo < selected.keys.length;
  // Each missing object is a finding held to the end of the run, counted against the memory the listings left
  // (scrubFindingLimit); the looks at what copied snapshots need (lookAfterPrunes) get what the findings leave.
  const budget = new FindingBudget(scrubFindingLimit(memoryMb, listed));
  budget.spend(lostListed.length);
  // The index objects each phase after the slice reads (the checks before copies, the work-outs, the looks after copies,
  // the damage mapping), read once a vault and kept within each phase's bound on them (scrub-index-objects.ts).
  const indexObjects = new ScrubIndexObjects();
  const catalogCommandOptions = options.holdCommandOptions ?? options.commandOptions ?? '';
  const repairs = scrubRepairs({ vaults, repair, check, concurrency: options.concurrency, listingOf, checked, bad, now, repairsUntil, memoryMb, findingBudget: budget, indexObjects, commandOptions: options.commandOptions ?? '', catalogCommandOptions, ...(options.earlierLosses ? { earlierLosses: options.earlierLosses } : {}), ...(options.onRepaired ? { onRepaired: options.onRepaired } : {}) });
  const { findings, superseded, healEach } = repairs;
  // Corrupt objects first, straight after the reads: only this run's slice read them, so one the deadline leaves is not
  // seen again for a cycle, where a missing one is found again by every run from the listings. Before the record reads
  // and the missing set's work-out too: that reads every snapshot and index object of a vault lacking anything, which on
  // a large vault took the whole repair budget and left the corrupt pack just read unrepaired as the cursor moved on
  // (review rLL).
  await healEach('corrupt');

  // What each vault lacks that the other holds and is missing there, added to `bad` (the lacked snapshots' records
  // read, the work-out of what the vault needs), spending the findings' budget before the looks get what it leaves.
  const workOut = await workOutMissingObjects({
    sides,
    vaults,
    listingOf,
    inScope,
    cursor: options.cursor,
    forgotten: options.forgotten,
    discardedSnapshots: options.discardedSnapshots,
    deadline: options.deadline,
    repairsUntil,
    now,
    memoryMb,
    budget,
    bad,
    repairs,
    indexObjects,
    commandOptions: options.commandOptions ?? '',
    repair,
  });
  const { notNeeded, notWorkedOut, notWorkedOutKeys, notWorkedOutCause, discarded, snapshotsNotWorkedOut } = workOut;
  await healEach('missing');

  // Snapshot objects copied into a vault are checked again once no prune of it runs (lookAfterPrunes).
  const looked: Partial<Record<VaultSide, CopiedSnapshotsLook>> = {};
  if (repair) {
    for (const side of sides) looked[side] = await lookAfterCopiedSnapshots(side, findings, repairs, indexObjects, options, catalogCommandOptions, now);
  }
  const { rechecked, checked: checkedAgain } = await recheckCarriedCopiedIn(sides, findings, listingOf, repairs, options, now);
  // The look read the tree of carried copied-in snapshots it copied again: that is their check this run (review r58B F3),
  // and one it vouched for (its tree reads in that vault) is settled by it, as by a check again finding so (review r58F F4).
  const bySide = (of: (side: VaultSide) => readonly string[]): Partial<Record<VaultSide, readonly string[]>> =>
    Object.fromEntries(
      sides.flatMap((side) => {
        const keys = [...of(side)].sort(compareByCodeUnit);
        return keys.length > 0 ? [[side, keys]] : [];
      }),
    );
  const copiedInChecked = bySide((side) => [...(looked[side]?.checked ?? []), ...(looked[side]?.vouched ?? []), ...(checkedAgain[side] ?? [])]);
  const copiedInRechecked = bySide((side) => [...(looked[side]?.vouched ?? []), ...(rechecked[side] ?? [])]);

  // What the run keeps of the index objects, cut to what the memory the findings leave holds now: the mapping takes out
  // each it would read, and holds its own.
  indexObjects.trim(scrubNeedsBlobLimit(memoryMb, budget.left()));
  const { damage, archivedCopyDamage, cut: mappingCut } = await mapUnrepairedDamage(findings, vaults, options.deadline, now, indexObjects, options.commandOptions, { repair });
  findings.sort((a, b) => compareByCodeUnit(a.vault, b.vault) || compareByCodeUnit(a.key, b.key));
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
    ...(lookFrom !== undefined ? { packsNotLookedFor: notLookedFor } : {}),
    ...(Object.keys(notNeeded).length > 0 ? { notNeeded } : {}),
    ...(Object.keys(notWorkedOut).length > 0 ? { notWorkedOut, notWorkedOutKeys, notWorkedOutCause } : {}),
    ...(Object.keys(discarded).length > 0 ? { discardedSnapshots: discarded } : {}),
    ...(Object.keys(snapshotsNotWorkedOut).length > 0 ? { snapshotsNotWorkedOut } : {}),
    ...(superseded.length > 0 ? { superseded: superseded.sort((a, b) => compareByCodeUnit(a.vault, b.vault) || compareByCodeUnit(a.key, b.key)) } : {}),
    findings,
    damage,
    ...(archivedCopyDamage.length > 0 ? { archivedCopyDamage } : {}),
    ...(mappingCut ? { backupsNotWorkedOut: true as const } : {}),
    ...(Object.keys(copiedInRechecked).length > 0 ? { copiedInRechecked } : {}),
    ...(Object.keys(copiedInChecked).length > 0 ? { copiedInChecked } : {}),
    ok: findings.every((f) => f.outcome === 'repaired'),
  };
}

/** Lists both vaults, each within what the function's memory leaves (scrubListingLimit); `listed` counts the keys of both. */
async function listBothVaults(vaults: Partial<Record<VaultSide, Vault>>, memoryMb: number | undefined, commandOptions: string | undefined): Promise<{ listings: Map<VaultSide, readonly string[]>; listed: number }> {
  const listings = new Map<VaultSide, readonly string[]>();
  let listed = 0;
  for (const side of ['primary', 'dr'] as const) {
    const vault = vaults[side];
    if (!vault) continue;
    const listing = await listScrubbedObjects(vault.store, scrubListingLimit(memoryMb, side, vault, listed, commandOptions));
    listings.set(side, listing);
    listed += listing.length;
  }
  return { listings, listed };
}

/**
 * Of the carried copied-in snapshots (`copiedInOutstanding`) a look after this run's copies read the tree of: those it
 * found unreadable in the vault (`checked`: their check this run, the finding its verdict) and those it vouched for
 * (`vouched`: their tree reads there, so their entry is settled: copiedInRechecked).
 */
type CopiedSnapshotsLook = { readonly checked: readonly string[]; readonly vouched: readonly string[] };

/**
 * Snapshot objects copied into `side` by this run, checked again once no prune of it runs (lookAfterPrunes): one not
 * vouched for is `unrepaired`, with its good copy unless its tree reads in neither vault (readabilityInTarget) or that
 * is not known (`otherCopy: 'unverified'`, `copiedIn`). Returns the keys of carried copied-in snapshots whose tree it
 * read to a verdict (CopiedSnapshotsLook). Such a one with a good copy keeps `copiedIn`: it reads only across both
 * vaults, as when its check again finds so (review r58B F3: without the flag and the check, its entry kept an older
 * worse verdict and its last check); one vouched for is settled (review r58F F4: it was carried with its older verdict,
 * a lost one's plan ✗, till its check again, which a key with this run's finding does not get).
 */
async function lookAfterCopiedSnapshots(
  side: VaultSide,
  findings: ScrubFinding[],
  repairs: ScrubRepairs,
  indexObjects: ScrubIndexObjects,
  options: ScrubVaultsOptions,
  catalogCommandOptions: string,
  now: () => number,
): Promise<CopiedSnapshotsLook> {
  const { vaults } = options;
  const { copyFrom, lookMemory } = repairs;
  // By key: the copies end in any order; the check in the target vault marks them together and sorts its ids itself,
  // so that a cut leaves the later keys unchecked (84b1e4ff).
  const copied = findings.filter((f) => f.vault === side && f.outcome === 'repaired' && f.key.startsWith(SNAPSHOTS_PREFIX)).sort((a, b) => compareByCodeUnit(a.key, b.key));
  if (copied.length === 0) return { checked: [], vouched: [] };
  const ids = copied.map((f) => idFromKey(SNAPSHOTS_PREFIX, f.key) as string);
  const vault = vaults[side] as Vault;
  const source = vaults[otherSide(side)] as Vault;
  const detail = (key: string): string => `${vault.location} lacks ${key}, which snapshot(s) ${ids.join(', ')} copied in by this scrub need; it was deleted after the scrub listed the vault (by a prune of the ${side} vault that ran meanwhile)`;
  const copyBack = async (keys: readonly string[]): Promise<CopyBack> => {
    const failed: string[] = [];
    const notCopied: string[] = [];
    const copy = async (key: string): Promise<void> => {
      // No copy-back starts past the target check's cutoff: the target check and the damage mapping keep their margin
      // (reviews r57G R3, r57U F2).
      if (options.deadline !== undefined && now() >= options.deadline - COPIED_IN_RECHECK_MARGIN_MS) {
        notCopied.push(key);
        return;
      }
      if ((await copyFrom(source, { vault: side, key, problem: 'missing', detail: detail(key) })) !== 'repaired') failed.push(key);
    };
    // Index objects after the rest: copyFrom copies one only once every pack it lists is there (fix f58Q).
    await mapBounded(keys.filter((key) => !key.startsWith(INDEX_PREFIX)), options.concurrency ?? 3, copy);
    await mapBounded(keys.filter((key) => key.startsWith(INDEX_PREFIX)), options.concurrency ?? 3, copy);
    return { failed, notCopied };
  };
  const memory = lookMemory(side);
  const { why, unreadable, unchecked: notLooked } = await lookAfterPrunes(side, vault, source, ids, { deadline: options.deadline, now, pruneWait: options.pruneWait, copyBack, indexObjects, ...(memory ? { memory } : {}), ...(options.commandOptions !== undefined ? { commandOptions: options.commandOptions } : {}), catalogCommandOptions });
  // Its reads stop at the deadline less COPIED_IN_RECHECK_MARGIN_MS, as the look's and the check again of carried
  // copied-in snapshots' do, not at the look's repair cutoff (it runs after the look, whose wait and copy-backs may run past that cutoff) nor
  // at the damage mapping's own cutoff: one that ran long there left the mapping no time, and this run's lost objects
  // were recorded without their backups (review r57U F2).
  const until = options.deadline !== undefined ? { time: options.deadline - COPIED_IN_RECHECK_MARGIN_MS, now } : undefined;
  const inTarget = await readabilityInTarget(side, vault, source, [...unreadable.keys()], memory, until);
  // Read across both vaults: the scrub with repair that reads those objects copies the good copy over the bad (review
  // r57F H1). Each snapshot's own: one reason for the vault named other snapshots' objects (review r57M L1).
  const mended = (id: string): string => {
    const fellBack = inTarget.readThrough.get(id);
    return fellBack === undefined ? '' : `; ${readsOnlyThrough(side, fellBack, 'them', options.commandOptions)}`;
  };
  const carried = new Set((options.copiedInOutstanding ?? []).filter((c) => c.vault === side).map((c) => c.key));
  const checked: string[] = [];
  const vouched: string[] = [];
  for (const f of copied) {
    const id = idFromKey(SNAPSHOTS_PREFIX, f.key) as string;
    const lookStopped = notLooked?.get(id);
    const whyNot = lookStopped ?? unreadable.get(id) ?? why;
    if (whyNot === undefined) {
      if (carried.has(f.key)) vouched.push(f.key);
      continue;
    }
    const reason = `copied from the ${otherSide(side)} vault, but ${whyNot}`;
    const verifyIt = `${findBackupOf(id)} and check it with ${verifyBackupLine([side], options.commandOptions)}; if that fails, back that source up again`;
    const unchecked = inTarget.unchecked.get(id);
    if (carried.has(f.key) && lookStopped === undefined && (inTarget.unreadable.has(id) || unchecked === undefined)) checked.push(f.key);
    // Copied in, it is no longer missing: no comparison finds it again, so copiedIn keeps its outstanding entry till a
    // run checks it again (recheckCopiedIn; reviews r57F L2, r57G R2, r57K F1).
    const notVerified = { ...f, outcome: 'unrepaired', otherCopy: 'unverified', copiedIn: true } as const;
    // Unreadable in both vaults, the copy is a snapshot no vault restores: no good copy, so it counts as damage, where
    // goodCopy made the run REPAIRABLE, named no backup, and a rerun (the snapshot no longer missing) never saw it (review rV F4).
    // Not checked there, or the look stopped (the deadline, the memory) before it knew whether the source reads it, its copy is not known good
    // either: unverified, so the record's outstanding and status name it (reviews r57A F3, r57G R1, r57M M1).
    findings[findings.indexOf(f)] =
      lookStopped !== undefined
        ? { ...notVerified, reason: `${reason}, so no copy is known to restore: ${verifyIt}` }
        : inTarget.unreadable.has(id)
          ? { ...f, outcome: 'unrepaired', copiedIn: true, reason: `${reason}; nor can the ${side} vault read them, ${noCopyRestores(id)}` }
          : unchecked !== undefined
            ? { ...notVerified, reason: `${reason}; whether the ${side} vault can read them could not be checked (${unchecked}), so no copy is known to restore: ${verifyIt}` }
            : { ...f, outcome: 'unrepaired', reason: unreadable.has(id) ? `${reason}${mended(id)}` : reason, goodCopy: true, ...(carried.has(f.key) ? { copiedIn: true as const } : {}) };
  }
  return { checked, vouched };
}

/**
 * The carried copied-in snapshots of each vault in scope checked again (recheckCopiedIn), their findings added to
 * `findings` and mapped in the same walk as the run's own. Their reads stop at the deadline less
 * COPIED_IN_RECHECK_MARGIN_MS, earlier than the mapping's, which is left its time for this run's own findings (review
 * r57P F2). A vault whose other is not open is not checked: nothing to read through to, so its entries are carried.
 */
async function recheckCarriedCopiedIn(
  sides: readonly VaultSide[],
  findings: ScrubFinding[],
  listingOf: (side: VaultSide) => readonly string[],
  repairs: ScrubRepairs,
  options: ScrubVaultsOptions,
  now: () => number,
): Promise<{ rechecked: Partial<Record<VaultSide, readonly string[]>>; checked: Partial<Record<VaultSide, readonly string[]>> }> {
  const rechecked: Partial<Record<VaultSide, readonly string[]>> = {};
  const checked: Partial<Record<VaultSide, readonly string[]>> = {};
  const carried = options.copiedInOutstanding ?? [];
  if (carried.length === 0) return { rechecked, checked };
  const until = options.deadline !== undefined ? { time: options.deadline - COPIED_IN_RECHECK_MARGIN_MS, now } : undefined;
  for (const side of sides) {
    const vault = options.vaults[side];
    const other = options.vaults[otherSide(side)];
    if (!vault || !other) continue;
    const found = new Set(findings.filter((f) => f.vault === side).map((f) => f.key));
    const result = await recheckCopiedIn({ side, vault, other, carried, listingOf, found, memory: repairs.lookMemory(side), until, now, ...(options.commandOptions !== undefined ? { commandOptions: options.commandOptions } : {}) });
    findings.push(...result.findings);
    if (result.rechecked.length > 0) rechecked[side] = result.rechecked;
    if (result.checked.length > 0) checked[side] = result.checked;
  }
  return { rechecked, checked };
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
    // Only a want of the permission: a 403 for the clock or the credentials is no sign the scrub may not read it (review r65M F5).
    if (!isS3PermissionRefusal(err)) throw err;
    return new Map();
  }
}
