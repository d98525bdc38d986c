import { createHash } from 'node:crypto';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { packTierTags } from '../../config/storage-tiers';
import { type BackupRecord } from '../catalog/backup-record';
import { backupIdOfTags } from '../catalog/backup-snapshot-tags';
import { type KeyProvider } from '../../vault';
import { type Vault } from '../../vault';
import { type VaultStore } from '../../vault';
import { extendObjectsRetention, openVault, retentionWindow, snapshotKey, snapshotObjectKeysBefore, SNAPSHOTS_PREFIX } from '../../vault';
import { damagedForgottenRecordLine, forgottenSnapshotsOf } from '../retention/forgotten-snapshots';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { retrievalTierOf, THAW_WAIT_SECONDS } from '../thaw/pack-thaw';
import { discardedSnapshotsOf } from './discarded-snapshots';
import { replicateVault, type ReplicationThaw } from './replicate-vault';
import { type ReplicaPruneRunning } from './replica-prune-wait';
import { RETENTION_CHUNK_SNAPSHOTS, RETENTION_STALLED_PASSES, type ReplicaRecordingFingerprint, type ReplicaRetentionResume, type ReplicaRetentionResumeInput } from './replica-retention-resume';
import { ReplicaRetentionStalledError } from './replica-retention-stalled-error';

/** What replication reads and writes in the primary region's catalog. */
export type PrimaryCatalog = Pick<BackupCatalog, 'getBackup' | 'listBackupsOfPlan' | 'markCopied'>;

export type ReplicateBackupDeps = {
  /** The primary vault, open. */
  source: Vault;
  /** The DR vault's store and key. */
  target: VaultStore;
  targetKeys: KeyProvider;
  /** The regions of the primary and the DR vault's buckets: named when one does not exist (VaultBucketMissingError). @default not named */
  regions?: { readonly primary?: string; readonly dr?: string };
  /** The primary region's catalog. */
  catalog: PrimaryCatalog;
  /**
   * The DR region's catalog: after a complete pass it gets every committed backup of the plan it lacks
   * (the DR path reads only it). Absent: functions deployed before the DR catalog existed.
   */
  drCatalog?: Pick<BackupCatalog, 'putRebuiltBackup' | 'indexCommittedBackup' | 'listBackupsOfPlan'>;
  /**
   * The environment's plan names: the DR catalog's records of these plans that its retention marked
   * `forgottenAt` name the snapshots not copied back (default: this run's plan only).
   */
  plans?: readonly string[];
  deadline?: number;
  now?: () => number;
  /** Snapshots a chunk of the DR retention extension takes at most (extendReplicaRetention), 1 to RETENTION_CHUNK_SNAPSHOTS. @default RETENTION_CHUNK_SNAPSHOTS */
  chunkSnapshots?: number;
  /**
   * The vaults' Object Lock retention (environment.immutability.days): once the DR vault holds
   * everything, what this run's backup (and any backup the pass caught up on) references there is
   * retained until at least now + this many days, as commit does in the primary vault. Absent: no Object Lock.
   */
  retentionDays?: number;
  /**
   * Given when some plan has an archive tier (the workflow then has the Wait loop): packs archived in the primary vault
   * are thawed with the retrieval tier of this run's plan (retrievalTierOf), and the report's `thaw` says how long to
   * wait before the next pass. Absent: an archived pack fails the step with VaultObjectArchivedError.
   */
  thaw?: {
    readonly plans: readonly ProtectionPlanConfig[];
    /** @default THAW_WAIT_SECONDS of the tier */
    readonly waitSeconds?: number;
  };
};


/** What the Replicate step returns into the execution state (small: counts, not lists). */
export type ReplicationReport = {
  complete: boolean;
  copiedObjects: number;
  copiedBytes: number;
  remainingObjects: number;
  /** Backups now recorded as copied to the DR vault (this run's and any earlier ones this pass caught up on). */
  backupsCopied: number;
  /** Snapshots the primary keeps that the DR vault's retention forgot: not copied back (absent when none). */
  snapshotsSkipped?: number;
  /** Snapshots the primary still holds that their backup discarded (a FAILED backup's, its cleanup could not delete them): not copied (absent when none). */
  discardedSnapshotsSkipped?: number;
  /**
   * The DR catalog's forgotten records whose snapshot ids do not all read (absent when none), each a line naming it: the
   * pass went on, and may have copied back to the DR vault a snapshot its retention forgot (review r61A F1).
   */
  damagedForgottenRecords?: string[];
  /** Backups written to the DR catalog by this run (absent without a DR catalog). */
  drCatalogWritten?: number;
  /** Packs to copy that are archived in the primary vault, and their thaws (absent when none): the workflow waits `waitSeconds` while any is pending. */
  thaw?: ReplicationThaw;
  /** A prune of the DR vault still running when the pass ended (absent when none): why the pass is not complete. */
  pruneRunning?: ReplicaPruneRunning;
  /**
   * The copy is done but the DR vault's retention extension is not (absent otherwise): why the pass is not complete, and
   * where the next pass, given it back (replicateBackup's `input.retention`), carries on.
   */
  retention?: ReplicaRetentionResume;
};

