import { type BackupCatalog } from '../catalog/backup-catalog';
import { type BackupRecord, type BackupSourceRecord, type BackupTotals, snapshotFieldsOfSource, sumBackupTotals } from '../catalog/backup-record';
import { backupSnapshotTags, type BackupRunTags } from '../catalog/backup-snapshot-tags';
import { type ManifestRun, mergePruneStatesSeen, type PartSummary, type PruneStateSeen, summarizePart, type Vault } from '../../vault';
import { extendSnapshotRetention, mapBounded, retentionWindow, snapshotKey } from '../../vault';
import { type BackupPlanDocument, type PlannedSource } from './backup-plan-document';
import { BackupWorkspace, type ShardPartDocument } from './backup-workspace';
import { joinObjectPieces } from './joined-object-pieces';

export type CommitBackupDeps = {
  vault: Vault;
  catalog: BackupCatalog;
  /**
   * The vault's Object Lock retention (environment.immutability.days): before the backup is marked
   * COMMITTED, everything its snapshots reference is retained until at least now + this many days.
   * Absent: no Object Lock, nothing extended.
   */
  retentionDays?: number;
  now?: () => Date;
};

export type CommitBackupInput = { backupId: string; planKey: string };

export type CommittedBackup = { backupId: string; status: 'COMMITTED'; strategy: BackupRecord['strategy']; sources: BackupSourceRecord[]; totals: BackupTotals };

/**
 * A plan whose listing never completed has no shardCount: committing it would leave out the
 * sources' unplanned rest, so it is refused (the workflow commits only after the last Plan says done).
 */
export class PlanningUnfinishedError extends Error {
  override readonly name = 'PlanningUnfinishedError';
  constructor(
    readonly backupId: string,
    readonly manifests: number,
  ) {
    super(
      `Backup ${backupId} cannot be committed: its planning never finished (${manifests} shard manifest(s) written, no shardCount in plans/${backupId}.json). ` +
        'The Plan step must run until it returns done: true; run the backup again.',
    );
  }
}

function finalShardCount(plan: BackupPlanDocument): number {
  if (plan.shardCount === undefined) throw new PlanningUnfinishedError(plan.backupId, plan.shardManifests.length);
  return plan.shardCount;
}

/** What a run's snapshots say about it (their tags): everything its catalog record holds that the snapshot itself does not. */
export function runTags(plan: BackupPlanDocument): BackupRunTags {
  return {
    backupId: plan.backupId,
    plan: plan.plan,
    environment: plan.environment,
    strategy: plan.strategy,
    requestedStrategy: plan.requestedStrategy,
    ...(plan.parentBackupId ? { parentBackupId: plan.parentBackupId } : {}),
    ...(plan.baseBackupId ? { baseBackupId: plan.baseBackupId } : {}),
    startedAt: plan.createdAt,
    ...(plan.trigger !== undefined ? { trigger: plan.trigger } : {}),
    shardCount: finalShardCount(plan),
    sourceNames: plan.sources.map((s) => s.name),
  };
}

/** What the commit keeps of a shard's part: its summary (run bounds, index objects, counters), its observations counted, its pieces of split objects. */
type PartOfCommit = {
  readonly shardIndex: number;
  readonly source: string;
  readonly summary: PartSummary;
  readonly observed: { readonly changedDuringRead: number; readonly vanished: number; readonly skipped: number };
  readonly pieces: NonNullable<ShardPartDocument['pieces']>;
  readonly pruneStateSeen: PruneStateSeen | undefined;
};

function summarizeShardPart(doc: ShardPartDocument): PartOfCommit {
  const { changedDuringRead, vanished, skipped } = doc.observations;
  return {
    shardIndex: doc.shardIndex,
    source: doc.source,
    summary: summarizePart(doc.part),
    observed: { changedDuringRead: changedDuringRead.length, vanished: vanished.length, skipped: skipped.length },
    pieces: doc.pieces ?? [],
    pruneStateSeen: doc.pruneStateSeen,
  };
}

/**
 * What every writer of a source's shards saw of prune's state (Vault.commitSnapshot holds the snapshot
 * only to the prunes they did not see); nothing when a part lacks it (one written before 2026-12-05).
 */
function seenByEvery(parts: readonly PartOfCommit[]): { pruneStateSeen?: PruneStateSeen } {
  const states = parts.map((p) => p.pruneStateSeen);
  if (states.length === 0 || states.some((s) => s === undefined)) return {};
  const merged = mergePruneStatesSeen(states as PruneStateSeen[]);
  return merged ? { pruneStateSeen: merged } : {};
}

/** A run's page references, read again from the shard's part (the merge checks they are still the run the summary was made from). */
async function runPagesAgain(workspace: BackupWorkspace, backupId: string, part: PartOfCommit, run: number): Promise<ManifestRun> {
  return (await workspace.getPart(backupId, part.shardIndex)).part.runs[run] ?? [];
}

/** Shard parts read at once by the commit (each a small JSON object in the vault). */
const PARTS_READ_AT_ONCE = 32;

