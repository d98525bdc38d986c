import { entriesNotRestored, type ManifestEntry, type NotRestored, underPrefix } from '../../vault';
import { finishDirectories, openDirectoryRestorer } from './directory-writer';
import { finishSplitFiles } from './split-file-pieces';
import { getRestorePlan, type RestorePlanDocument, type RestoreShard } from './restore-plan-document';
import { checkRestoredEntries } from './restored-entry-check';
import { TooLongNotMade } from './too-long-not-made';
import { readShardChecks, shardCheckKey, type ShardCheckStore } from './shard-checks';
import { completeSplitUploads } from './split-object-upload';
import { type RestoreIo } from './restore-io';
import { RestoreVerificationError } from './restore-errors';
import { selectedEntries, selectionAncestors } from './restore-selection';
import { describeTarget, type ResolvedRestore } from './resolved-restore';
import { mountRootOf, openTargetDirectory } from './target-directory';
import { vaultForBlobs } from './vault-for-blobs';
import { loadRestoreSnapshot } from './restore-snapshot';
import { type ReleaseRestorePin } from './restore-pin';
import { backupLeftOut, type BackupLeftOut, type BackupRecords } from './backup-left-out';
import { type TimeToLiveLeftOff, timeToLiveLeftOff } from './restored-table-ttl';
import { reportListsBound, reportListsWithin } from './restore-report-lists';
import { mergedNotRestoredKinds, notRestoredKinds } from './not-restored-kinds';
import { type RestoreReportPlace } from '../../config/restore-report-in';

/** Directories finished and read back together: bounded, so a file system's millions of directories are never all held. */
const DIRECTORIES_AT_ONCE = 1000;

/**
 * `releasePin`: removes the restore's pin on its backup once it is verified (restore-pin.ts); absent, nothing is unpinned.
 * `backupRecords`: the catalog whose record of the backup says what it left out of the source (backup-left-out.ts);
 * absent (tests of the other steps), the report says nothing of it.
 */
export type VerifyRestoreDeps = RestoreIo & { now?: () => Date; releasePin?: ReleaseRestorePin | undefined; backupRecords?: BackupRecords | undefined };

/** The runbook's result: what was restored where, verified against the manifest. */
export type RestoreReport = {
  restoreId: string;
  backupId: string;
  source: string;
  snapshotId: string;
  vault: 'primary' | 'dr';
  target: ResolvedRestore['target'];
  targetDescription: string;
  entries: number;
  bytes: number;
  items?: number;
  /** `entries`: those read back equal to the backup; an entry in `notRestored` is not one of them. */
  verified: { entries: number; mismatches: number };
  /**
   * File-system targets: entries or attributes the restore was not allowed to recreate (sockets,
   * devices when not root, FIFOs and extended attributes without the platform calls or where it may
   * not write them), of files, links and directories of the restore (not the parents a filtered restore
   * made on the way to its path: those are not in `entries`), the first ones and the count (as many as fit where the
   * report goes: restore-report-lists.ts); absent when there are none. An item said once for many entries (a platform loss: `entries`) counts them all in
   * `count`. `kinds`, in a drill's or failover's source only: the distinct reasons of every item the shards and this step
   * recorded, before the list was bounded (not-restored-kinds.ts). A partial restore, not a failed one: the execution
   * succeeds and says so here.
   */
  notRestored?: { count: number; kinds?: string[]; first: NotRestored[] };
  /**
   * What the backup itself did not hold whole of the source (its catalog record's counts, the whole source's):
   * not in the target either, and not in `verified`; absent when it left nothing out (backup-left-out.ts). Its reason
   * lines, as many as fit after `notRestored`'s (restore-report-lists.ts).
   */
  backupLeftOut?: BackupLeftOut;
  /** DynamoDB targets restored with `"timeToLive": "off"` from a source with TTL: its attribute, and the command that turns TTL on. */
  timeToLiveOff?: TimeToLiveLeftOff;
  durationMs: number;
};

