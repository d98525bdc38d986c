import { mapBounded, type Vault, VaultError } from '../../vault';
import { backupIdOfTags } from '../catalog/backup-snapshot-tags';
import { planOutcomeOf, PlanOutcomes, type PlanListings } from './plan-outcomes';

/** A snapshot one vault holds, with the tags of its record there (which name the backup that wrote it). */
export type TaggedSnapshot = { readonly snapshotId: string; readonly tags: readonly string[] };

/** Of some snapshots, those their backup discarded, which the other vault does not get (discardedSnapshotsOf). */
export type DiscardedSnapshots = (snapshots: readonly TaggedSnapshot[]) => Promise<ReadonlySet<string>>;

/**
 * Of `snapshots`, those their backup discarded: the backup workflow wrote them for a backup whose catalog record is
 * finished without them — FAILED (a FAILED record names no snapshot), or COMMITTED with other snapshots — and no
 * COMMITTED record names them. A FAILED run's cleanup deletes them from the primary vault on purpose
 * (forgetSnapshotsOfFailedBackup, lambdas/backup/commit-backup.ts; or keeps them there only because it could not), and
 * so does a failed commit invocation the snapshot it wrote but never published, while a retry commits another. A
 * Replicate pass (of any plan) may copy one to the DR vault in between (review r7 F3). Like a forgotten snapshot it is
 * then neither missing from the vault that lacks it nor copied there: not by the scrub's repair back into the primary
 * vault, where prune would keep its packs as a committed snapshot's and listings show it, nor by replication into the
 * DR vault (docs/ARCHITECTURE.md, "Scrub and self-heal").
 *
 * Its backup is the one its record's `backupId:` tag names (only the commit writes snapshot objects); that record is
 * looked up in the backup's plan (its `plan:` tag) and in `plans`. A RUNNING backup's snapshot, or one whose backup has
 * no record, is not discarded: a commit may still record it. A snapshot any COMMITTED record names never is, whatever
 * its tag says: that backup needs it (a commit marker can name another run's snapshot: audit a2 F2); nor one a record
 * that does not parse may name. A record is marked
 * FAILED or COMMITTED before a discarded snapshot is deleted, never changed back to RUNNING (markCommitted needs RUNNING),
 * and read here after the caller listed the vaults (the byPlan index: eventually consistent, so the scrub asks only
 * once it has read its slice). `catalog` is the catalog itself (each ask lists each plan: replication), or a scrub
 * run's PlanOutcomes (its later asks reuse what its first ask's listings said, within a memory budget). The catalog is
 * read only when some snapshot has a `backupId:` tag.
 */
export async function discardedSnapshotsOf(catalog: PlanListings | PlanOutcomes, plans: Iterable<string>, snapshots: readonly TaggedSnapshot[]): Promise<Set<string>> {
  const owners = new Map<string, string>();
  const planTags = new Set<string>();
  for (const snapshot of snapshots) {
    const backupId = backupIdOfTags(snapshot.tags);
    if (backupId === undefined) continue;
    owners.set(snapshot.snapshotId, backupId);
    const plan = snapshot.tags.find((tag) => tag.startsWith('plan:'))?.slice('plan:'.length);
    if (plan) planTags.add(plan);
  }
  if (owners.size === 0) return new Set();
  const outcomeOf = catalog instanceof PlanOutcomes ? (plan: string) => catalog.outcomeOf(plan) : (plan: string) => planOutcomeOf(catalog, plan);
  // Of the asked snapshots only: one plan's outcome at a time is alive here, whatever the catalog holds.
  const ofFinished = new Set<string>();
  const named = new Set<string>();
  for (const plan of new Set([...plans, ...planTags])) {
    const outcome = await outcomeOf(plan);
    for (const [snapshotId, backupId] of owners) {
      if (outcome.finished.has(backupId)) ofFinished.add(snapshotId);
      if (outcome.named.has(snapshotId)) named.add(snapshotId);
    }
  }
  return new Set([...owners.keys()].filter((snapshotId) => ofFinished.has(snapshotId) && !named.has(snapshotId)));
}