/**
 * The backup workflow's Replicate step: copies what the DR vault lacks (replicateVault), and once it
 * holds everything (under Object Lock, once what the backups reference there is retained: extendReplicaRetention, which
 * may take passes of its own, resumed from `input.retention`):
 * 1. writes to the DR catalog every committed backup of the plan (and of the snapshots this pass
 *    copied) that it lacks, as copied — before the primary says so, so a DR region lost in between
 *    leaves the primary's record not COMMITTED in DR and the next run writes it again;
 * 2. records copies.dr = COMMITTED in the primary catalog for this run's backup and for every earlier
 *    one the pass caught up on (a run whose replication failed is caught up by the next).
 * Both only for a backup whose every snapshot the DR vault holds (backupsInDr): one the primary's
 * retention forgot before it was copied stays as it is (copies.dr PENDING or FAILED), out of the DR catalog.
 * A snapshot its backup discarded (the primary catalog records it FAILED, or COMMITTED without it) is not copied (discarded-snapshots.ts).
 * The snapshots' `backupId:` tags say which backups they belong to, so this needs the vault alone.
 */
export async function replicateBackup(input: { backupId: string; retention?: ReplicaRetentionResumeInput }, deps: ReplicateBackupDeps): Promise<ReplicationReport> {
  const drCatalog = deps.drCatalog;
  if (input.retention && deps.retentionDays !== undefined) {
    const resumed = await resumeReplicaRetention(input.backupId, input.retention, deps);
    // Undefined: the backups to record are not those the stopped pass vouched for, so this is a whole pass (copies,
    // vouches, extends from the first key in a new window).
    if (resumed) return resumed;
  }
  // Read once for the pass: the run holds its plan's lock, so no other backup of the plan commits meanwhile, and a
  // record marked copied by someone else since is left as it is by markCopied and putRebuiltBackup.
  const current = await deps.catalog.getBackup(input.backupId);
  const planRecords = current ? await deps.catalog.listBackupsOfPlan(current.plan) : [];
  const committedHere = new Set([current, ...planRecords].flatMap((record) => (record?.status === 'COMMITTED' ? record.sources.map((source) => source.snapshotId) : [])));
  // The packs copied carry this run's plan's tier tag, so the DR vault's lifecycle rules move them as the primary's do
  // (a pack an earlier run of another plan wrote and left uncopied gets this plan's tag: "Storage tiers").
  const plan = current?.plan;
  const retrievalTier = deps.thaw ? retrievalTierOf(deps.thaw.plans, plan) : undefined;
  const damagedForgotten: string[] = [];
  const progress = await replicateVault({
    ...(deps.thaw && retrievalTier ? { thaw: { retrievalTier, waitSeconds: deps.thaw.waitSeconds ?? THAW_WAIT_SECONDS[retrievalTier] } } : {}),
    ...(plan !== undefined ? { packTags: packTierTags(plan) } : {}),
    source: deps.source,
    target: deps.target,
    targetKeys: deps.targetKeys,
    ...(deps.regions ? { regions: { source: deps.regions.primary, target: deps.regions.dr } } : {}),
    deadline: deps.deadline,
    now: deps.now,
    ...(drCatalog ? { forgottenInReplica: () => snapshotsForgottenInDr(current, deps, drCatalog, damagedForgotten) } : {}),
    discardedSnapshots: (snapshots) => {
      // The DR vault lacks this run's own snapshots at every pass: a COMMITTED record already read names them, and no
      // snapshot such a record names is discarded, so only the others cost a read of every plan's records.
      const unnamed = snapshots.filter((snapshot) => !committedHere.has(snapshot.snapshotId));
      return unnamed.length > 0 ? discardedSnapshotsOf(deps.catalog, [...(deps.plans ?? []), ...(current ? [current.plan] : [])], unnamed) : Promise.resolve(new Set<string>());
    },
    snapshotsToVouchFor: () => Promise.resolve(snapshotsNotRecordedCopied(current, planRecords)),
    stillUnvouched: (held) => snapshotsStillNotRecordedCopied(held, current, planRecords, deps.catalog),
  });
  let backupsCopied = 0;
  let drCatalogWritten = 0;
  if (progress.complete) {
    const backupIds = new Set([input.backupId]);
    for (const id of progress.copiedSnapshots) {
      const backupId = backupIdOfTags((await deps.source.loadSnapshot(id)).tags);
      if (backupId) backupIds.add(backupId);
    }
    const copied = await backupsInDr(current, planRecords, backupIds, deps, new Set(progress.vouchedSnapshots ?? []));
    if (deps.retentionDays !== undefined) {
      const { until, extendTo } = retentionWindow(new Date(deps.now?.() ?? Date.now()), deps.retentionDays);
      const wanted = snapshotsToRetain(current, copied, progress.copiedSnapshots);
      // What a resumed pass finds again: this plan's backups (another plan's it copied are left to that plan's next pass).
      const ownPlan = new Set([...planRecords, ...(current ? [current] : [])].map((record) => record.backupId));
      const own = (records: readonly BackupRecord[]): BackupRecord[] => records.filter((r) => ownPlan.has(r.backupId));
      const recording = recordingOf({ toMark: own(copied.toMark), toWrite: own(copied.toWrite), forgotten: own(copied.forgotten), forgottenUnwritten: own(copied.forgottenUnwritten) });
      const left = await extendReplicaRetention(wanted, { until: until.toISOString(), extendTo: extendTo.toISOString(), objectsLeft: 0, recording, chunkSnapshots: largestChunk(deps) }, deps, false);
      if (left) return { ...reportOf(progress, 0, drCatalog ? 0 : undefined, damagedForgotten), complete: false, retention: left };
    }
    // Only now: see resumeReplicaRetention.
    if (drCatalog) drCatalogWritten = await writeDrCatalog(copied.toWrite, drCatalog);
    for (const record of copied.toMark) if (await deps.catalog.markCopied(record.backupId)) backupsCopied++;
  }
  return reportOf(progress, backupsCopied, drCatalog ? drCatalogWritten : undefined, damagedForgotten);
}

