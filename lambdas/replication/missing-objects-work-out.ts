import { CONFIG_KEY, type ScrubCursor, SNAPSHOTS_PREFIX, type Vault } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type DiscardedSnapshots } from './discarded-snapshots';
import { type FindingBudget } from './finding-budget';
import { lackedSnapshotRecords, lackedSnapshotsOfEach } from './lacked-snapshot-records';
import { readsUntilVault } from './reads-until-vault';
import { scrubNeedsBlobLimit } from './scrub-listing-memory';
import { type Bad, type ScrubRepairs } from './scrub-repairs';
import { type ScrubReport } from './scrub-report';
import { type ScrubIndexObjects } from './scrub-index-objects';
import { DISCARDED_READS_MARGIN_MS } from './scrub-time-reserves';
import { compareByCodeUnit, sortedDifference } from './sorted-keys';
import { heldBackReason, type NeedsCut, objectsVaultNeedsWithin, readAfterWorkOutReason } from './vault-needs-work-out';
import { otherSide } from './other-side';

/** What the work-out of the missing objects goes by: the scrub's vaults, listings, options, time and memory. */
export type MissingObjectsScope = {
  readonly sides: readonly VaultSide[];
  readonly vaults: Partial<Record<VaultSide, Vault>>;
  readonly listingOf: (side: VaultSide) => readonly string[];
  /** The union of the listings in scope. */
  readonly inScope: readonly string[];
  readonly cursor: ScrubCursor;
  readonly forgotten: Partial<Record<VaultSide, ReadonlySet<string>>> | undefined;
  readonly discardedSnapshots: DiscardedSnapshots | undefined;
  readonly deadline: number | undefined;
  /** When no repair starts (the deadline less COPY_BACK_RESERVE_MS); undefined without a deadline. */
  readonly repairsUntil: number | undefined;
  readonly now: () => number;
  readonly memoryMb: number | undefined;
  /** The findings the memory still holds: the missing objects are spent from it, and the work-outs bounded by it. */
  readonly budget: FindingBudget;
  /** The objects found damaged or missing so far: the missing objects worked out are added to it. */
  readonly bad: Bad[];
  /** The repairs' held-back snapshots: a vault whose work-out was cut, and snapshots found missing after it, are added. */
  readonly repairs: Pick<ScrubRepairs, 'heldBack' | 'heldBackSnapshots'>;
  /** The index objects the run has read: the work-outs read through it (and keep what they read there). */
  readonly indexObjects: ScrubIndexObjects;
  /** The run's target options, with a leading space, which the held-back reasons' command lines end with. */
  readonly commandOptions?: string;
  /** Whether the run repairs, which a refused read's advice words (ReferenceReadRefusedError); absent: a repair's run. */
  readonly repair?: boolean;
};

/** What the work-out leaves for the report, per vault: each empty when no vault has any. */
export type MissingObjectsWorkOut = {
  readonly notNeeded: NonNullable<ScrubReport['notNeeded']>;
  readonly notWorkedOut: NonNullable<ScrubReport['notWorkedOut']>;
  readonly notWorkedOutKeys: NonNullable<ScrubReport['notWorkedOutKeys']>;
  readonly notWorkedOutCause: NonNullable<ScrubReport['notWorkedOutCause']>;
  readonly discarded: NonNullable<ScrubReport['discardedSnapshots']>;
  readonly snapshotsNotWorkedOut: NonNullable<ScrubReport['snapshotsNotWorkedOut']>;
};

/**
 * The objects each vault lacks that the other holds and that are missing (added to `bad`), from the full listings
 * whatever the slice: the config and every snapshot object whose backup did not discard it, and of the data/, index/
 * and manifest/ objects those the vault's snapshots need (objectsVaultNeedsWithin); the others are `notNeeded`, or
 * `notWorkedOut` when the work-out was cut, and the vault's missing snapshots then held back (heldBackReason).
 *
 * Whether the snapshots each vault lacks were discarded by their backup, asked after the slices were read, well after
 * the listings: a snapshot a failed run's cleanup deleted since they were taken has its FAILED record (marked first) in
 * the catalog's byPlan index by now. The vaults' reads are pooled, alternating: read one vault after the other, the
 * first's took all the time and the other's went unread (review rN F1), and with an even share each, what the second
 * left unused was lost to the first (review rQ F2). A vault lacking data/, index/ or manifest/ objects has its
 * work-out, which needs its own records read, first: in turn, each such vault with records to read reads them up to
 * its even share of the time left to the repair cutoff (among those vaults still to go), then its work-out runs at
 * once; then the rest of every vault's records, pooled, up to DISCARDED_READS_MARGIN_MS. A snapshot these later reads
 * find missing in a vault whose work-out ran is not copied, whether or not the cutoff has passed: what it references
 * was not worked out (readAfterWorkOutReason); elsewhere it is copied before the cutoff as ever. All read before the work-outs, a vault lacking many snapshots took the time to the
 * cutoff from the other's work-out, which then started no read: its missing pack was not worked out, a CLEAN run every
 * run (review rT F-1); so too when only the records of vaults needing a work-out were pooled first, as a DR vault
 * behind on replication lacks its snapshots' objects too (review rV F1). A snapshot whose record was not read is not
 * worked out (snapshotsNotWorkedOut), neither missing nor copied.
 */