/**
 * Last step of a restore: puts large entries restored in pieces in place (split-object-upload.ts,
 * split-file-pieces.ts), gives restored directories (and those above a filter's path) their modes
 * and mtimes, and establishes that the target equals the manifest. Every shard read back what it wrote and recorded what it found
 * (shard-checks.ts): S3, every object's size, content (the vault's chunk ids of the bytes read
 * back), content type, user metadata and tags; directories, every file's and link's kind, mode,
 * size, content and link target; DynamoDB, every item by its key, canonically encoded, equal to the
 * backup's. Here each shard's record is read, and the directories and the entries restored in
 * pieces are read back. Any difference, or a shard without a record, fails with
 * RestoreVerificationError (the abandon step then unpins). Verified, the restore's pin on its backup
 * is removed (best effort, `releasePin`): retention may forget the backup from then on. A drill's
 * restore is given none: the drill reads the snapshot after this step, and its cleanup step unpins.
 */
export async function verifyRestore(input: { planKey: string; reportIn?: RestoreReportPlace | undefined; reportSources?: number | undefined }, deps: VerifyRestoreDeps): Promise<RestoreReport> {
  const plan = await getRestorePlan(deps.planS3, deps.planBucket, input.planKey);
  const restore = plan.restore;
  const mismatches: string[] = [];
  let checked: number;
  let items: number | undefined;
  const notRestored: NotRestored[] = [];
  /** Entries not restored, those the lists leave out and those an item said once for many stands for included. */
  let notRestoredCount = 0;
  /** The reasons the shards' records name, each record's of all its items, not only those it lists (review r59A F2). */
  let shardKinds: string[] = [];
  const target = restore.target;
  let ttlOff: TimeToLiveLeftOff | undefined;

  if (target.type === 'dynamodb') {
    // Every shard read back the items it wrote, by key, and recorded what it found.
    const shards = await shardOutcomes(plan, deps);
    checked = shards.checked;
    items = shards.items;
    mismatches.push(...shards.mismatches);
    // From the plan, not the snapshot: this step reads no vault for a table, and the snapshot may be forgotten by now (review r57Q F1).
    if (plan.ttlLeftOff) ttlOff = timeToLiveLeftOff(target.table, plan.ttlLeftOff.attribute);
  } else {
    // The shards read back everything they wrote, and recorded what they found (shard-checks.ts).
    // This step finishes and reads back the rest: the entries restored in pieces, then the directories.
    const vault = await deps.openVault(restore.vault);
    const snapshot = await loadRestoreSnapshot(vault, restore);
    const pieceEntries = new Set(plan.shards.filter((s) => s.piece).map((s) => s.first));
    // Looked up by path (a page each), not found by a walk of the whole selection.
    const manifest = await vault.manifest(snapshot);
    const pieced: ManifestEntry[] = [];
    for (const path of pieceEntries) {
      const entry = await manifest.find(path);
      if (entry) pieced.push(entry);
    }
    // The pieced entries' blobs are read here (their pieces joined and read back): only theirs, when the whole index is too large.
    const located = pieced.length > 0 ? await vaultForBlobs(vault, () => pieced.flatMap((e) => e.content), restore.restoreId) : vault;
    // Read and finished through the directory opened without following links, as the shards wrote it (target-directory.ts).
    const targetDir = target.type === 'filesystem' ? await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), target.path, { create: false }) : null;
    try {
      const root = targetDir?.path ?? (target.type === 'filesystem' ? deps.directory(target.path) : '');
      let piecedRestorer: Awaited<ReturnType<typeof openDirectoryRestorer>> | undefined;
      if (pieced.length > 0) {
        // Large entries restored in pieces are put in place first: a file's rename changes its directory's mtime.
        const byPath = new Map(pieced.map((e) => [e.path, e]));
        const store = { planS3: deps.planS3, planBucket: deps.planBucket };
        if (target.type === 's3') await completeSplitUploads(plan, (p) => byPath.get(p), { ...store, targetS3: deps.targetS3 });
        else if (targetDir) {
          piecedRestorer = await openDirectoryRestorer(located, root, () => true, { overwrite: restore.overwrite, keepSetIdBits: restore.keepSetIdBits });
          await finishSplitFiles(plan, (p) => byPath.get(p), piecedRestorer, store);
        }
      }
      const where = { targetS3: deps.targetS3, root, keepSetIdBits: restore.keepSetIdBits };
      // What putting the pieced files in place could not set (their extended attributes) is not counted as verified (review 44c F2).
      const own = await checkRestoredEntries(located, target, where, pieced, piecedRestorer?.notRestored() ?? []);
      // The shards made the directories, and their records say (and count) which they could not make for a name too long:
      // a directory refused so is not made only when they say so (review r59E F3); as many lines as the records list.
      const shards = await shardOutcomes(plan, deps);
      const counted = new TooLongNotMade(shards.notRestored, shards.cutRanges);
      const check = async (done: readonly ManifestEntry[]): Promise<void> => {
        // What finishing the directories could not set (their extended attributes) is theirs: they are not counted as verified.
        const lost = target.type === 'filesystem' && targetDir ? await finishDirectories(root, done, { keepSetIdBits: restore.keepSetIdBits }) : [];
        const found = await checkRestoredEntries(vault, target, where, done, lost, counted);
        own.checked += found.checked;
        own.mismatches.push(...found.mismatches);
        own.notRestored.push(...found.notRestored);
      };
      // Directories stream through in post-order: one is finished (mode, times) and read back once the
      // manifest leaves its subtree, so what is held is the path from the root, not every directory of
      // a file system that may have millions.
      const openDirs: ManifestEntry[] = [];
      let done: ManifestEntry[] = [];
      const close = async (until: (dir: ManifestEntry) => boolean): Promise<void> => {
        for (let dir = openDirs.at(-1); dir && until(dir); dir = openDirs.at(-1)) {
          done.push(openDirs.pop() as ManifestEntry);
          if (done.length >= DIRECTORIES_AT_ONCE) {
            await check(done);
            done = [];
          }
        }
      };
      // Only a directory's selection holds directories (an S3 restore's holds objects alone, and its target is S3:
      // restore-request.ts): an S3 restore skips this walk, which reads every page of the selection.
      if (target.type === 'filesystem') {
        for await (const entry of selectedEntries(vault, snapshot, restore)) {
          await close((dir) => !underPrefix(entry.path, dir.path));
          if (entry.kind === 'dir') openDirs.push(entry);
        }
      }
      await close(() => true);
      if (done.length > 0) await check(done);
      // The filter's parents, outermost, last: the shards made them on the way to it. They get their recorded mode and mtime
      // and are read back (a difference fails the restore), but are not counted as verified entries: they are not the restore's
      // (the report's counts match). Nor is what could not be set on them (their extended attributes, without the platform
      // calls) in `notRestored`, which says what the restore's entries lack: each such entry is one that `verified` leaves out,
      // and the parents' made the count exceed `entries` (review r58D F4).
      // Only without overwrite: the target was then empty, so the restore made every parent in it; with overwrite the parents
      // may be live directories that other files share, and the shards (other functions) do not say which ones they made.
      if (target.type === 'filesystem' && targetDir && !restore.overwrite) {
        const ancestors = await selectionAncestors(vault, snapshot, restore);
        await finishDirectories(root, ancestors, { keepSetIdBits: restore.keepSetIdBits });
        own.mismatches.push(...(await checkRestoredEntries(vault, target, where, ancestors, [], counted)).mismatches);
      }
      checked = own.checked + shards.checked;
      mismatches.push(...own.mismatches, ...shards.mismatches);
      notRestored.push(...own.notRestored, ...shards.notRestored);
      notRestoredCount = entriesNotRestored(own.notRestored) + shards.notRestoredCount;
      shardKinds = shards.notRestoredKinds;
    } finally {
      await targetDir?.close();
    }
  }
  if (mismatches.length > 0) throw new RestoreVerificationError(mismatches.sort(), checked);
  const leftOut = deps.backupRecords ? await backupLeftOut(deps.backupRecords, restore) : undefined;
  await deps.releasePin?.(restore);
  notRestored.sort((a, b) => (a.path < b.path ? -1 : 1));
  // Within what its state can hold: the counts whole, the lists as many as fit (review f58O); the reasons of every item
  // read, where the report goes to a report that names them (review r58I F3).
  const lists = reportListsWithin(
    {
      ...(notRestoredCount > 0 ? { notRestored: { count: notRestoredCount, kinds: mergedNotRestoredKinds([notRestoredKinds(notRestored), shardKinds]), first: notRestored } } : {}),
      ...(leftOut !== undefined ? { backupLeftOut: leftOut } : {}),
    },
    reportListsBound(input.reportIn ?? 'execution-output', input.reportSources),
  );
  return {
    restoreId: restore.restoreId,
    backupId: restore.backupId,
    source: restore.source.name,
    snapshotId: restore.snapshotId,
    vault: restore.vault,
    target,
    targetDescription: describeTarget(target),
    entries: plan.entries,
    bytes: plan.bytes,
    ...(items !== undefined ? { items } : {}),
    verified: { entries: checked, mismatches: 0 },
    ...lists,
    ...(ttlOff ? { timeToLiveOff: ttlOff } : {}),
    durationMs: (deps.now ?? (() => new Date()))().getTime() - Date.parse(restore.startedAt),
  };
}