/** Damaged forgotten records a report names at most: the execution state stays small. */
const DAMAGED_FORGOTTEN_NAMED = 5;

/** The step's report of a pass that ran replicateVault. */
function reportOf(progress: Awaited<ReturnType<typeof replicateVault>>, backupsCopied: number, drCatalogWritten: number | undefined, damagedForgotten: readonly string[] = []): ReplicationReport {
  const more = damagedForgotten.length - DAMAGED_FORGOTTEN_NAMED;
  const { complete, copiedObjects, copiedBytes, remainingObjects } = progress;
  return {
    complete,
    copiedObjects,
    copiedBytes,
    remainingObjects,
    backupsCopied,
    ...(progress.skippedSnapshots.length > 0 ? { snapshotsSkipped: progress.skippedSnapshots.length } : {}),
    ...(progress.discardedSnapshots ? { discardedSnapshotsSkipped: progress.discardedSnapshots.length } : {}),
    ...(damagedForgotten.length > 0 ? { damagedForgottenRecords: [...damagedForgotten.slice(0, DAMAGED_FORGOTTEN_NAMED), ...(more > 0 ? [`and ${more} more: lifeboat doctor lists them`] : [])] } : {}),
    ...(drCatalogWritten !== undefined ? { drCatalogWritten } : {}),
    ...(progress.thaw ? { thaw: progress.thaw } : {}),
    ...(progress.pruneRunning ? { pruneRunning: progress.pruneRunning } : {}),
  };
}

/**
 * The snapshots of the backups the DR vault's retention forgot (docs/ARCHITECTURE.md, "Retention"):
 * the DR catalog's `forgottenAt` is about the DR vault. Every plan of the environment, since a pass
 * copies every snapshot the DR vault lacks, whatever its plan.
 *
 * A DR record that does not validate counts by forgottenSnapshotsOf's rule, the prune's: its `forgottenAt` null, '' or
 * false is no forget, so a live backup's snapshot the DR vault lost is copied there again (review r61A F2). A forgotten
 * one whose snapshot ids do not all read does not stop the pass (review r61A F1: every backup of every plan failed for
 * one damaged record): the ids that read are left out, and `damaged` gets its line for the report.
 */
async function snapshotsForgottenInDr(current: BackupRecord | undefined, deps: ReplicateBackupDeps, drCatalog: NonNullable<ReplicateBackupDeps['drCatalog']>, damaged: string[]): Promise<Set<string>> {
  return forgottenSnapshotsOf(drCatalog, [...(deps.plans ?? []), ...(current ? [current.plan] : [])], { onDamaged: (record) => damaged.push(damagedForgottenRecordLine(record)) });
}

/**
 * The snapshots of the run's plan's committed backups not yet recorded copied to the DR vault (this run's among
 * them): an earlier pass may have copied them and reported incomplete, so this pass checks what they need is there —
 * and, when the DR vault holds one of them already, what every snapshot both vaults hold needs (replicateVault): that
 * pass may also have copied back a snapshot of a backup recorded copied, one the DR vault lost behind its catalog's back.
 */
