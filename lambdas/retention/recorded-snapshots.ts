import { mapBounded } from '../../vault';
import { type BackupCatalog, type InvalidLiveBackupItem, type LiveBackupSnapshotsRead } from '../catalog/backup-catalog';
import { isStoredIn } from '../replication/absent-vault';
import { type VaultSide } from '../runtime/runtime-config';
import { RecordedBackupUnreadableError } from './recorded-backup-unreadable-error';
import { prunedPlans } from './recorded-plans';
import { type MissingRecordedSnapshot, RecordedSnapshotMissingError, type RecordedSnapshotWayOutOptions } from './recorded-snapshot-missing-error';

export type RecordedSnapshotsCatalog = Pick<BackupCatalog, 'liveBackupSnapshotsOfPlan' | 'liveBackupSnapshotsAt' | 'recordedPlanNames'>;

/**
 * Backups looked up again at once (a GetItem each): a vault lacking the snapshots of thousands of backups is looked at
 * again in seconds, well under the table's on-demand read rate.
 */
const LOOKED_UP_AT_ONCE = 16;

/**
 * The snapshots that `side`'s vault must hold by its region's catalog: those of every committed backup of `plans` stored
 * there (the primary: committed; the DR vault: `copies.dr` COMMITTED, which Replicate records only once the copy is
 * complete) and not forgotten. A backup whose forget has begun (`forgettingAt`: its snapshot objects are deleted before
 * the record is marked forgotten, so a forget cut short leaves it so) is left out: its data is going anyway, and the
 * next forget finishes it.
 *
 * A record that does not validate (a newer Lifeboat's, a damaged one) is not passed over: the prune would condemn its
 * backup's data were its snapshot object missing (review r59H F1). The snapshot ids its item still names are checked as
 * any other's (marked `recordInvalid`), unless the item says it is forgotten, being forgotten or (the DR vault) not
 * copied there; one that names none (`sources: []` too), or lacks a readable id for any one of its sources (those of
 * `sources` and those its `sourceNames` names), stops the prune (RecordedBackupUnreadableError), as what it protects
 * cannot be told. So does a committed record otherwise valid that lacks a source its `sourceNames` names, or names none:
 * the catalog reads it as not valid (liveBackupSnapshotsSchema, review r60B F1). The catalog yields every record of the
 * plan and this decides (review r60B F3): only a `forgottenAt` that is a non-empty string is a forget (marksForget);
 * absent, '', null, false, a number, a map, a list or true is none, so such a record's snapshots are checked as a live
 * one's (review r61L F1: read as forgotten, a committed backup's data was condemned were its snapshot object missing);
 * and a record whose `status` this version does not know stops the prune (RecordedBackupUnreadableError naming it), as
 * it may be committed.
 * A record from before the vault is passed over silently.
 */
export async function snapshotsRecordedIn(side: VaultSide, catalog: Pick<RecordedSnapshotsCatalog, 'liveBackupSnapshotsOfPlan'>, plans: Iterable<string>): Promise<MissingRecordedSnapshot[]> {
  const recorded: MissingRecordedSnapshot[] = [];
  for (const plan of new Set(plans)) {
    for await (const read of catalog.liveBackupSnapshotsOfPlan(plan)) recorded.push(...snapshotsOfRead(side, plan, read));
  }
  return recorded;
}

/** The snapshots one record read says `side`'s vault must hold (snapshotsRecordedIn). */
function snapshotsOfRead(side: VaultSide, plan: string, read: LiveBackupSnapshotsRead): MissingRecordedSnapshot[] {
  if ('invalid' in read) return salvagedSnapshots(side, plan, read.invalid);
  const { backup, key } = read;
  if (!isStoredIn(side, backup) || backup.forgottenAt !== undefined || backup.forgettingAt !== undefined) return [];
  return backup.sources.map((source) => ({ backupId: backup.backupId, plan: backup.plan, snapshotId: source.snapshotId, key }));
}