/**
 * Snapshot records read at once to learn their tags. Small objects (a few KiB): 32 in flight stay under the AWS SDK's 50
 * sockets a client and far under S3's 5,500 GETs a second a prefix, and make a vault lacking 40,000 snapshots (a new DR
 * vault before replication caught up) ~45 s of reads at ~35 ms a GET, where 8 at a time took ~175 s (audit aW2).
 */
const RECORDS_READ_AT_ONCE = 32;

/** What discardedSnapshotsIn learnt: the snapshots their backup discarded, and those whose record it did not read by its time. */
export type DiscardedSnapshotsFound = { readonly discarded: ReadonlySet<string>; readonly notRead: ReadonlySet<string> };

/** When discardedSnapshotsIn starts no read of a record: at `until` (epoch ms by `now`). */
export type RecordReadsUntil = { readonly until: number; readonly now: () => number };

/**
 * Of `snapshotIds` (snapshots `holder` holds and the other vault lacks), those `discardedSnapshots` says their backup
 * discarded, told by their records' tags in `holder`: the two-vault code's one way to ask (the scrub's, replication's).
 * A record that cannot be read there is not one: the caller treats it as any snapshot the other vault lacks (the
 * scrub's repair then says why it cannot be copied; replication fails on it as before). With `readsUntil`, no read
 * starts at or after its time: a record not read by then is not one either, and is in `notRead` (the scrub's, which
 * unbounded read a vault lacking 200,000 snapshots ~875 s, past its Lambda's timeout, so the run was killed without a
 * record every time: audit aW2).
 */
export async function discardedSnapshotsIn(holder: Pick<Vault, 'loadSnapshot'>, snapshotIds: readonly string[], discardedSnapshots: DiscardedSnapshots, readsUntil?: RecordReadsUntil): Promise<DiscardedSnapshotsFound> {
  const [found] = await discardedSnapshotsInEach([{ holder, snapshotIds }], discardedSnapshots, readsUntil);
  return found ?? { discarded: new Set(), notRead: new Set() };
}

/** One vault's part of discardedSnapshotsInEach: the snapshots `holder` holds and the other vault lacks. */
export type LackedSnapshotRecords = { readonly holder: Pick<Vault, 'loadSnapshot'>; readonly snapshotIds: readonly string[] };

/**
 * discardedSnapshotsIn for several vaults at once, up to one `readsUntil`: their reads alternate, one of each vault's
 * in turn in its order, the same RECORDS_READ_AT_ONCE in flight, so a vault lacking few snapshots leaves the rest of
 * the time to the other. Each vault read alone in turn, with an even share of the time left, the time the second left
 * unused was lost to the first (review rQ F2). `discardedSnapshots` is asked once per vault that read some, as before.
 */
export async function discardedSnapshotsInEach(vaults: readonly LackedSnapshotRecords[], discardedSnapshots: DiscardedSnapshots, readsUntil?: RecordReadsUntil): Promise<DiscardedSnapshotsFound[]> {
  const tagged = vaults.map((): TaggedSnapshot[] => []);
  const notRead = vaults.map(() => new Set<string>());
  const longest = Math.max(0, ...vaults.map((v) => v.snapshotIds.length));
  const turns: { readonly vault: number; readonly snapshotId: string }[] = [];
  for (let i = 0; i < longest; i++) {
    for (const [vault, { snapshotIds }] of vaults.entries()) {
      const snapshotId = snapshotIds[i];
      if (snapshotId !== undefined) turns.push({ vault, snapshotId });
    }
  }
  await mapBounded(turns, RECORDS_READ_AT_ONCE, async ({ vault, snapshotId }) => {
    if (readsUntil !== undefined && readsUntil.now() >= readsUntil.until) {
      notRead[vault]?.add(snapshotId);
      return;
    }
    try {
      tagged[vault]?.push({ snapshotId, tags: (await (vaults[vault] as LackedSnapshotRecords).holder.loadSnapshot(snapshotId)).tags });
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
    }
  });
  const found: DiscardedSnapshotsFound[] = [];
  for (const [vault, ofVault] of tagged.entries()) found.push({ discarded: ofVault.length > 0 ? await discardedSnapshots(ofVault) : new Set(), notRead: notRead[vault] ?? new Set() });
  return found;
}