function snapshotsNotRecordedCopied(current: BackupRecord | undefined, planRecords: readonly BackupRecord[]): Set<string> {
  const ids = new Set<string>();
  for (const record of [...planRecords, ...(current ? [current] : [])]) {
    if (record.status === 'COMMITTED' && record.copies?.dr !== 'COMMITTED') for (const source of record.sources) ids.add(source.snapshotId);
  }
  return ids;
}

/**
 * Of `held` (snapshots snapshotsNotRecordedCopied named that the DR vault holds already), those whose backup's record,
 * read again now, is still not recorded copied. The records were read before the pass; since then another plan's
 * Replicate step may have copied one (a pass copies every snapshot the DR vault lacks) and, having vouched for it,
 * recorded it copied: held because of that, it is no sign of an incomplete pass, and needs no mark of the whole DR
 * vault. A record is marked copied only by a complete pass that vouched for its snapshots (backupsInDr), never by a
 * catalog rebuild (catalog-rebuild.ts), so one recorded copied was vouched for. A record gone since counts as unvouched.
 */
async function snapshotsStillNotRecordedCopied(
  held: readonly string[],
  current: BackupRecord | undefined,
  planRecords: readonly BackupRecord[],
  catalog: PrimaryCatalog,
): Promise<Set<string>> {
  const backupsOf = new Map<string, Set<string>>();
  for (const record of [...planRecords, ...(current ? [current] : [])]) {
    for (const source of record.sources) backupsOf.set(source.snapshotId, (backupsOf.get(source.snapshotId) ?? new Set()).add(record.backupId));
  }
  const copied = new Map<string, boolean>();
  const recordedCopied = async (backupId: string): Promise<boolean> => {
    if (!copied.has(backupId)) copied.set(backupId, (await catalog.getBackup(backupId))?.copies?.dr === 'COMMITTED');
    return copied.get(backupId) === true;
  };
  const still = new Set<string>();
  for (const id of held) {
    const backups = [...(backupsOf.get(id) ?? [])];
    if (backups.length === 0) still.add(id);
    for (const backupId of backups) if (!(await recordedCopied(backupId))) still.add(id);
  }
  return still;
}

/**
 * A pass after one that stopped during the retention extension (`resume`): the copy was done and vouched for then, so
 * nothing is copied or looked at again (a DR prune marking since sees the snapshots); the extension carries on after
 * the last key done, and once it ends the backups are recorded. A backup is written to the DR catalog and marked copied
 * only after every object its snapshots reference in the DR vault is retained for the window: a record marked copied is
 * never looked at by a later pass (it names no snapshot to vouch for, nor its backup's to extend), so marking first and
 * stopping would leave packs it shares with older backups to lapse out of retention under a backup the DR catalog
 * presents as immutable there — a delete, or the noncurrent-version expiry, could then take them.
 *
 * Which backups to record is found again rather than carried (the state is small whatever their number): the pass that
 * stopped was complete, so it vouched for every snapshot of the plan's backups not recorded copied that both vaults held
 * (replicateVault's vouchedSnapshots), and under the plan's lock no snapshot of the plan lands in the DR vault since.
 * So those backups are the ones whose every snapshot both vaults hold now, as that pass found them (backupsInDr);
 * a snapshot the primary forgot since is not vouched for, as then. The keys found from them are those that pass found
 * or fewer, so every one sorting before `after` is extended. Another plan's backup whose snapshots the stopped pass
 * copied is not found again: left unrecorded, its own plan's next pass vouches for it and records it.
 *
 * That holds only while nothing else changes the plan's records, and a catalog rebuild takes no lock: a record it
 * writes since (COMMITTED, copies.dr PENDING) was never vouched for — its snapshot held in both vaults says nothing of
 * its packs — and its keys sorting before `after` were in no pass's keys. So the set found again, with the backups the
 * primary forgot unrecorded, must be the one the stopped pass fingerprinted (`recording`, recordingOf); when it is not
 * (or an older report has no fingerprint), undefined: the caller runs a whole pass, which vouches for what it records
 * and extends from the first key. A backup the stopped pass vouched for that the primary forgot since (Forget takes no
 * plan lock) is not found again, and is counted among the forgotten: the pass carries on and leaves it unrecorded
 * (copies.dr as it was, out of the DR catalog), as a backup forgotten before it was copied. Its keys extended already
 * stay extended; those after `after` that only it referenced are no longer found, and need no extension.
 */