/**
 * Commit protocol, in this order: every shard's part present → the pieces of objects split by byte
 * ranges joined, one entry each → one vault snapshot per source (manifest pages, manifest root,
 * snapshot object last) → catalog COMMITTED → the catalog's
 * per-source index items. Nothing is visible as a committed backup before the catalog write.
 *
 * Idempotent: each committed source is remembered at parts/<backupId>/committed/<source>.json, so a
 * retried commit reuses its snapshot instead of writing a second one. If the commit fails for good
 * part way, the snapshot objects it wrote are removed again, so a FAILED backup leaves no snapshot.
 */
export async function commitBackup(input: CommitBackupInput, deps: CommitBackupDeps): Promise<CommittedBackup> {
  const workspace = new BackupWorkspace(deps.vault.store);
  const plan = await workspace.getPlan(input.planKey, input.backupId);
  const shardCount = finalShardCount(plan);
  // Read side by side: one after another, the ~93,000 parts of a billion-object bucket (docs/SCALE.md)
  // would take longer than the function's 15 minutes at S3's per-request latency. Only a summary of
  // each is kept; the merge reads a part's page references again when it reaches them.
  const parts: PartOfCommit[] = await mapBounded(
    Array.from({ length: shardCount }, (_, index) => index),
    PARTS_READ_AT_ONCE,
    async (index) => summarizeShardPart(await workspace.getPart(plan.backupId, index)),
  );

  const written: PlannedSource[] = [];
  const sources: BackupSourceRecord[] = [];
  // The backup ends when its last snapshot object is written (the catalog write follows): a time the
  // vault keeps, so a catalog rebuilt from the vault gets the same endedAt (and a retried commit too).
  let latestSnapshotTime = '';
  try {
    for (const source of plan.sources) {
      const ofSource = parts.filter((p) => p.source === source.name);
      // Objects split by byte ranges: their pieces, joined here into one entry each.
      const split = joinObjectPieces(plan.backupId, ofSource.flatMap((p) => p.pieces));
      const observed = (f: (o: PartOfCommit['observed']) => number): number => ofSource.reduce((n, p) => n + f(p.observed), 0);
      const observations = { changedDuringRead: observed((o) => o.changedDuringRead), vanished: observed((o) => o.vanished) + split.vanished.length, skipped: observed((o) => o.skipped) };
      const done = await workspace.getCommittedSource(plan.backupId, source.name);
      const snapshot = done
        ? await deps.vault.loadSnapshot(done.snapshotId)
        : await deps.vault.commitSnapshot({
            source: source.snapshotSource,
            parts: { summaries: ofSource.map((p) => p.summary), runPages: (i, run) => runPagesAgain(workspace, plan.backupId, ofSource[i] as PartOfCommit, run) },
            entries: split.entries,
            parent: source.parent?.snapshotId ?? null,
            tags: backupSnapshotTags(runTags(plan), observations),
            startedAt: new Date(plan.createdAt),
            ...seenByEvery(ofSource),
          });
      if (!done) {
        written.push(source);
        await workspace.putCommittedSource({ backupId: plan.backupId, source: source.name, snapshotId: snapshot.id });
      }
      latestSnapshotTime = latestSnapshotTime > snapshot.time ? latestSnapshotTime : snapshot.time;
      sources.push({
        name: source.name,
        type: source.type,
        ...snapshotFieldsOfSource(snapshot),
        ...(source.parent ? { parentSnapshotId: source.parent.snapshotId } : {}),
        ...observations,
      });
    }
    if (deps.retentionDays !== undefined) {
      // Packs reused from older backups may be near the end of their retention: this backup needs them for `days` more.
      const { until, extendTo } = retentionWindow(deps.now?.() ?? new Date(), deps.retentionDays);
      await extendSnapshotRetention(deps.vault, sources.map((s) => s.snapshotId), until, extendTo);
    }
    const totals = sumBackupTotals(sources);
    const endedAt = latestSnapshotTime || new Date().toISOString();
    await deps.catalog.markCommitted(plan.backupId, { sources, totals, endedAt, shardCount });
    const record = await deps.catalog.requireBackup(plan.backupId);
    await deps.catalog.indexCommittedBackup(record);
    return { backupId: plan.backupId, status: 'COMMITTED', strategy: plan.strategy, sources, totals };
  } catch (err) {
    await forgetSnapshots(deps, workspace, plan.backupId, written, sources);
    throw err;
  }
}

/**
 * Best effort: removes the snapshot objects this attempt wrote, unless the catalog says the backup
 * committed after all. Manifest pages stay (unreferenced, collected by prune); packs and indexes
 * stay on purpose, for the next run to reuse.
 */
async function forgetSnapshots(deps: CommitBackupDeps, workspace: BackupWorkspace, backupId: string, written: PlannedSource[], sources: BackupSourceRecord[]): Promise<void> {
  if (written.length === 0) return;
  try {
    if ((await deps.catalog.getBackup(backupId))?.status === 'COMMITTED') return;
    for (const source of written) {
      const snapshotId = sources.find((s) => s.name === source.name)?.snapshotId ?? (await workspace.getCommittedSource(backupId, source.name))?.snapshotId;
      if (snapshotId) await deps.vault.store.delete(snapshotKey(snapshotId));
      await workspace.deleteCommittedSource(backupId, source.name);
    }
  } catch {
    // The original error matters more; a snapshot left behind is not in the catalog, so no restore offers it.
  }
}
