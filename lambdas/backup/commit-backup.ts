import { randomUUID } from 'node:crypto';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { TransientError } from '../runtime/errors';
import { type BackupRecord, type BackupSourceRecord, type BackupTotals, snapshotFieldsOfSource, sumBackupTotals } from '../catalog/backup-record';
import { backupIdOfTags, backupSnapshotTags, type BackupRunTags } from '../catalog/backup-snapshot-tags';
import { type ManifestRun, mergePruneStatesSeen, type PartSummary, type PruneStateSeen, type Snapshot, summarizePart, type Vault, type VaultStore } from '../../vault';
import { extendSnapshotRetention, mapBounded, ObjectLockedError, retentionWindow, snapshotKey, VaultObjectNotFoundError } from '../../vault';
import { type BackupPlanDocument } from './backup-plan-document';
import { BackupWorkspace, committedSourceKey, type CommittedSource, type ShardPartDocument } from './backup-workspace';
import { joinObjectPieces } from './joined-object-pieces';
import { errorAsText } from '../runtime/error-as-text';

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
  /** This invocation's id in the commit markers it claims; random per invocation by default. */
  invocation?: string;
  /** How an invocation waits for a source another invocation claimed: every `pollMs`, at most `maxMs` (then TransientError, and Step Functions retries). */
  claimWait?: { pollMs: number; maxMs: number };
  sleep?: (ms: number) => Promise<void>;
};

/** No Lambda invocation runs longer than 15 minutes; a minute more covers the clocks of two invocations. */
const CLAIM_ABANDONED_AFTER_MS = 16 * 60_000;
/** Within a commit function's own 15 minutes, with room for the commit that follows the wait. */
const DEFAULT_CLAIM_WAIT = { pollMs: 1_000, maxMs: 10 * 60_000 };

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

/**
 * A source another commit invocation claimed and never finished: it wrote no snapshot within the longest
 * time a Lambda invocation can run, so it died. The claim is not taken over (the marker has no
 * compare-and-swap, and two invocations taking it over at once would both write a snapshot).
 */
export class CommitClaimAbandonedError extends Error {
  override readonly name = 'CommitClaimAbandonedError';
  constructor(
    readonly backupId: string,
    readonly source: string,
    readonly claim: CommittedSource,
  ) {
    super(
      `Backup ${backupId} cannot be committed: source ${source} was claimed by commit invocation ${claim.invocation ?? 'unknown'} at ${claim.claimedAt ?? 'an unknown time'}, ` +
        `which ended without writing its snapshot (${committedSourceKey(backupId, source)} names none, and no Lambda invocation runs longer than 15 minutes). Run the backup again; what this run uploaded is reused.`,
    );
  }
}

/**
 * A snapshot the commit was about to record is not in the vault. Checked right before the catalog write,
 * so a backup is never marked COMMITTED on a snapshot that is gone. Never retried: the marker still names it.
 */