async function resumeReplicaRetention(backupId: string, resume: ReplicaRetentionResumeInput, deps: ReplicateBackupDeps): Promise<ReplicationReport | undefined> {
  const recording = resume.recording;
  if (!recording) return undefined;
  const counts = { copiedObjects: 0, copiedBytes: 0, remainingObjects: 0 };
  const stopped = (left: ReplicaRetentionResume): ReplicationReport => ({ complete: false, ...counts, backupsCopied: 0, ...(deps.drCatalog ? { drCatalogWritten: 0 } : {}), retention: left });
  const now = deps.now ?? Date.now;
  // Finding the backups reads both catalogs and lists both vaults' snapshots: not begun past the deadline.
  if (deps.deadline !== undefined && now() >= deps.deadline) return stopped({ ...resume, recording, chunkSnapshots: resume.chunkSnapshots ?? largestChunk(deps) });
  const current = await deps.catalog.getBackup(backupId);
  const planRecords = current ? await deps.catalog.listBackupsOfPlan(current.plan) : [];
  const [inSource, inDr] = await Promise.all([snapshotKeysOf(deps.source.store), snapshotKeysOf(deps.target)]);
  const bothHold = new Set([...inSource].filter((key) => inDr.has(key)).map((key) => key.slice(SNAPSHOTS_PREFIX.length)));
  const copied = await backupsInDr(current, planRecords, new Set([backupId]), deps, bothHold);
  const found = recordingOf(copied);
  const matches = (fingerprint: ReplicaRecordingFingerprint): boolean => fingerprint.count === recording.count && fingerprint.sha256 === recording.sha256;
  // A report written before the fingerprint counted the forgotten backups (before 9a3f0e16; such a report has no
  // `chunkSnapshots` either) is matched as that version matched it: the backups to record, alone, exactly those it
  // vouched for — the test the code that wrote it applied, sound by the same reasoning. Without this an execution
  // running across the deploy, with any backup forgotten unrecorded, ran a whole pass (review rO F3). The cursor
  // carries on with this version's fingerprint of the same backups, so the next pass needs no second form; a report
  // this version wrote is matched on its own form only. (One written between 9a3f0e16 and chunkSnapshots, on the new form,
  // matches the old form of the backups found now only if they are those it counted to record or forgotten: a forgotten
  // one found both held again, which its own form accepts as well, recordingOf.)
  const legacy = resume.chunkSnapshots === undefined && matches(recordingOf({ ...copied, forgotten: [], forgottenUnwritten: [] }));
  if (!matches(found) && !legacy) return undefined;
  const left = await extendReplicaRetention(snapshotsToRetain(current, copied, []), { ...resume, recording: found }, deps, true, inDr);
  if (left) return stopped(left);
  // markCopied and putRebuiltBackup leave a record another pass recorded meanwhile as it is.
  const drCatalogWritten = deps.drCatalog ? await writeDrCatalog(copied.toWrite, deps.drCatalog) : undefined;
  let backupsCopied = 0;
  for (const record of copied.toMark) if (await deps.catalog.markCopied(record.backupId)) backupsCopied++;
  return { complete: true, ...counts, backupsCopied, ...(drCatalogWritten !== undefined ? { drCatalogWritten } : {}) };
}

/**
 * The fingerprint of the backups a pass is to record (ReplicaRecordingFingerprint): a fixed size whatever their number.
 * It covers, with them, the backups the primary's retention forgot before they could be recorded (`forgotten`, as if
 * they were to be recorded: toMark, and toWrite when the DR catalog lacks them), so that a backup the primary forgets
 * between passes (Forget takes no plan lock) moves from one part to the other and leaves the fingerprint as it was: a
 * resumed pass then carries on and leaves that backup out, as a backup forgotten before it was copied. Without this
 * every Forget between passes made the next pass a whole one, extending again from the first key, and forgets landing
 * faster than a whole extension never let it end (review rLL).
 *
 * What it still tells apart, exactly (no probabilistic filter, whose false match would skip extending a key): a backup
 * found again that the stopped pass did not count. Such a backup was neither to be recorded nor forgotten then — a
 * record a catalog rebuild wrote since (never forgotten: a rebuild recreates none) — or a forgotten one found both held
 * again, which under the plan's lock cannot be (no snapshot of the plan lands in either vault meanwhile). So equal
 * fingerprints mean the backups to record now are some of those the stopped pass vouched for.
 */
function recordingOf(copied: CopiedBackups): ReplicaRecordingFingerprint {
  const ids = (...lists: ReadonlyArray<readonly BackupRecord[]>): string[] => [...new Set(lists.flat().map((record) => record.backupId))].sort();
  const toMark = ids(copied.toMark, copied.forgotten);
  const toWrite = ids(copied.toWrite, copied.forgottenUnwritten);
  const sha256 = createHash('sha256').update(JSON.stringify({ toMark, toWrite })).digest('hex');
  return { count: toMark.length + toWrite.length, sha256 };
}

/**
 * The snapshots whose objects in the DR vault the pass retains for the window before it records the backups: those of
 * every backup it records (toMark, toWrite: one caught up on may reference packs the DR vault has held since an earlier
 * backup, near the end of their retention), this run's, and `copied`.
 */