/**
 * What the shards of the plan that restored whole entries found when they read them back: a shard
 * without a record for this restore never finished, which fails the restore as a mismatch would.
 */
async function shardOutcomes(
  plan: RestorePlanDocument,
  store: ShardCheckStore,
): Promise<{ checked: number; items: number; mismatches: string[]; notRestored: NotRestored[]; notRestoredCount: number; notRestoredKinds: string[]; cutRanges: RestoreShard[] }> {
  const whole = plan.shards.filter((s) => !s.piece);
  const records = await readShardChecks(store, plan.restore.restoreId, whole.map((s) => s.index));
  const outcome = { checked: 0, items: 0, mismatches: [] as string[], notRestored: [] as NotRestored[], notRestoredCount: 0, cutRanges: [] as RestoreShard[] };
  const kinds: string[][] = [];
  whole.forEach((shard, i) => {
    const record = records[i];
    if (!record) {
      outcome.mismatches.push(`restore shard ${shard.index} (${JSON.stringify(shard.first)} to ${JSON.stringify(shard.last)}) left no check record (${shardCheckKey(plan.restore.restoreId, shard.index)}): it did not finish; run the restore again`);
      return;
    }
    outcome.checked += record.checked;
    outcome.items += record.items ?? 0;
    outcome.mismatches.push(...record.mismatches);
    if (record.mismatchCount > record.mismatches.length) outcome.mismatches.push(`restore shard ${shard.index}: ${record.mismatchCount - record.mismatches.length} more entries differ than its record lists`);
    outcome.notRestored.push(...record.notRestored);
    outcome.notRestoredCount += record.notRestoredCount;
    // Its list cut: a line it left out may be the one that says an entry of its range was not made (too-long-not-made.ts).
    if (record.notRestoredCount > entriesNotRestored(record.notRestored)) outcome.cutRanges.push(shard);
    // A record of a shard of an older version has no reasons of its own: its listed items' then.
    kinds.push(record.notRestoredKinds ?? notRestoredKinds(record.notRestored));
  });
  return { ...outcome, notRestoredKinds: mergedNotRestoredKinds(kinds) };
}
