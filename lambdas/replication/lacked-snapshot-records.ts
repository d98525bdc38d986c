import { type ScrubCursor, SNAPSHOTS_PREFIX, type Vault } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type DiscardedSnapshots, type DiscardedSnapshotsFound, discardedSnapshotsInEach } from './discarded-snapshots';
import { firstKeyFrom, sortedDifference } from './sorted-keys';
import { lackedSnapshotReadOrder } from './lacked-snapshot-read-order';
import { otherSide } from './other-side';

/**
 * Why a vault's lacked snapshots are `snapshotsNotWorkedOut`: their records in the other vault were not read by the run's
 * time (discardedSnapshotsIn), so whether their backup discarded them was not worked out.
 */
export const DISCARDED_NOT_READ_REASON = 'its deadline came before it read whether their backups discarded them';

/**
 * Per vault, the snapshots it lacks that the other holds and its retention did not forget (`forgotten`), by id: their
 * records are read (lackedSnapshotRecords).
 */
export function lackedSnapshotsOfEach(sides: readonly VaultSide[], listingOf: (side: VaultSide) => readonly string[], forgotten: Partial<Record<VaultSide, ReadonlySet<string>>> | undefined): Map<VaultSide, readonly string[]> {
  const lackedSnapshotsOf = new Map<VaultSide, readonly string[]>();
  for (const side of sides) {
    const forgottenIn = forgotten?.[side];
    const lacked = sortedDifference(snapshotKeysOf(listingOf(otherSide(side))), snapshotKeysOf(listingOf(side)))
      .map((key) => key.slice(SNAPSHOTS_PREFIX.length))
      .filter((id) => forgottenIn === undefined || !forgottenIn.has(id));
    lackedSnapshotsOf.set(side, lacked);
  }
  return lackedSnapshotsOf;
}

/** What the record reads go by: the vaults, what each lacks, the catalog's answer, and the run's cursor and clock. */
export type LackedSnapshotRecordsScope = {
  readonly sides: readonly VaultSide[];
  readonly vaults: Partial<Record<VaultSide, Vault>>;
  /** Per vault, the snapshot ids it lacks (lackedSnapshotsOfEach). */
  readonly lackedSnapshotsOf: ReadonlyMap<VaultSide, readonly string[]>;
  /** Per vault, every key it lacks that the other holds, but those its retention forgot. */
  readonly lackedOf: ReadonlyMap<VaultSide, readonly string[]>;
  readonly discardedSnapshots: DiscardedSnapshots | undefined;
  readonly cursor: ScrubCursor;
  /** The union of the listings in scope. */
  readonly inScope: readonly string[];
  readonly now: () => number;
};

/** The reads of the records of lacked snapshots, in rounds, and what they told so far. */
export type LackedSnapshotRecords = {
  /** The vaults with records to read: they lack snapshots the other, open, vault holds. */
  readonly askingSides: readonly VaultSide[];
  /** Per vault, what its reads told: the snapshots discarded, and those whose record was not read. */
  readonly foundOf: ReadonlyMap<VaultSide, DiscardedSnapshotsFound>;
  /** Reads the records not read yet of the vaults `of`, starting none after `until`. */
  readRecords(of: readonly VaultSide[], until: number | undefined): Promise<void>;
  /** Of the snapshot objects and config `side` lacks, those that are findings by what its records told so far. */
  lacksOf(side: VaultSide): readonly string[];
};

/**
 * Whether the snapshots each vault lacks were discarded by their backup (discardedSnapshotsInEach), read in rounds, each
 * round going on from where the one before stopped, in each vault's read order (lackedSnapshotReadOrder, fixed now).
 */
export function lackedSnapshotRecords(scope: LackedSnapshotRecordsScope): LackedSnapshotRecords {
  const { sides, vaults, lackedSnapshotsOf, lackedOf, discardedSnapshots, cursor, inScope, now } = scope;
  const askingSides = sides.filter((side) => vaults[otherSide(side)] !== undefined && (lackedSnapshotsOf.get(side)?.length ?? 0) > 0);
  const foundOf = new Map<VaultSide, DiscardedSnapshotsFound>();
  const at = now();
  const readOrderOf = new Map(askingSides.map((side) => [side, lackedSnapshotReadOrder(lackedSnapshotsOf.get(side) ?? [], cursor, inScope, at)]));
  // A vault's records not read yet, in its read order: all of them before its first reads.
  const unreadOf = (side: VaultSide): readonly string[] => {
    const order = readOrderOf.get(side) ?? [];
    const found = foundOf.get(side);
    return found === undefined ? order : order.filter((id) => found.notRead.has(id));
  };
  const readRecords = async (of: readonly VaultSide[], until: number | undefined): Promise<void> => {
    const reading = of.filter((side) => unreadOf(side).length > 0);
    if (!discardedSnapshots || reading.length === 0) return;
    const asked = reading.map((side) => ({ holder: vaults[otherSide(side)] as Vault, snapshotIds: unreadOf(side) }));
    const found = await discardedSnapshotsInEach(asked, discardedSnapshots, until !== undefined ? { until, now } : undefined);
    for (const [i, side] of reading.entries()) {
      const before = foundOf.get(side);
      const latest = found[i] as DiscardedSnapshotsFound;
      foundOf.set(side, before === undefined ? latest : { discarded: new Set([...before.discarded, ...latest.discarded]), notRead: latest.notRead });
    }
  };
  /** Of the snapshot objects and config `side` lacks, those that are findings by what its records told so far. */
  const lacksOf = (side: VaultSide): readonly string[] => {
    const found = foundOf.get(side);
    const toRead = readOrderOf.has(side) && discardedSnapshots !== undefined;
    const setAside = (key: string): boolean => {
      if (!key.startsWith(SNAPSHOTS_PREFIX)) return false;
      const id = key.slice(SNAPSHOTS_PREFIX.length);
      // Not read at all yet (its vault's reads come after the work-outs): not known missing either.
      if (found === undefined) return toRead;
      return found.discarded.has(id) || found.notRead.has(id);
    };
    return (lackedOf.get(side) ?? []).filter((key) => !setAside(key));
  };
  return { askingSides, foundOf, readRecords, lacksOf };
}

/** The snapshots/ keys of a sorted listing: a contiguous run of it, found by binary search. */
function snapshotKeysOf(listing: readonly string[]): readonly string[] {
  // '0' follows '/': the first key past every snapshots/ one.
  return listing.slice(firstKeyFrom(listing, SNAPSHOTS_PREFIX), firstKeyFrom(listing, `${SNAPSHOTS_PREFIX.slice(0, -1)}0`));
}