function snapshotsToRetain(current: BackupRecord | undefined, copied: CopiedBackups, copiedSnapshots: readonly string[]): string[] {
  const records = [...(current ? [current] : []), ...copied.toMark, ...copied.toWrite];
  return [...new Set([...records.flatMap((record) => record.sources.map((source) => source.snapshotId)), ...copiedSnapshots])];
}

/** The size a chunk of the DR retention extension starts at, and never goes past (`deps.chunkSnapshots`, bounded by the cursor's schema). */
function largestChunk(deps: ReplicateBackupDeps): number {
  return Math.min(RETENTION_CHUNK_SNAPSHOTS, Math.max(1, Math.floor(deps.chunkSnapshots ?? RETENTION_CHUNK_SNAPSHOTS)));
}

/**
 * Objects copied now got the DR bucket's default retention when written; packs the DR vault already
 * held may be near the end of theirs. The keys are the DR vault's own references (its index): the DR
 * prune repacks on its own, and a pass that skipped forgotten snapshots copied by reference, so the
 * primary's keys need not name objects there. Each key costs a HEAD and maybe a PutObjectRetention in the DR region
 * (about 13 ms a key, 16 in flight), so a large backup's keys take longer than a Lambda run: no key starts after the
 * deadline, and what is left is returned for the next pass (the keys sorted, so it resumes after the last one done).
 * Undefined when every key is done.
 *
 * Finding the keys takes time too, with every snapshot to retain loaded and walked (snapshotObjectKeys): past a few
 * thousand snapshots (a first copy after a long DR outage) it alone outlasted the pass, and every pass began it again,
 * so no key was ever extended (review rGG F2). So the snapshots are taken in chunks in sorted order (`chunkSnapshots`),
 * finding stops at the deadline (snapshotObjectKeysBefore), and the cursor says which snapshots are done
 * (`snapshotsAfter`), which chunk is under way (`snapshotsThrough`) and the last key of it done (`after`): fixed size.
 * A resumed pass that begins with a chunk and extends none of its keys (finding them took its time, or found them too
 * late to start one: the loads were slower than the chunk was sized for) halves the chunk for the next pass, its keys
 * then counted again from the first; so every resumed pass extends a key or halves the chunk, down to one snapshot. The
 * size learnt is kept for the chunks after it (`chunkSnapshots` in the cursor), and doubled again, up to the largest,
 * after a chunk that took at most half the time left when it began (twice its snapshots would have fitted: the cost of
 * a chunk grows no faster than its size); sized afresh at the largest, every chunk was halved again, and each k
 * snapshots a pass can find cost log2(256/k) + 1 passes (review rO F1). A chunk of one snapshot whose keys resumed
 * passes, beginning with it, cannot find or start extending RETENTION_STALLED_PASSES times in a row (`stalledPasses` in
 * the cursor, cleared by any progress) throws ReplicaRetentionStalledError: its cost is mostly per chunk (the DR vault's
 * index), so every pass after it would stop at the same place, answering complete: false until the workflow's timeout
 * with the plan's lease held (review rO F2); failed, the DR copy is recorded FAILED, the lease released, and the next
 * backup run tries again. Not on the first such pass: one slow pass of an extension that was progressing (a throttled
 * DR region, a cold start) failed the DR copy and started the extension again on the next backup (review rQ F1). The cost: the keys chunks share (the config, the keys/ objects, index objects, packs
 * deduplicated across them) are found and HEADed once a chunk — a HEAD only, as extendObjectsRetention leaves an object
 * retained long enough alone — and the DR vault's index is read once a chunk. With few snapshots (at most a chunk) it is
 * one chunk, as before chunks. The chunk's bounds are snapshot ids, not a count, so a snapshot that drops out between
 * passes (its backup forgotten) brings no other into a chunk whose keys before `after` were done without it.
 */