export class CommittedSnapshotMissingError extends Error {
  override readonly name = 'CommittedSnapshotMissingError';
  constructor(
    readonly backupId: string,
    readonly source: string,
    readonly snapshotId: string,
  ) {
    super(
      `Backup ${backupId} cannot be committed: the snapshot ${snapshotId} of source ${source} is not in the vault (${snapshotKey(snapshotId)}); it was deleted after it was written ` +
        '(by the cleanup of a commit of a Lifeboat before 2026-12-05, or by hand). Nothing was marked committed; run the backup again, what this run uploaded is reused.',
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
  /** The first reason lines of what the shard left out (SKIPPED_EXAMPLES_PER_SOURCE at most). */
  readonly skippedExamples: readonly string[];
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
    skippedExamples: skipped.slice(0, SKIPPED_EXAMPLES_PER_SOURCE),
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

/**
 * What a committed record keeps of the reason lines of entries left out (an archived object, an
 * unreadable file): the count is exact, the lines are examples an operator starts from. Bounded per
 * source and per backup, and each line in length, so a plan of many sources stays far within
 * DynamoDB's 400 KB item (an S3 key is up to 1,024 bytes, its reason line about 150 more).
 */
const SKIPPED_EXAMPLES_PER_SOURCE = 3;
const SKIPPED_EXAMPLES_PER_BACKUP = 10;
const SKIPPED_EXAMPLE_MAX_CHARS = 1_300;

function examplesWithin(budget: number, lines: readonly string[]): string[] {
  return lines.slice(0, Math.max(0, Math.min(budget, SKIPPED_EXAMPLES_PER_SOURCE))).map((line) => (line.length > SKIPPED_EXAMPLE_MAX_CHARS ? `${line.slice(0, SKIPPED_EXAMPLE_MAX_CHARS - 1)}…` : line));
}

/** Shard parts read at once by the commit (each a small JSON object in the vault). */
const PARTS_READ_AT_ONCE = 32;

/**
 * Commit protocol, in this order: every shard's part present → the pieces of objects split by byte
 * ranges joined, one entry each → one vault snapshot per source (manifest pages, manifest root,
 * snapshot object last) → the catalog's per-source index items → catalog COMMITTED. Nothing is visible as a
 * committed backup before the COMMITTED write, and once it is the index items are there.
 *
 * At least once, and at the same time: Step Functions retries an invocation whose response was lost
 * while that one may still run. Each source is claimed before its snapshot is written, by creating
 * parts/<backupId>/committed/<source>.json only where it is absent, naming this invocation; the claimer
 * adds the snapshot id once the snapshot object is written. Every other invocation reuses that snapshot
 * (waiting for it while the claim is young), so a source gets one snapshot whatever the retries.
 * A snapshot named in a marker may be recorded by any invocation, so it is deleted only once no commit
 * can succeed any more: the record is FAILED (markCommitted needs RUNNING; forgetSnapshotsOfFailedBackup).
 * An invocation that fails removes only what nobody else can know of: its own claim that names no
 * snapshot yet, and the snapshot it wrote for it. Before the catalog write every recorded snapshot is
 * checked to exist (CommittedSnapshotMissingError).
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

  const claims: ClaimContext = {
    workspace,
    backupId: plan.backupId,
    invocation: deps.invocation ?? randomUUID(),
    now: deps.now ?? (() => new Date()),
    startedAt: (deps.now ?? (() => new Date()))().getTime(),
    wait: deps.claimWait ?? DEFAULT_CLAIM_WAIT,
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    unpublished: new Map(),
  };
  const sources: BackupSourceRecord[] = [];
  // The backup ends when its last snapshot object is written (the catalog write follows): a time the
  // vault keeps, so a catalog rebuilt from the vault gets the same endedAt (and a retried commit too).
  let latestSnapshotTime = '';
  let exampleBudget = SKIPPED_EXAMPLES_PER_BACKUP;
  try {
    for (const source of plan.sources) {
      const ofSource = parts.filter((p) => p.source === source.name);
      // Objects split by byte ranges: their pieces, joined here into one entry each.
      const split = joinObjectPieces(plan.backupId, ofSource.flatMap((p) => p.pieces));
      const observed = (f: (o: PartOfCommit['observed']) => number): number => ofSource.reduce((n, p) => n + f(p.observed), 0);
      const observations = { changedDuringRead: observed((o) => o.changedDuringRead), vanished: observed((o) => o.vanished) + split.vanished.length, skipped: observed((o) => o.skipped) };
      const skippedExamples = examplesWithin(exampleBudget, ofSource.flatMap((p) => p.skippedExamples));
      exampleBudget -= skippedExamples.length;
      const snapshot = await snapshotOfSource(claims, deps.vault, source.name, () =>
        deps.vault.commitSnapshot({
          source: source.snapshotSource,
          parts: { summaries: ofSource.map((p) => p.summary), runPages: (i, run) => runPagesAgain(workspace, plan.backupId, ofSource[i] as PartOfCommit, run) },
          entries: split.entries,
          parent: source.parent?.snapshotId ?? null,
          tags: backupSnapshotTags(runTags(plan), observations),
          startedAt: new Date(plan.createdAt),
          ...seenByEvery(ofSource),
        }),
      );
      latestSnapshotTime = latestSnapshotTime > snapshot.time ? latestSnapshotTime : snapshot.time;
      sources.push({
        name: source.name,
        type: source.type,
        ...snapshotFieldsOfSource(snapshot),
        ...(source.parent ? { parentSnapshotId: source.parent.snapshotId } : {}),
        ...observations,
        ...(skippedExamples.length > 0 ? { skippedExamples } : {}),
      });
    }
    // Another invocation's snapshot was reused on the strength of its marker: what is recorded must still be there.
    for (const source of sources) {
      if (!(await deps.vault.store.has(snapshotKey(source.snapshotId)))) throw new CommittedSnapshotMissingError(plan.backupId, source.name, source.snapshotId);
    }
    if (deps.retentionDays !== undefined) {
      // Packs reused from older backups may be near the end of their retention: this backup needs them for `days` more.
      const { until, extendTo } = retentionWindow(deps.now?.() ?? new Date(), deps.retentionDays);
      await extendSnapshotRetention(deps.vault, sources.map((s) => s.snapshotId), until, extendTo);
    }
    const totals = sumBackupTotals(sources);
    const endedAt = latestSnapshotTime || new Date().toISOString();
    // The index items first (audit e1-1): written after COMMITTED, index writes throttled past the step's retries left a
    // COMMITTED record no point in time or parent choice could find, and restore --at silently took the one before. Readers
    // of the items choose only COMMITTED records, so items of a record still RUNNING (or later FAILED) are passed over,
    // and a retried commit writes them again (same keys).
    const running = await deps.catalog.requireBackup(plan.backupId);
    if (running.status === 'RUNNING' || running.status === 'COMMITTED') await deps.catalog.indexCommittedBackup({ ...running, endedAt });
    await deps.catalog.markCommitted(plan.backupId, { sources, totals, endedAt, shardCount });
    return { backupId: plan.backupId, status: 'COMMITTED', strategy: plan.strategy, sources, totals };
  } catch (err) {
    await cleanUpFailedInvocation(claims, deps);
    throw err;
  }
}

/** What one commit invocation knows about its claims; `unpublished`: sources it claimed whose marker names no snapshot yet, with the snapshot it wrote (if it got that far). */
type ClaimContext = {
  readonly workspace: BackupWorkspace;
  readonly backupId: string;
  readonly invocation: string;
  readonly now: () => Date;
  /** When this invocation began: its waits together stay within `wait.maxMs` of it, inside the function's own timeout (review 41c F1). */
  readonly startedAt: number;
  readonly wait: { pollMs: number; maxMs: number };
  readonly sleep: (ms: number) => Promise<void>;
  readonly unpublished: Map<string, string | undefined>;
};

/**
 * The snapshot of a source for this backup: the one a marker names; else, when this invocation's claim
 * is the one that stands, the one `write` writes, named in the marker right after; else the one the
 * claiming invocation writes, waited for.
 */
async function snapshotOfSource(ctx: ClaimContext, vault: Vault, source: string, write: () => Promise<Snapshot>): Promise<Snapshot> {
  for (;;) {
    const claim: CommittedSource = { backupId: ctx.backupId, source, invocation: ctx.invocation, claimedAt: ctx.now().toISOString() };
    const standing = (await ctx.workspace.getCommittedSource(ctx.backupId, source)) ?? (await ctx.workspace.claimCommittedSource(claim));
    if (standing === undefined) {
      // The claim that beat ours was withdrawn before we read it back (its invocation failed): look again (review 41c F2).
      await waitOnce(ctx, source, 'its claim was withdrawn by the invocation that made it');
      continue;
    }
    if (standing.snapshotId !== undefined) return vault.loadSnapshot(standing.snapshotId);
    if (standing.invocation === ctx.invocation) {
      ctx.unpublished.set(source, undefined);
      const snapshot = await write();
      ctx.unpublished.set(source, snapshot.id);
      await ctx.workspace.putCommittedSource({ ...claim, claimedAt: standing.claimedAt, snapshotId: snapshot.id });
      ctx.unpublished.delete(source);
      return snapshot;
    }
    // Another invocation claimed the source and is writing its snapshot (or died doing so).
    const claimedAt = standing.claimedAt === undefined ? Number.NaN : Date.parse(standing.claimedAt);
    if (!(ctx.now().getTime() - claimedAt < CLAIM_ABANDONED_AFTER_MS)) throw new CommitClaimAbandonedError(ctx.backupId, source, standing);
    await waitOnce(ctx, source, `it is being committed by invocation ${standing.invocation ?? 'unknown'} since ${standing.claimedAt ?? '?'}`);
  }
}

/** One poll's wait for another invocation; TransientError (Step Functions retries the step) once this invocation has run `wait.maxMs`. */
async function waitOnce(ctx: ClaimContext, source: string, why: string): Promise<void> {
  if (ctx.now().getTime() - ctx.startedAt >= ctx.wait.maxMs) {
    throw new TransientError(`Backup ${ctx.backupId}: the snapshot of source ${source} is not there yet (${why}) ${ctx.wait.maxMs} ms into this commit invocation. The step is retried.`);
  }
  await ctx.sleep(ctx.wait.pollMs);
}

/**
 * Best effort, after this invocation failed: withdraws its claims that name no snapshot (the snapshot it
 * wrote for one is known to no one else, so it goes too), then, when the backup is FAILED, every snapshot
 * the commit markers name. Manifest pages stay (unreferenced, collected by prune); packs and indexes stay
 * on purpose, for the next run to reuse.
 */
async function cleanUpFailedInvocation(ctx: ClaimContext, deps: CommitBackupDeps): Promise<void> {
  try {
    for (const [source, snapshotId] of ctx.unpublished) {
      const marker = await ctx.workspace.getCommittedSource(ctx.backupId, source);
      // Only this invocation writes a marker it claimed: read, then delete, races with nobody.
      if (marker?.invocation !== ctx.invocation || marker.snapshotId !== undefined) continue;
      // Hidden even under Object Lock's retention: nothing names it, and left listed prune would keep its data for ever.
      if (snapshotId !== undefined) await deps.vault.store.delete(snapshotKey(snapshotId), { overRetention: true });
      await ctx.workspace.deleteCommittedSource(ctx.backupId, source);
    }
    await forgetSnapshotsOfFailedBackup(ctx.backupId, { store: deps.vault.store, catalog: deps.catalog, openVault: async () => deps.vault });
  } catch {
    // The original error matters more; a snapshot left behind is not in the catalog, so no restore offers it.
  }
}

/** What reads a snapshot object's record: the opened vault (the record is sealed under the vault's keys). */
export type SnapshotReader = Pick<Vault, 'loadSnapshot'>;

/** A snapshot a commit marker of a FAILED backup names that stays in the vault, and why (its marker stays beside it). */
export type KeptSnapshot = { snapshotId: string; source: string; reason: string };

/**
 * Deletes the snapshots the commit markers of a FAILED backup name, and the markers; does nothing to a
 * backup in any other state. While the record is RUNNING some invocation of the commit may still record
 * them (it reused them from a marker), and a COMMITTED backup has recorded them; a FAILED record can
 * never be committed (markCommitted requires RUNNING). Returns the snapshot ids deleted (or already gone).
 *
 * A marker is not proof: the snapshot shard may write under parts/ (audit a2 F2), so a marker of a failed
 * run could name another backup's snapshot. A snapshot is deleted only when its own record says it is this
 * backup's (its `backupId:` tag, written by the commit, which alone creates snapshots/ objects, create-only; the
 * scrub's repair overwrites one only with a verified copy);
 * any other, one that cannot be read, or one `openVault` is not given to read, is kept and reported
 * (`onKept`). Its own snapshot is deleted over Object Lock's retention (hidden behind a delete marker, the
 * store's `overRetention`); one the store still refuses (a legal hold; the local cloud, which cannot hide
 * a retained object) is kept and reported too. Called by the workflow's Record failure step once it has
 * marked the record FAILED (record-backup-failure.ts), by release-failed-backup for a stopped run, and by a
 * failed commit invocation.
 */
export async function forgetSnapshotsOfFailedBackup(
  backupId: string,
  deps: {
    store: VaultStore;
    catalog: Pick<BackupCatalog, 'getBackup'>;
    /** Opens the vault, the first time a marker names a snapshot that is there. Absent: every such snapshot is kept. */
    openVault?: () => Promise<SnapshotReader>;
    onKept?: (kept: KeptSnapshot) => void;
  },
): Promise<string[]> {
  if ((await deps.catalog.getBackup(backupId))?.status !== 'FAILED') return [];
  const workspace = new BackupWorkspace(deps.store);
  const deleted: string[] = [];
  let reader: Promise<SnapshotReader> | undefined;
  const read = (): Promise<SnapshotReader> => (reader ??= deps.openVault ? deps.openVault() : Promise.reject(new Error('this caller cannot open the vault to read it')));
  for (const marker of await workspace.listCommittedSources(backupId)) {
    if (marker.snapshotId !== undefined) {
      const kept = await deleteOwnSnapshot(backupId, marker, marker.snapshotId, deps.store, read);
      if (kept !== undefined) {
        deps.onKept?.({ snapshotId: marker.snapshotId, source: marker.source, reason: kept });
        continue;
      }
      deleted.push(marker.snapshotId);
    }
    await workspace.deleteCommittedSource(backupId, marker.source);
  }
  return deleted;
}

/** Deletes snapshots/<snapshotId> when its record names `backupId` (or it is gone already); otherwise says why it stays. */
async function deleteOwnSnapshot(backupId: string, marker: CommittedSource, snapshotId: string, store: VaultStore, read: () => Promise<SnapshotReader>): Promise<string | undefined> {
  const key = snapshotKey(snapshotId);
  if (!(await store.has(key))) return undefined;
  let owner: string | undefined;
  try {
    owner = backupIdOfTags((await (await read()).loadSnapshot(snapshotId)).tags);
  } catch (err) {
    if (err instanceof VaultObjectNotFoundError) return undefined;
    return `its record could not be read to tell whose it is (${errorAsText(err)})`;
  }
  if (owner !== backupId) {
    // Left, and its marker with it: the marker was not written by this backup's commit, and is the evidence of who did.
    return `its record names ${owner === undefined ? 'no backup' : `backup ${owner}`}, not ${backupId}: the commit marker ${committedSourceKey(backupId, marker.source)} that names it was not written by this backup's commit; find its writer (S3 data events, the object's version) before deleting it`;
  }
  try {
    // Over a retention: Commit has just written it, so it is always within the bucket's default retention here, and a
    // refused delete is never tried again (no retention run forgets a FAILED backup). S3 hides it behind a delete marker
    // and the lifecycle rule removes the retained version once its retention has passed; a legal hold still refuses.
    await store.delete(key, { overRetention: true });
  } catch (err) {
    if (err instanceof ObjectLockedError) {
      // Not `lifeboat vault forget`: it refuses a snapshot the backup workflow wrote (review r7 F1); no retention run forgets a FAILED backup.
      return `Object Lock keeps it: ${err.message}; nothing tries again on its own: once the lock is gone, delete the vault objects ${key} and ${committedSourceKey(backupId, marker.source)} (on S3: aws s3 rm s3://<vault bucket>/<key>, which leaves a delete marker), and the next prune drops its data`;
    }
    throw err;
  }
  return undefined;
}