/** The snapshots a record of `plan` that does not validate still names, as snapshotsRecordedIn reads them. */
function salvagedSnapshots(side: VaultSide, plan: string, invalid: InvalidLiveBackupItem): MissingRecordedSnapshot[] {
  // A record from before the vault names no snapshot (the vault holds nothing of it): passed over without a word, as a
  // warning on every Prune invocation would say nothing `lifeboat doctor` does not (review r59H F4).
  if (invalid.preVault) return [];
  // Only what the item says plainly leaves it out: a `copies` that does not read may hold a DR copy, a `forgottenAt` that
  // is no non-empty string (a number, a map: marksForget) may be on a live backup. Forgotten comes first: its snapshot
  // objects were deleted on purpose, whatever its status says.
  if (invalid.forgotten || invalid.forgetting) return [];
  // The catalog yields every record of the plan (review r60B F3): one of this version not committed holds nothing,
  // one whose status this version does not know may be committed.
  if (invalid.committed === false) return [];
  if (invalid.committed === undefined) throw new RecordedBackupUnreadableError(side, plan, invalid);
  if (side === 'dr' && invalid.copiedToDr === false) return [];
  // One source without a readable id (in `sources`, or named in `sourceNames` and absent from `sources`) leaves its data
  // unprotected however many the others name (review r59M F1). A record naming no snapshot at all stops the prune too,
  // `sources: []` included: its `sourceNames` may list sources whose data it alone protects (review r60B F1; until then
  // it was passed over, review r59M F4), and one that lists none either is no record Lifeboat writes (a plan protects a
  // source at least), so what it protects cannot be told.
  if (invalid.snapshotIds.length === 0 || (invalid.sourcesWithoutSnapshotId?.length ?? 0) > 0) throw new RecordedBackupUnreadableError(side, plan, invalid);
  const backupId = invalidBackupId(invalid);
  return invalid.snapshotIds.map((snapshotId) => ({ backupId, plan, snapshotId, key: invalid.key, recordInvalid: true, invalid: invalid.error }));
}

/**
 * What a prune of `side`'s vault checks the `snapshots/` listing of its mark against (PruneOptions.checkListed): the
 * snapshots recorded in it (snapshotsRecordedIn) of the `configured` plans and of every other plan the catalog holds
 * backup records of (prunedPlans: a plan removed from the config keeps its committed backups, review r59M F3). The
 * catalog is read now, before the prune lists anything, so a backup that commits meanwhile (its snapshot object written
 * before its record) is not taken for one whose object is missing. The backup of a snapshot the listing lacks is looked
 * up again before the prune is stopped, by a consistent read of the item the first read found (liveBackupSnapshotsAt):
 * a forget that began after the first read is no cause, nor one the eventually consistent index did not show yet
 * (review r59H F2). An item gone by then, or naming another backup, tells nothing of the first: its snapshots stay
 * missing (review r59M F2).
 * Throws RecordedSnapshotMissingError naming what is still missing, its command lines ending with `wayOut`'s options.
 */
export async function recordedSnapshotsCheck(
  side: VaultSide,
  catalog: RecordedSnapshotsCatalog,
  configured: readonly string[],
  wayOut?: RecordedSnapshotWayOutOptions,
): Promise<(listed: ReadonlySet<string>) => Promise<void>> {
  const recorded = await snapshotsRecordedIn(side, catalog, await prunedPlans(side, catalog, configured));
  return async (listed) => {
    const absent = recorded.filter((r) => !listed.has(r.snapshotId));
    if (absent.length === 0) return;
    const items = new Map<string, MissingRecordedSnapshot[]>();
    for (const a of absent) items.set(itemOf(a), [...(items.get(itemOf(a)) ?? []), a]);
    const again = await mapBounded([...items.values()], LOOKED_UP_AT_ONCE, async (first) => stillMissing(side, catalog, first));
    const missing = again.flat();
    if (missing.length > 0) throw new RecordedSnapshotMissingError(side, missing, wayOut, configured);
  };
}

/** Which item a snapshot was read from: the second look reads that item again. */
function itemOf(recorded: MissingRecordedSnapshot): string {
  return JSON.stringify([recorded.key.pk, recorded.key.sk]);
}

/** Of `first` (the absent snapshots one item named at the first read), those its item, read again at once, still names. */
async function stillMissing(side: VaultSide, catalog: RecordedSnapshotsCatalog, first: readonly MissingRecordedSnapshot[]): Promise<MissingRecordedSnapshot[]> {
  const [{ key, plan, backupId }] = first as [MissingRecordedSnapshot, ...MissingRecordedSnapshot[]];
  const read = await catalog.liveBackupSnapshotsAt(key);
  if (read === undefined || backupIdOf(read) !== backupId) return [...first];
  const still = new Set(snapshotsOfRead(side, plan, read).map((r) => r.snapshotId));
  return first.filter((a) => still.has(a.snapshotId));
}

/** The backup a read names. */
function backupIdOf(read: LiveBackupSnapshotsRead): string {
  return 'invalid' in read ? invalidBackupId(read.invalid) : read.backup.backupId;
}

/** The backup an item that does not validate names: its `backupId`, else its key's. */
function invalidBackupId(invalid: InvalidLiveBackupItem): string {
  return invalid.backupId ?? invalid.key.pk.replace(/^BACKUP#/, '');
}