async function extendReplicaRetention(
  wanted: readonly string[],
  resume: Omit<ReplicaRetentionResume, 'chunkSnapshots'> & { readonly chunkSnapshots?: number },
  deps: ReplicateBackupDeps,
  resumed: boolean,
  listedInDr?: ReadonlySet<string>,
): Promise<ReplicaRetentionResume | undefined> {
  const now = deps.now ?? Date.now;
  const deadline = deps.deadline ?? Number.POSITIVE_INFINITY;
  // A store with no Object Lock (a directory) has nothing to extend: no key is worth finding.
  if (!deps.target.extendRetention) return undefined;
  // Finding the keys loads the snapshots, walks their manifests and reads the DR vault's whole index: not begun past the deadline.
  const largest = largestChunk(deps);
  if (now() >= deadline) return { ...resume, chunkSnapshots: Math.min(largest, resume.chunkSnapshots ?? largest) };
  // A snapshot the DR vault's retention forgot since an earlier pass references nothing to keep. One listing, not a HEAD
  // a snapshot: a thousand keys a request; a resumed pass passes the one it has just made (`listedInDr`).
  const inDr = listedInDr ?? (await snapshotKeysOf(deps.target));
  const snapshotIds = wanted.filter((id) => inDr.has(snapshotKey(id))).sort();
  const replica = await openVault(deps.target, deps.targetKeys);
  // A report from before `chunkSnapshots` starts at the largest; a smaller `deps.chunkSnapshots` (tests) caps it.
  let chunkSnapshots = Math.min(largest, resume.chunkSnapshots ?? largest);
  const { until, extendTo, recording } = resume;
  let { snapshotsAfter, snapshotsThrough, after } = resume;
  for (let first = true; ; first = false) {
    const rest = snapshotIds.filter((id) => snapshotsAfter === undefined || id > snapshotsAfter);
    if (rest.length === 0) return undefined;
    // No key of a new chunk is done (`after` absent): it may be sized afresh. One with a key done keeps its bounds (a
    // report from before chunks has none: its chunk is every snapshot).
    if (after === undefined && snapshotsThrough === undefined && rest.length > chunkSnapshots) snapshotsThrough = rest[chunkSnapshots - 1];
    const through = snapshotsThrough;
    const chunk = through === undefined ? rest : rest.filter((id) => id <= through);
    // Written only by a pass that did nothing of its chunk of one: any progress leaves it out (stalledPasses).
    const cursor = (objectsLeft: number, stalledPasses?: number): ReplicaRetentionResume => ({
      until,
      extendTo,
      ...(snapshotsAfter !== undefined ? { snapshotsAfter } : {}),
      ...(snapshotsThrough !== undefined ? { snapshotsThrough } : {}),
      ...(after !== undefined ? { after } : {}),
      chunkSnapshots,
      objectsLeft,
      recording,
      ...(stalledPasses !== undefined ? { stalledPasses } : {}),
    });
    const began = now();
    const found = chunk.length > 0 ? await snapshotObjectKeysBefore(replica, chunk, deadline, now) : [];
    const keys = (found ?? []).filter((key) => after === undefined || key > after);
    const extension = found ? await extendObjectsRetention(deps.target, keys, new Date(until), new Date(extendTo), { deadline, now }) : undefined;
    const notStarted = extension ? (extension.notStarted ?? 0) : undefined;
    if (notStarted === 0) {
      // The chunk is done: the next one, in this pass while time is left. Twice as many snapshots would have fitted
      // in the time this one had when it began: the chunks grow again (a slow spell passed, or the halving overshot).
      if (2 * (now() - began) <= deadline - began) chunkSnapshots = Math.min(largest, Math.max(chunkSnapshots, 2 * chunk.length));
      snapshotsAfter = through ?? chunk.at(-1);
      snapshotsThrough = undefined;
      after = undefined;
      continue;
    }
    const done = notStarted === undefined ? 0 : keys.length - notStarted;
    if (done > 0) {
      after = keys[done - 1];
      return cursor(notStarted ?? 0);
    }
    // Nothing of the chunk done in a resumed pass that began with it, with a whole pass's time: its keys take too long
    // to find; half of it next time, and the chunks after it no larger. (A first pass begins the extension with what the
    // copy left of its time.) One snapshot cannot be halved: the next pass would stop here again, unless this one was
    // only slow (throttled, a cold start), so it fails on the RETENTION_STALLED_PASSES-th such pass in a row.
    if (resumed && first) {
      const [only] = chunk;
      if (chunk.length === 1 && only !== undefined) {
        const stalledPasses = (resume.stalledPasses ?? 0) + 1;
        if (stalledPasses >= RETENTION_STALLED_PASSES) throw new ReplicaRetentionStalledError(deps.target.location, only, now() - began, stalledPasses);
        return cursor(notStarted ?? 0, stalledPasses);
      }
      if (chunk.length > 1) {
        const half = Math.ceil(chunk.length / 2);
        snapshotsThrough = chunk[half - 1];
        chunkSnapshots = Math.min(chunkSnapshots, half);
        after = undefined;
      }
    }
    return cursor(notStarted ?? 0);
  }
}

/** The backups a pass records as copied: each is COMMITTED and the DR vault holds every snapshot of it. */
type CopiedBackups = {
  /** Not yet `copies.dr = COMMITTED` in the primary catalog. */
  toMark: BackupRecord[];
  /** Not in the DR catalog (always empty without one). */
  toWrite: BackupRecord[];
  /**
   * Not recorded, because the primary's retention forgot them (forgottenAt, or forgettingAt) before a pass vouched for
   * every snapshot of theirs: the fingerprint of a stopped pass counts them (recordingOf). Nothing records them.
   */
  forgotten: BackupRecord[];
  /** Of `forgotten`, those the DR catalog lacks (always empty without one). */
  forgottenUnwritten: BackupRecord[];
};