export async function workOutMissingObjects(scope: MissingObjectsScope): Promise<MissingObjectsWorkOut> {
  const { sides, vaults, listingOf, inScope, cursor, forgotten, discardedSnapshots, deadline, repairsUntil, now, memoryMb, budget, bad, repairs, indexObjects } = scope;
  const { heldBack, heldBackSnapshots } = repairs;
  const notNeeded: NonNullable<ScrubReport['notNeeded']> = {};
  const notWorkedOut: NonNullable<ScrubReport['notWorkedOut']> = {};
  const notWorkedOutKeys: NonNullable<ScrubReport['notWorkedOutKeys']> = {};
  const notWorkedOutCause: NonNullable<ScrubReport['notWorkedOutCause']> = {};
  const discarded: NonNullable<ScrubReport['discardedSnapshots']> = {};
  const snapshotsNotWorkedOut: NonNullable<ScrubReport['snapshotsNotWorkedOut']> = {};
  // Per vault, the snapshots it lacks that the other holds and its retention did not forget: their records are read
  // (discardedSnapshotsInEach), the vaults' reads alternating (those a work-out needs first, up to the repair cutoff).
  const lackedSnapshotsOf = lackedSnapshotsOfEach(sides, listingOf, forgotten);
  const lackedOf = new Map<VaultSide, readonly string[]>();
  for (const side of sides) {
    const forgottenIn = forgotten?.[side];
    const wasForgotten = (key: string): boolean => forgottenIn !== undefined && key.startsWith(SNAPSHOTS_PREFIX) && forgottenIn.has(key.slice(SNAPSHOTS_PREFIX.length));
    lackedOf.set(side, sortedDifference(listingOf(otherSide(side)), listingOf(side)).filter((key) => !wasForgotten(key)));
  }
  const referencedOf = (side: VaultSide): readonly string[] => (lackedOf.get(side) ?? []).filter((key) => key !== CONFIG_KEY && !key.startsWith(SNAPSHOTS_PREFIX));
  const records = lackedSnapshotRecords({ sides, vaults, lackedSnapshotsOf, lackedOf, discardedSnapshots, cursor, inScope, now });
  const { askingSides, foundOf, readRecords, lacksOf } = records;
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

  // What each vault lacks that the other holds, from the full listings whatever the slice (the budget).
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
    const holderVault = vaults[otherSide(side)] as Vault;
    budget.spend(lacks.length - referenced.length);
    lackedAtWorkOut.set(side, lacks.length);
    const until = (v: Vault): Vault => (repairsUntil !== undefined ? readsUntilVault(v, repairsUntil, now) : v);
    const needs: Needs =
      referenced.length === 0
        ? { keys: new Set<string>() }
        : referenced.length > budget.left()
          ? { keys: new Set<string>(), cut: 'memory' as const }
          : await objectsVaultNeedsWithin(
              until(vault),
              until(holderVault),
              listingOf(side),
              referenced,
              missingSnapshots,
              { memoryMb, blobLimit: scrubNeedsBlobLimit(memoryMb, budget.left() - referenced.length) },
              { objects: indexObjects, side, until: repairsUntil !== undefined ? { time: repairsUntil, now } : undefined },
              scope.repair === undefined ? {} : { repair: scope.repair },
            );
    budget.spend(needs.keys.size);
    needsOf.set(side, needs);
  }
  // The rest of the records, of every vault: a snapshot found missing here is a finding. These reads may end before the
  // repair cutoff, but in a vault whose work-out already ran such a snapshot is held back (readAfterWorkOutReason): the
  // objects it references were not worked out, and copied it was visible before them (review rX F1).
  await readRecords(askingSides, deadline !== undefined ? deadline - DISCARDED_READS_MARGIN_MS : undefined);

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
    budget.spend(lacks.length - (lackedAtWorkOut.get(side) ?? 0));
    const needs = needsOf.get(side) ?? { keys: new Set<string>() };
    const unknown = needs.unknown !== undefined ? `; which of them this vault's snapshots need could not be told (${needs.unknown}), so every one is counted` : '';
    let left = 0;
    const workedOut = workedOutSnapshots.get(side);
    for (const key of lacks) {
      const always = key === CONFIG_KEY || key.startsWith(SNAPSHOTS_PREFIX);
      if (always || needs.keys.has(key)) bad.push({ vault: side, key, problem: 'missing', detail: `${vault.location} lacks ${key}, which the ${otherSide(side)} vault holds${unknown}` });
      else if (needs.cut === undefined) left++;
      if (workedOut !== undefined && key.startsWith(SNAPSHOTS_PREFIX) && !workedOut.has(key)) {
        const held = heldBackSnapshots.get(side) ?? new Map<string, string>();
        held.set(key, readAfterWorkOutReason(side, scope.commandOptions));
        heldBackSnapshots.set(side, held);
      }
    }
    if (left > 0) notNeeded[side] = left;
    if (needs.cut !== undefined) {
      notWorkedOut[side] = referenced.length;
      notWorkedOutKeys[side] = [...referenced].sort(compareByCodeUnit);
      notWorkedOutCause[side] = needs.cut;
      heldBack.set(side, heldBackReason(side, needs.cut, scope.commandOptions));
    }
  }
  return { notNeeded, notWorkedOut, notWorkedOutKeys, notWorkedOutCause, discarded, snapshotsNotWorkedOut };
}