/**
 * The backups this pass records as copied: this run's, those of the snapshots it copied, and (with a DR
 * catalog) every committed backup of the run's plan, so that one whose replication failed, or that
 * a DR catalog deployed later lacks, is caught up. Only those whose every snapshot the DR vault holds:
 * a backup the primary's retention forgot before any pass copied it has no snapshot left to copy,
 * and recording it as copied would send a restore from the DR vault after data that never got there.
 */
async function backupsInDr(
  current: BackupRecord | undefined,
  planRecords: readonly BackupRecord[],
  backupIds: ReadonlySet<string>,
  deps: ReplicateBackupDeps,
  vouched: ReadonlySet<string>,
): Promise<CopiedBackups> {
  const records = new Map<string, BackupRecord>();
  // Every backup of the plan, with a DR catalog or without: one an earlier pass copied but could not vouch for (a DR
  // prune was running) is recorded by the pass that vouches for it, which may copy nothing.
  for (const record of planRecords) records.set(record.backupId, record);
  for (const id of backupIds) {
    if (records.has(id)) continue;
    const record = id === current?.backupId ? current : await deps.catalog.getBackup(id);
    if (record) records.set(id, record);
  }
  const inDrCatalog = new Set<string>();
  if (deps.drCatalog) for (const plan of new Set([...records.values()].map((r) => r.plan))) for (const r of await deps.drCatalog.listBackupsOfPlan(plan)) inDrCatalog.add(r.backupId);
  const copied: CopiedBackups = { toMark: [], toWrite: [], forgotten: [], forgottenUnwritten: [] };
  let held: Set<string> | undefined;
  for (const record of records.values()) {
    if (record.status !== 'COMMITTED') continue;
    const unmarked = record.copies?.dr !== 'COMMITTED';
    const unwritten = deps.drCatalog !== undefined && !inDrCatalog.has(record.backupId);
    // Nothing to record for a backup both catalogs already have: the DR vault is not listed for it.
    if (!unmarked && !unwritten) continue;
    if (unmarked) {
      // Not yet recorded copied: only when this pass checked what its snapshots need in the DR vault (vouchedSnapshots).
      // Held there is not enough — a pass that copied it during a DR prune could not vouch for it, and a snapshot the
      // primary has forgotten since cannot be checked from it: such a backup stays unrecorded.
      if (!record.sources.every((source) => vouched.has(source.snapshotId))) {
        if (record.forgottenAt !== undefined || record.forgettingAt !== undefined) {
          copied.forgotten.push(record);
          if (unwritten) copied.forgottenUnwritten.push(record);
        }
        continue;
      }
      copied.toMark.push(record);
      if (unwritten) copied.toWrite.push(record);
      continue;
    }
    // Recorded copied already (vouched for then), missing from the DR catalog only: written when the DR vault holds it.
    held ??= await snapshotKeysOf(deps.target);
    if (!record.sources.every((source) => held?.has(snapshotKey(source.snapshotId)))) continue;
    copied.toWrite.push(record);
  }
  return copied;
}

/**
 * A vault's `snapshots/` keys, now. Listed rather than asked for one by one: a thousand keys a request, and the Replicate
 * role may list the DR bucket, but reads its `snapshots/*` (a HEAD is a read) only under Object Lock.
 */
async function snapshotKeysOf(target: VaultStore): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const key of target.list(SNAPSHOTS_PREFIX)) keys.add(key);
  return keys;
}

/**
 * Writes copied backups into the DR catalog, as copied, before the primary catalog says so. The
 * primary's `forgottenAt` is left out: in the DR catalog it means forgotten by the DR vault's
 * retention, which has not happened to a backup whose snapshots the DR vault holds. Returns how many were written.
 */
async function writeDrCatalog(records: readonly BackupRecord[], drCatalog: NonNullable<ReplicateBackupDeps['drCatalog']>): Promise<number> {
  let written = 0;
  for (const record of records) {
    const drRecord: BackupRecord = { ...record, copies: { primary: 'COMMITTED', dr: 'COMMITTED' } };
    delete drRecord.forgottenAt;
    // `rebuilt` says a rebuild of the primary catalog created the record there: a later rebuild of the DR catalog would
    // count it as its own creation and point to "the other region's catalog" for holds that one lost too (review rR).
    delete drRecord.rebuilt;
    // The index items before the record, which is COMMITTED from the start (review r5-1, as Commit does since audit e1-1):
    // the other way round, index writes throttled past the step's retries left a COMMITTED DR record no point in time or
    // parent could find, and a DR-side restore --at or failover, with no next primary run to heal it, silently took the
    // backup before. Items without a record are passed over by every reader, and the step's retry writes both again.
    await drCatalog.indexCommittedBackup(drRecord);
    if (await drCatalog.putRebuiltBackup(drRecord)) written++;
  }
  return written;
}
