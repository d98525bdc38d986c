import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, paginateQuery, paginateScan, PutCommand, type QueryCommandInput, UpdateCommand, type UpdateCommandInput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { InvalidInputError, TransientError } from '../runtime/errors';
import { unseenJsonEscaped } from '../runtime/quoted-service-words';
import { BackupBeingForgottenError } from './backup-being-forgotten-error';
import { CatalogFormatMarker } from './catalog-format';
import { CatalogRebuildMarker, type MarkerReader } from './catalog-rebuild-marker';
import { choiceInRebuildGap } from './catalog-rebuild-order';
import { recordInstant } from './record-instant';
import { PointInTimeInRebuildGapError, rebuildGapAdvice, rebuildGapReason } from './point-in-time-in-rebuild-gap-error';
import { HoldOnForgettingBackupError } from './hold-on-forgetting-backup-error';
import { BackupInProgressError, BackupNotCommittableError, CatalogItemInvalidError, ForgottenBackupError, NoBackupAtTimeError, UnknownBackupError } from './catalog-errors';
import {
  type BackupRecord,
  backupRecordSchema,
  type BackupSourceRecord,
  backupStatusSchema,
  type BackupStrategy,
  type BackupTotals,
  type CopyStatus,
  copyStatusSchema,
  isPreVaultBackupItem,
  type LegalHold,
  type PlanLockItem,
  planLockItemSchema,
  type RestorePin,
  type SalvagedBackupItem,
  salvageBackupItem,
  sourceIndexItemSchema,
} from './backup-record';

/** How often pinBackup tries again when the record's pins map appeared or went between its two writes. */
const PIN_ATTEMPTS = 3;

/**
 * Items per Query page of the reads that want only the newest few of a long history (newestBackupsOfPlan): without a
 * Limit, the first page alone is up to 1 MB. Not a source's index, which is read whole (sourceIndexByInstant).
 */
const NEWEST_PAGE = 25;
/**
 * Items per Query page of liveBackupSnapshotsOfPlan: a record with its sources is a few hundred bytes to a few KB, so a
 * page stays well under the 1 MB a page may hold, and the reader holds one page at a time.
 */
const LIVE_PAGE = 200;
/**
 * What liveBackupSnapshotsOfPlan and liveBackupSnapshotsAt read of a record: every source name, as each must have its
 * snapshot in `sources` (review r60B F1: with the first alone, a source the record lacks went unchecked); their absence
 * tells a record from before the vault.
 */
const LIVE_PROJECTION = {
  ProjectionExpression: 'pk, sk, backupId, #plan, #status, startedAt, copies, forgottenAt, forgettingAt, #sources, #sourceNames',
  ExpressionAttributeNames: { '#plan': 'plan', '#status': 'status', '#sources': 'sources', '#sourceNames': 'sourceNames' },
};
/** How many of a source's newest choosable backups latestWholeReadOfSource reads before it gives up (one page of the index). */
const WHOLE_READ_LOOKBACK = NEWEST_PAGE;
/**
 * How many index items it reads at most, choosable or not: the items of failed runs stay (nothing removes them), and a
 * source failing night after night must not make every differential read back through all of them.
 */
const WHOLE_READ_ITEMS = 4 * NEWEST_PAGE;
/** How many index items starting at no time a refused point in time reads the records of, to name those a backupId can restore. */
const UNTIMED_CHECKED = NEWEST_PAGE;

/** An index item of a source whose start is a time, as sourceIndexByInstant orders them. */
type IndexedStart = { backupId: string; strategy: BackupStrategy; at: number };

/** Forgotten backups whose index items one call removes at most (removeForgottenIndexItems); the Forget step shares one such budget across its plans. */
const SWEEP_RECORDS = 2000;
/** How often the sweep saves where it got to: a run cut short redoes at most this many backups' deletes. */
const SWEEP_SAVE_EVERY = 100;

/** What a pin and a forget claim both require of the record: committed, and not forgotten. */
const PINNABLE = '#status = :committed AND attribute_not_exists(forgottenAt) AND attribute_not_exists(forgettingAt)';

/**
 * The backup catalog over its DynamoDB table (key design in lib/constructs/catalog-table.ts).
 * No transactions (the local cloud has none): the BACKUP item is the truth; per-source index items
 * are written only after it is COMMITTED and idempotently, so a crash in between hides nothing that
 * a retried commit does not restore, and never shows a backup that did not commit.
 */
export class BackupCatalog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
    /** The deployment that prints this catalog's rebuild marker line (catalog-rebuild-marker.ts); without it no stored line is shown. */
    private readonly markerReader?: MarkerReader,
  ) {}

  /** The format marker of the same table (catalog-format.ts); `region` is named in its refusals. */
  formatMarker(region?: string): CatalogFormatMarker {
    return new CatalogFormatMarker(this.ddb, this.table, region);
  }

  /**
   * Records a new RUNNING backup. The id is unique (conditional put); a retried plan step finds its
   * own RUNNING record and carries on, anything else under the id is a conflict. Returns the record
   * that stands: `record`, or the RUNNING one the earlier invocation wrote (whose `startedAt` the
   * retry keeps, so the plan and the snapshots' tags say the same start as the catalog).
   */
  async createBackup(record: BackupRecord): Promise<BackupRecord> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `BACKUP#${record.backupId}`, sk: 'BACKUP', ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return record;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await this.getBackup(record.backupId);
      if (current?.status === 'RUNNING' && current.plan === record.plan) return current;
      throw new BackupNotCommittableError(record.backupId, current?.status);
    }
  }

  /**
   * Sets the shards the first planning invocation planned on a RUNNING record (the commit records the final count
   * when planning takes several). Returns false, writing nothing, when the record is no longer RUNNING: a run
   * stopped meanwhile was marked FAILED (release-failed-backup.ts), and that record stays as it was marked.
   */
  async recordPlannedShards(backupId: string, shardCount: number): Promise<boolean> {
    return this.updateRecordIf(backupId, {
      UpdateExpression: 'SET shardCount = :shardCount',
      ConditionExpression: '#status = :running',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':shardCount': shardCount, ':running': 'RUNNING' },
    });
  }

  /**
   * Writes a COMMITTED record rebuilt from the vault (catalog-rebuild.ts) only where the table has
   * no record under its id: returns false, writing nothing, when one exists — whatever its status,
   * the record the workflow wrote is the truth and a rebuild never replaces it.
   */
  async putRebuiltBackup(record: BackupRecord): Promise<boolean> {
    // Pins and a forget claim are about this catalog's own restores and forget runs: a record copied from the other
    // region's catalog (replicate-backup.ts) must not carry that catalog's, which nothing here would ever remove.
    const { pins: _pins, pinVersion: _pinVersion, forgettingAt: _forgettingAt, ...item } = record;
    try {
      await this.ddb.send(new PutCommand({ TableName: this.table, Item: { pk: `BACKUP#${record.backupId}`, sk: 'BACKUP', ...item }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * RUNNING → COMMITTED, exactly once, with the per-source snapshots and the totals. A retried
   * commit (its first response lost) finds the backup COMMITTED and succeeds; a backup already
   * marked FAILED cannot be committed (BackupNotCommittableError).
   */
  async markCommitted(backupId: string, result: { sources: BackupSourceRecord[]; totals: BackupTotals; endedAt: string; shardCount?: number }): Promise<void> {
    // The DR copy follows in the workflow's Replicate step (markCopied / markCopyFailed).
    const copies: NonNullable<BackupRecord['copies']> = { primary: 'COMMITTED', dr: 'PENDING' };
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' },
          // shardCount: the final count, when planning took several invocations (the RUNNING record has the first one's).
          UpdateExpression: `SET #status = :committed, endedAt = :endedAt, sources = :sources, totals = :totals, copies = :copies${result.shardCount !== undefined ? ', shardCount = :shardCount' : ''}`,
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':committed': 'COMMITTED',
            ':running': 'RUNNING',
            ':endedAt': result.endedAt,
            ':sources': result.sources,
            ':totals': result.totals,
            ':copies': copies,
            ...(result.shardCount !== undefined ? { ':shardCount': result.shardCount } : {}),
          },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        const current = await this.getBackup(backupId);
        // A retried commit after a lost response is fine; anything else is a real conflict.
        if (current?.status === 'COMMITTED') return;
        throw new BackupNotCommittableError(backupId, current?.status);
      }
      throw err;
    }
  }

  /**
   * Records that the DR vault holds a committed backup (copies.dr = COMMITTED). Only a COMMITTED
   * backup is marked; returns whether it was.
   */
  async markCopied(backupId: string): Promise<boolean> {
    return this.setDrCopy(backupId, 'COMMITTED', '#status = :committed AND attribute_exists(copies)');
  }

  /** Records that replication of a committed backup failed (copies.dr = FAILED), unless it is already copied. */
  async markCopyFailed(backupId: string): Promise<boolean> {
    return this.setDrCopy(backupId, 'FAILED', '#status = :committed AND attribute_exists(copies) AND copies.dr <> :committed');
  }

  private async setDrCopy(backupId: string, status: CopyStatus, condition: string): Promise<boolean> {
    return this.updateRecordIf(backupId, {
      UpdateExpression: 'SET copies.dr = :copy',
      ConditionExpression: condition,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':copy': status, ':committed': 'COMMITTED' },
    });
  }

  /**
   * Marks a backup FAILED unless it already committed. Returns false when it had committed (or does not exist).
   * The first error recorded stays: a failed shard records its own error before the Distributed Map fails with
   * States.ExceedToleratedFailureThreshold, which says only that a shard failed.
   */
  async markFailed(backupId: string, error: string, cause: string, endedAt: string): Promise<boolean> {
    return this.updateRecordIf(backupId, {
      UpdateExpression: 'SET #status = :failed, endedAt = :endedAt, #error = if_not_exists(#error, :error), #cause = if_not_exists(#cause, :cause)',
      ConditionExpression: 'attribute_exists(pk) AND #status <> :committed',
      ExpressionAttributeNames: { '#status': 'status', '#error': 'error', '#cause': 'cause' },
      ExpressionAttributeValues: { ':failed': 'FAILED', ':committed': 'COMMITTED', ':endedAt': endedAt, ':error': error, ':cause': cause.slice(0, 4000) },
    });
  }

  /**
   * Takes the lease on a plan for `holder` until `expiresAt`, and returns the holder that has it for
   * this run. Re-entrant for the same holder, and for the same `execution` (the Step Functions execution
   * ARN): a retried Acquire lock task, whose first invocation took the lease under another backup id
   * and lost its response, gets that first holder back and the lease is left as it is. An expired lease
   * of a run that died can be taken over. `execution` also lets release-failed-backup tell the lease of a
   * stopped run from the next one's.
   */
  async acquireLock(plan: string, holder: string, now: Date, leaseSeconds: number, execution?: string): Promise<string> {
    const expiresAt = Math.floor(now.getTime() / 1000) + leaseSeconds;
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `LOCK#${plan}`, sk: 'LOCK', holder, acquiredAt: now.toISOString(), expiresAt, ...(execution !== undefined ? { execution } : {}) },
          ConditionExpression: 'attribute_not_exists(pk) OR holder = :holder OR expiresAt < :now',
          ExpressionAttributeValues: { ':holder': holder, ':now': Math.floor(now.getTime() / 1000) },
        }),
      );
      return holder;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const lock = await this.readLock(plan);
      if (execution !== undefined && lock?.execution === execution) return lock.holder;
      throw new BackupInProgressError(plan, lock?.holder ?? 'unknown', new Date((lock?.expiresAt ?? 0) * 1000).toISOString());
    }
  }

  /** Releases the lease if `holder` still has it; returns whether it did. */
  async releaseLock(plan: string, holder: string): Promise<boolean> {
    try {
      await this.ddb.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: `LOCK#${plan}`, sk: 'LOCK' },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Breaks a lease whatever its holder (an operator's decision after a run is known dead). */
  async breakLock(plan: string): Promise<void> {
    await this.ddb.send(new DeleteCommand({ TableName: this.table, Key: { pk: `LOCK#${plan}`, sk: 'LOCK' } }));
  }

  async lockHolder(plan: string): Promise<string | undefined> {
    return (await this.readLock(plan))?.holder;
  }

  /** The plan's lease as it stands: its holder (a backup id) and the execution that took it, when it said. */
  async lease(plan: string): Promise<PlanLockItem | undefined> {
    return this.readLock(plan);
  }

  private async readLock(plan: string): Promise<PlanLockItem | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: `LOCK#${plan}`, sk: 'LOCK' }, ConsistentRead: true }));
    return Item ? this.parseItem(planLockItemSchema, Item) : undefined;
  }

  /**
   * One index item per source, so "backups of a source" is one Query; the commit writes them right before COMMITTED
   * (readers pass over a record not COMMITTED, so items of a run that then failed are inert). Idempotent. Not for a
   * forgotten record (a rebuild re-indexing the records it finds): its index items were removed when it was
   * forgotten (markForgotten), and writing them again would bring back what every point in time passes over.
   */
  async indexCommittedBackup(record: BackupRecord): Promise<void> {
    if (record.forgottenAt !== undefined) return;
    for (const source of record.sourceNames) {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `SOURCE#${source}`,
            sk: `BACKUP#${record.startedAt}#${record.backupId}`,
            backupId: record.backupId,
            planName: record.plan,
            sourceName: source,
            strategy: record.strategy,
            startedAt: record.startedAt,
            endedAt: record.endedAt,
          },
        }),
      );
    }
  }

  /**
   * Committed backups of a source that retention has neither forgotten nor claimed (`forgettingAt`: its snapshots
   * are being deleted, and no restore can pin it), newest first: what a restore, a point in time or a parent may use.
   * Without a bound, those whose start is not a time follow, since no instant ranks them: `backups list --source`
   * shows them, as NoBackupAtTimeError says (review r65B F1: they were left out of the list that refusal sends to).
   */
  async listBackupsOfSource(source: string, options: { startedAtOrBefore?: string; limit?: number } = {}): Promise<BackupRecord[]> {
    return (await this.choosableOfSource(source, options)).records;
  }

  /**
   * listBackupsOfSource's records, with the ids of those passed over as starting at no time: by their index item, or by
   * their record's own start (an item of 08:00Z whose record was edited to text that is no time: review r65R F2, the
   * refusal said there was no backup while `backups list --source` showed it). An id is listed once: a catalog rebuild
   * re-indexing a corrected record writes an item under its new start and the old one stays (review r65R F3).
   */
  private async choosableOfSource(source: string, options: { startedAtOrBefore?: string; limit?: number }): Promise<{ records: BackupRecord[]; untimed: readonly string[] }> {
    const bound = options.startedAtOrBefore === undefined ? undefined : recordInstant(options.startedAtOrBefore);
    const index = await this.sourceIndexByInstant(source);
    const records: BackupRecord[] = [];
    const listed = new Set<string>();
    const untimedRecords: string[] = [];
    const untimed = (): readonly string[] => [...index.untimed, ...untimedRecords.filter((id) => !index.untimed.includes(id))];
    for (const indexed of index.timed) {
      if (listed.has(indexed.backupId)) continue;
      if (bound !== undefined && !(indexed.at <= bound)) continue;
      // The record, read consistently, still decides: a claim (`forgettingAt`) is on the record only, and an index item
      // of a backup forgotten before markForgotten removed them (removeForgottenIndexItems has not swept it yet) stays.
      const record = await this.getChoosable(indexed.backupId);
      if (record === undefined) continue;
      // The index item's start chose it, the record's is what a restore reports: a record edited after it was indexed
      // (its startedAt 12:00Z, its item 08:00Z) was restored "at or before 09:00Z" (review r65B F4). Passed over.
      const recordAt = recordInstant(record.startedAt);
      if (bound !== undefined && Number.isNaN(recordAt)) untimedRecords.push(record.backupId);
      if (bound !== undefined && !(recordAt <= bound)) continue;
      listed.add(record.backupId);
      records.push(record);
      if (options.limit !== undefined && records.length >= options.limit) return { records, untimed: untimed() };
    }
    // A bound is an instant, which a start that is no time is neither at nor before: only a list takes them.
    if (bound !== undefined) return { records, untimed: untimed() };
    for (const backupId of index.untimed) {
      if (listed.has(backupId)) continue;
      const record = await this.getChoosable(backupId);
      if (record !== undefined) records.push(record);
      listed.add(backupId);
      if (options.limit !== undefined && records.length >= options.limit) break;
    }
    return { records, untimed: untimed() };
  }

  /**
   * A source's index items newest first by the instant of their start (recordInstant, as the failover and drill
   * compare), not by the sort key's text: a hand-written start with an offset or no zone sorted by its digits, so a
   * restore by time or a differential's parent chose another backup than the failover (review r64O F6). Two starts at
   * one instant: the greater backup id first, the order a catalog rebuild writes in and compares its mark in
   * (inRebuildOrder), so a point in time never chose the one the rebuild-gap check ranks older. A start that is no time
   * is passed over (its id returned apart, for the refusal to name), unless its record's own start is a time: the doctor
   * tells an operator to correct such a start on the record, which leaves the item's text as it was, so the corrected
   * backup was passed over for an older one (review r65R F1). Those items are rare, so the records of up to
   * UNTIMED_CHECKED of them are read (a GetItem each) and ranked by their own start; an index whose every start is a
   * time costs no read more. An id that also has an item whose start is a time (re-indexed by a rebuild) is not read.
   *
   * Every page of the index is read, every time: no prefix of the sort key's text order can be proven to hold the
   * newest instant, since a hand-written start sorts by its text wherever that puts it (`2026-12-07T09:00:00-05:00`,
   * 14:00Z, below `2026-12-07T10:00:00.000Z`; `1 Jan 2027` below every ISO start). Pages are left at DynamoDB's 1 MB
   * (thousands of ~200-byte index items), so a source with 10,000 backups costs a few Queries per choice
   * (docs/ARCHITECTURE.md, "Choosing a source's backup by time").
   */
  private async sourceIndexByInstant(source: string): Promise<{ timed: IndexedStart[]; untimed: string[] }> {
    const query: QueryCommandInput = { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `SOURCE#${source}` }, ScanIndexForward: false };
    const timed: IndexedStart[] = [];
    const untimed: string[] = [];
    for await (const item of this.queryItems(query)) {
      const indexed = this.parseItem(sourceIndexItemSchema, item);
      const sk = typeof item.sk === 'string' ? item.sk : '';
      const startedAt = typeof item.startedAt === 'string' ? item.startedAt : sk.slice('BACKUP#'.length, sk.lastIndexOf('#'));
      const at = recordInstant(startedAt);
      if (Number.isNaN(at)) untimed.push(indexed.backupId);
      else timed.push({ backupId: indexed.backupId, strategy: indexed.strategy, at });
    }
    const stillUntimed = await this.rankByRecordStart(untimed.filter((id) => !timed.some((t) => t.backupId === id)), timed);
    return { timed: timed.sort((a, b) => (a.at !== b.at ? b.at - a.at : b.backupId.localeCompare(a.backupId))), untimed: stillUntimed };
  }

  /**
   * Adds to `timed` those of `untimed` (the first UNTIMED_CHECKED) whose record's own start is a time, and returns the
   * rest. A record that cannot be read as a backup stays untimed: the reader that reads it for its choice reports it.
   */
  private async rankByRecordStart(untimed: readonly string[], timed: IndexedStart[]): Promise<string[]> {
    const rest: string[] = [];
    for (const [i, backupId] of untimed.entries()) {
      const record = i < UNTIMED_CHECKED ? await this.readableBackup(backupId) : undefined;
      const at = record === undefined ? Number.NaN : recordInstant(record.startedAt);
      if (record !== undefined && !Number.isNaN(at)) timed.push({ backupId, strategy: record.strategy, at });
      else rest.push(backupId);
    }
    return rest;
  }

  private async readableBackup(backupId: string): Promise<BackupRecord | undefined> {
    try {
      return await this.getBackup(backupId);
    } catch (err) {
      if (err instanceof CatalogItemInvalidError) return undefined;
      throw err;
    }
  }

  /**
   * The newest committed backup of a source that retention has neither forgotten nor claimed, optionally only among
   * those of one strategy (the last full backup, for a differential). Reads the source's index items
   * newest first and fetches only the records it passes.
   */
  async latestBackupOfSource(source: string, options: { strategy?: BackupStrategy } = {}): Promise<BackupRecord | undefined> {
    for (const indexed of (await this.sourceIndexByInstant(source)).timed) {
      if (options.strategy && indexed.strategy !== options.strategy) continue;
      const record = await this.getChoosable(indexed.backupId);
      if (record !== undefined) return record;
    }
    return undefined;
  }

  /**
   * The newest committed backup of a source that retention has neither forgotten nor claimed in which the source's
   * snapshot was read whole: its source record has no `parentSnapshotId` (a full backup, or the first run of a source
   * that had nothing to build on, such as one added to the plan after the last full). What a differential builds such a
   * source on (parent-selection.ts). The index item does not say how a source was read, so this reads the records of
   * the source's newest backups, a GetItem each, and gives up after WHOLE_READ_LOOKBACK choosable ones, or
   * WHOLE_READ_ITEMS items (and at a record that cannot be read): undefined only costs reading the source whole again,
   * which is always safe, while a walk back to a read long ago would cost every differential a GetItem per backup kept
   * since. Only choosable records count toward the lookback (review r5-2): Commit writes a run's index items before
   * COMMITTED and a run that fails after keeps them, so counting every item let a few failed runs push a whole read
   * kept within the newest WHOLE_READ_LOOKBACK out of reach, and the differential read the source whole needlessly.
   */
  async latestWholeReadOfSource(source: string): Promise<BackupRecord | undefined> {
    let choosable = 0;
    let items = 0;
    for (const indexed of (await this.sourceIndexByInstant(source)).timed) {
      if (choosable >= WHOLE_READ_LOOKBACK || items++ >= WHOLE_READ_ITEMS) return undefined;
      let record: BackupRecord | undefined;
      try {
        record = await this.getChoosable(indexed.backupId);
      } catch (err) {
        if (err instanceof CatalogItemInvalidError) return undefined;
        throw err;
      }
      if (record === undefined) continue;
      choosable++;
      const snapshot = record.sources.find((s) => s.name === source);
      if (snapshot !== undefined && snapshot.parentSnapshotId === undefined) return record;
    }
    return undefined;
  }

  /**
   * The newest committed backup of a source started at or before `at` (ISO time) that retention neither forgot nor
   * claimed: a point in time whose backup is being forgotten falls back to the next older kept one. While a rebuild of
   * the catalog is unfinished, a choice older than what it has written is refused (PointInTimeInRebuildGapError), and
   * NoBackupAtTimeError says the catalog may lack the backup.
   */
  async backupAsOf(source: string, at: string): Promise<BackupRecord> {
    // Read first: a rebuild's round that ends between the two reads only moves the mark newer than what was listed.
    const marker = await this.rebuildMarker().read();
    const { records, untimed } = await this.choosableOfSource(source, { startedAtOrBefore: at, limit: 1 });
    const [record] = records;
    if (!record) throw new NoBackupAtTimeError(source, at, marker ? `${rebuildGapReason(marker)}. ${rebuildGapAdvice(marker)}` : undefined, await this.choosableAmong(untimed));
    // Chosen at or after the rebuild's mark: every newer backup up to `at` is written, so it is the right one. Older, the
    // rebuild may not have written the right one yet (review rH F2: an older record the table held was restored instead).
    if (marker && choiceInRebuildGap(record, marker)) throw new PointInTimeInRebuildGapError(source, at, marker, record);
    return record;
  }

  /** The marker of an unfinished rebuild of this table (catalog-rebuild-marker.ts). */
  rebuildMarker(): CatalogRebuildMarker {
    return new CatalogRebuildMarker(this.ddb, this.table, this.markerReader);
  }

  /**
   * Sets (or replaces) the legal hold of a backup. Returns the record as updated. Refused: UnknownBackupError
   * when the catalog has no such backup; HoldOnForgettingBackupError when a forget run has claimed it
   * (`forgettingAt`, claimForgetting): that run deletes its snapshots whatever the record says, so a hold
   * recorded there would promise what nothing keeps.
   */
  async setHold(backupId: string, hold: LegalHold): Promise<BackupRecord> {
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' },
          UpdateExpression: 'SET #hold = :hold',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(forgettingAt)',
          ExpressionAttributeNames: { '#hold': 'hold' },
          ExpressionAttributeValues: { ':hold': hold },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? this.parseRecord(Attributes) : await this.requireBackup(backupId);
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await this.getBackup(backupId);
      if (current?.forgettingAt !== undefined) throw new HoldOnForgettingBackupError(backupId, current.forgettingAt);
      throw new UnknownBackupError(backupId);
    }
  }

  /** Removes the legal hold of a backup (none is fine); UnknownBackupError when the catalog has no such backup. */
  async clearHold(backupId: string): Promise<BackupRecord> {
    return this.updateExisting(backupId, { UpdateExpression: 'REMOVE #hold', ExpressionAttributeNames: { '#hold': 'hold' } });
  }

  /**
   * Records that retention forgot a committed backup from this region's vault. Returns false, writing
   * nothing, when the backup is not (or no longer) a committed record, or is marked already: a backup
   * already forgotten keeps its first time, and of two forget runs at once only the one that marks it
   * reports it as forgotten by it.
   *
   * The run that marks it then deletes its per-source index items (audit R26 F2): only the readers that choose a
   * backup read them (listBackupsOfSource, latestBackupOfSource), and they pass over a forgotten one, so left in
   * place they made a point in time before the oldest kept backup read every backup the source ever had. The record
   * keeps the history. A crash between the two writes leaves the items, which those readers still pass over.
   */
  async markForgotten(backupId: string, at: string): Promise<boolean> {
    let Attributes: Record<string, unknown> | undefined;
    try {
      ({ Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' },
          UpdateExpression: 'SET forgottenAt = :at',
          ConditionExpression: '#status = :committed AND attribute_not_exists(forgottenAt)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':at': at, ':committed': 'COMMITTED' },
          ReturnValues: 'ALL_NEW',
        }),
      ));
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
    // Best effort (review 42f): the backup is forgotten either way, and an index item left behind only costs its readers a
    // GetItem; a refused delete (an operator's `backups forget` without dynamodb:DeleteItem) must not fail the forget.
    if (Attributes) await this.unindex(this.parseItem(indexedBackupSchema, Attributes)).catch(() => undefined);
    return true;
  }

  /**
   * The one-time sweep of a catalog written before markForgotten removed index items (audit R26 F2): deletes the
   * index items of the plan's forgotten backups, oldest first, at most `maxRecords` backups per call, and keeps
   * where it got to in an `INDEXSWEEP#<plan>` item, so the next call goes on from there and, once a call reaches the
   * end, every later one costs one GetItem. Called by the Forget step (forget-backups.ts) after its run.
   */
  async removeForgottenIndexItems(plan: string, maxRecords = SWEEP_RECORDS): Promise<{ records: number; done: boolean }> {
    const Key = { pk: `INDEXSWEEP#${plan}`, sk: 'INDEXSWEEP' };
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
    if (Item?.done === true) return { records: 0, done: true };
    const after = typeof Item?.after === 'string' ? Item.after : undefined;
    const query: QueryCommandInput = {
      TableName: this.table,
      IndexName: 'byPlan',
      // From the last swept start on (>=: backups that started at the same time as it are swept once more, harmlessly).
      KeyConditionExpression: after !== undefined ? '#plan = :plan AND startedAt >= :after' : '#plan = :plan',
      FilterExpression: 'attribute_exists(forgottenAt)',
      ProjectionExpression: 'pk, sk, backupId, startedAt, sourceNames',
      ExpressionAttributeNames: { '#plan': 'plan' },
      ExpressionAttributeValues: { ':plan': plan, ...(after !== undefined ? { ':after': after } : {}) },
      ScanIndexForward: true,
    };
    let records = 0;
    let last: string | undefined;
    const save = (after: string) => this.ddb.send(new UpdateCommand({ TableName: this.table, Key, UpdateExpression: 'SET #after = :after', ExpressionAttributeNames: { '#after': 'after' }, ExpressionAttributeValues: { ':after': after } }));
    for await (const item of this.queryItems(query)) {
      if (records >= maxRecords && last !== undefined) {
        await save(last);
        return { records, done: false };
      }
      const indexed = this.parseItem(indexedBackupSchema, item);
      await this.unindex(indexed);
      last = indexed.startedAt;
      records++;
      // Progress kept as it goes (review 42f): a run cut short by its timeout does not start over.
      if (records % SWEEP_SAVE_EVERY === 0) await save(last);
    }
    await this.ddb.send(new UpdateCommand({ TableName: this.table, Key, UpdateExpression: 'SET #done = :done', ExpressionAttributeNames: { '#done': 'done' }, ExpressionAttributeValues: { ':done': true } }));
    return { records, done: true };
  }

  /** Deletes a backup's per-source index items (absent ones are no error). */
  private async unindex(backup: IndexedBackup): Promise<void> {
    for (const source of backup.sourceNames) {
      await this.ddb.send(new DeleteCommand({ TableName: this.table, Key: { pk: `SOURCE#${source}`, sk: `BACKUP#${backup.startedAt}#${backup.backupId}` } }));
    }
  }

  /**
   * Pins a committed backup for a running restore (docs/RUNBOOKS.md, "Running restores"): retention keeps it
   * while `pin.until` is ahead (decide-retention.ts). Idempotent for one `pinId` (a retried resolve step sets
   * the same pin again). Every pin adds one to `pinVersion`, which a forget claim must find unchanged
   * (claimForgetting): DynamoDB applies conditional writes to one item one after the other, so either the pin
   * lands first and the claim is refused, or the claim lands first and the pin is refused — never both.
   *
   * Two writes, because a map entry can be SET only inside an existing map: into `pins` when the record has
   * it, else `pins` as a new map. Refused: UnknownBackupError; ForgottenBackupError for a backup forgotten
   * from `vault` (this catalog's region's vault), or being forgotten (a forget claimed it); InvalidInputError
   * for one that never committed. A record whose pins map appeared or went between the two writes is tried
   * again, PIN_ATTEMPTS times, then TransientError (the workflow retries the step).
   *
   * Owned or shared (audit R17 F1): the first invocation to pin `pinId` writes the pin with its nonce and owns
   * it; another invocation of the same step of the same execution (Step Functions' retry beside a slow first
   * one, in either order) finds the pin there and removes its nonce instead, so that neither can remove it
   * later (`unpinBackup` with `onlyIf.nonce`): only verify, abandon or its `until` end a shared pin.
   */
  async pinBackup(backupId: string, pinId: string, pin: RestorePin, vault: 'primary' | 'dr'): Promise<void> {
    for (let attempt = 1; attempt <= PIN_ATTEMPTS; attempt++) {
      if (await this.tryPin(backupId, 'SET #pins.#id = :pin ADD #pv :one', `${PINNABLE} AND attribute_exists(#pins) AND attribute_not_exists(#pins.#id)`, { ':pin': pin }, { '#id': pinId })) return;
      if (await this.tryPin(backupId, 'SET #pins = :map ADD #pv :one', `${PINNABLE} AND attribute_not_exists(#pins)`, { ':map': { [pinId]: pin } }, {})) return;
      if (await this.tryPin(backupId, 'REMOVE #pins.#id.#nonce ADD #pv :one', `${PINNABLE} AND attribute_exists(#pins.#id)`, {}, { '#id': pinId, '#nonce': 'nonce' })) return;
      const current = await this.getBackup(backupId);
      if (!current) throw new UnknownBackupError(backupId);
      if (current.forgottenAt !== undefined) throw new ForgottenBackupError(backupId, current.forgottenAt, vault);
      if (current.forgettingAt !== undefined) throw new BackupBeingForgottenError(backupId, current.forgettingAt, vault);
      if (current.status !== 'COMMITTED') throw new InvalidInputError(`Invalid restore request: backupId: backup ${backupId} is ${current.status}, and only COMMITTED backups can be restored`);
    }
    throw new TransientError(`Backup ${backupId} could not be pinned for restore ${pinId}: its record's pins changed under each of ${PIN_ATTEMPTS} attempts (other restores starting); the step is retried.`);
  }

  private async tryPin(backupId: string, update: string, condition: string, values: Record<string, unknown>, names: Record<string, string>): Promise<boolean> {
    return this.updateRecordIf(backupId, {
      UpdateExpression: update,
      ConditionExpression: condition,
      ExpressionAttributeNames: { '#status': 'status', '#pins': 'pins', '#pv': 'pinVersion', ...names },
      ExpressionAttributeValues: { ':committed': 'COMMITTED', ':one': 1, ...values },
    });
  }

  /**
   * Removes a restore's pin. Returns whether there was one: an absent pin, or a record gone, is no error.
   * `onlyIf.nonce`: only while the pin still carries that nonce (RestorePin.nonce), i.e. no later invocation
   * of the same restore's resolve step pinned again since; verify and abandon, which end the restore, omit it.
   */
  async unpinBackup(backupId: string, pinId: string, onlyIf: { nonce?: string | undefined } = {}): Promise<boolean> {
    const own = onlyIf.nonce !== undefined;
    return this.updateRecordIf(backupId, {
      UpdateExpression: 'REMOVE #pins.#id',
      // Also keeps an UpdateItem from creating an item (and a REMOVE from naming a path under a missing map).
      ConditionExpression: own ? 'attribute_exists(#pins.#id) AND #pins.#id.#nonce = :nonce' : 'attribute_exists(#pins.#id)',
      ExpressionAttributeNames: { '#pins': 'pins', '#id': pinId, ...(own ? { '#nonce': 'nonce' } : {}) },
      ...(own ? { ExpressionAttributeValues: { ':nonce': onlyIf.nonce } } : {}),
    });
  }

  /**
   * A forget run's claim on a backup, made before it deletes any snapshot object (forget-backups.ts): sets
   * `forgettingAt` (the first claim's time stays) only while the backup is committed, not forgotten, holds no
   * legal hold and has the `pinVersion` the run's re-read saw (`seen.pinVersion`; undefined: never pinned).
   * Returns false, writing nothing, when any of that fails: a hold or pin landed after the re-read.
   */
  async claimForgetting(backupId: string, at: string, seen: { pinVersion?: number | undefined }): Promise<boolean> {
    const pinned = seen.pinVersion === undefined ? 'attribute_not_exists(#pv)' : '(attribute_not_exists(#pv) OR #pv = :seen)';
    return this.updateRecordIf(backupId, {
      UpdateExpression: 'SET forgettingAt = if_not_exists(forgettingAt, :at)',
      ConditionExpression: `#status = :committed AND attribute_not_exists(forgottenAt) AND attribute_not_exists(#hold) AND ${pinned}`,
      ExpressionAttributeNames: { '#status': 'status', '#hold': 'hold', '#pv': 'pinVersion' },
      ExpressionAttributeValues: { ':at': at, ':committed': 'COMMITTED', ...(seen.pinVersion === undefined ? {} : { ':seen': seen.pinVersion }) },
    });
  }

  /**
   * Withdraws a forget claim on a backup whose snapshots are all still in the vault (Object Lock refused the
   * first delete, or a later run keeps the backup): the intact backup can be pinned and restored again. Only
   * while `forgettingAt` is still `seen` (the claim the caller read) and the backup is not marked forgotten;
   * returns false, writing nothing, otherwise.
   */
  async releaseForgetting(backupId: string, seen: string): Promise<boolean> {
    return this.updateRecordIf(backupId, {
      UpdateExpression: 'REMOVE forgettingAt',
      ConditionExpression: 'forgettingAt = :seen AND attribute_not_exists(forgottenAt)',
      ExpressionAttributeValues: { ':seen': seen },
    });
  }

  /**
   * Claims a restore target for one restore (lambdas/restore/target-claim.ts): a create-only item `TARGET#<key>`,
   * written only where none is, or where the one there lapsed (`until` passed: its restore can no longer be
   * running), or where the one there is the same restore's (a retried resolve step). A retry takes the claim over
   * (review 42c F1): its nonce and `until` replace the earlier invocation's (`at` stays the first claim's), so the
   * latest invocation owns it and its own failure for good releases it (releaseTarget with its nonce). Sharing it
   * instead (no nonce, as pinBackup shares a pin) left a retry that then failed for good unable to release it, and
   * the target refused to every other restore until `until`. An earlier invocation still running beside its retry
   * (Step Functions gave up on it: a lost response, a task timeout) no longer owns it and cannot release it; the
   * rare reverse order, the stale invocation reaching this write after its retry did, gives the stale one the claim:
   * the retry then cannot release it, and the workflow's release step (lib/constructs/restore-source-chain.ts,
   * "Release restore") or verify/abandon does when the execution ends. A claim without a nonce (`claim.nonce`
   * absent) is shared as before. Returns undefined when the claim is this restore's, or the other restore's claim
   * that refused it. A claim that went between the write and the read is tried again, CLAIM_ATTEMPTS times, then
   * TransientError.
   *
   * "The same restore's" is its execution's (reviews r18 F1, rR F2, rV F1): a restore id comes from an execution's input
   * or name, which anyone who may start the workflow chooses, so only the execution that took the claim
   * (`claim.execution`) takes it over. A claim naming no execution (written before claims did, or by an execution of a
   * definition that passed none) is taken over only by an execution of a definition from before the upgrade: one that
   * passes no `caller.startedAt` ($$.Execution.StartTime; target-claim.ts, claimIsCallers, says why).
   */
  async claimTarget(key: string, claim: TargetClaim, now: Date, caller: { startedAt?: string | undefined } = {}): Promise<TargetClaim | undefined> {
    const Key = { pk: `TARGET#${key}`, sk: 'TARGET' };
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      try {
        await this.ddb.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...Key, ...claim },
            // ISO instants of one format (toISOString) compare as strings in time order.
            ConditionExpression: 'attribute_not_exists(pk) OR #until < :now',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':now': now.toISOString() },
          }),
        );
        return undefined;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
      try {
        const own = claim.nonce !== undefined;
        // The backup this invocation resolved, too: a retried point-in-time resolve may pick a backup committed since
        // the first one ran, and the Release restore step unpins the backup the claim names (review 42d F1).
        const backup = claim.backupId !== undefined;
        const execution = claim.execution !== undefined;
        const started = caller.startedAt !== undefined;
        const sets = ['#until = :until', ...(own ? ['#nonce = :nonce'] : []), ...(backup ? ['#backupId = :backupId'] : []), ...(execution ? ['#execution = :execution'] : [])];
        await this.ddb.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: `SET ${sets.join(', ')}${own ? '' : ' REMOVE #nonce'}`,
            ConditionExpression: `restoreId = :id AND ${takeoverCondition(execution, started)}`,
            ExpressionAttributeNames: { '#nonce': 'nonce', '#until': 'until', '#execution': 'execution', ...(backup ? { '#backupId': 'backupId' } : {}) },
            ExpressionAttributeValues: {
              ':id': claim.restoreId,
              ':until': claim.until,
              ...(own ? { ':nonce': claim.nonce } : {}),
              ...(backup ? { ':backupId': claim.backupId } : {}),
              ...(execution ? { ':execution': claim.execution } : {}),
            },
          }),
        );
        return undefined;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
      const holder = await this.targetClaim(key);
      if (holder) return holder;
    }
    throw new TransientError(`Target ${claim.target} could not be claimed for restore ${claim.restoreId}: its claim changed under each of ${CLAIM_ATTEMPTS} attempts (other restores of it starting and ending); the step is retried.`);
  }

  /**
   * Removes the claim of `restoreId` on a target. Returns whether there was one: a claim gone, lapsed and taken
   * by another restore, or never taken is no error. `onlyIf.nonce`: only while the claim still carries that nonce
   * (no other invocation of the same resolve step shares it); verify and abandon, which end the restore, omit it.
   */
  async releaseTarget(key: string, restoreId: string, onlyIf: { nonce?: string | undefined } = {}): Promise<boolean> {
    const own = onlyIf.nonce !== undefined;
    try {
      await this.ddb.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: `TARGET#${key}`, sk: 'TARGET' },
          ConditionExpression: own ? 'restoreId = :id AND #nonce = :nonce' : 'restoreId = :id',
          ...(own ? { ExpressionAttributeNames: { '#nonce': 'nonce' } } : {}),
          ExpressionAttributeValues: { ':id': restoreId, ...(own ? { ':nonce': onlyIf.nonce } : {}) },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** The claim on a target as it stands (lapsed or not), or undefined. */
  async targetClaim(key: string): Promise<TargetClaim | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: `TARGET#${key}`, sk: 'TARGET' }, ConsistentRead: true }));
    return Item ? this.parseItem(targetClaimSchema, Item) : undefined;
  }

  /**
   * One conditional UpdateItem of a backup's record: true when it was applied, false when its condition did not
   * hold (nothing written): for the writes whose refusal is an answer (already marked, pinned, claimed), not an error.
   */
  private async updateRecordIf(backupId: string, update: Pick<UpdateCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>): Promise<boolean> {
    try {
      await this.ddb.send(new UpdateCommand({ TableName: this.table, Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' }, ...update }));
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  private async updateExisting(backupId: string, update: Pick<UpdateCommandInput, 'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>): Promise<BackupRecord> {
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({ TableName: this.table, Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' }, ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_NEW', ...update }),
      );
      return Attributes ? this.parseRecord(Attributes) : await this.requireBackup(backupId);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new UnknownBackupError(backupId);
      throw err;
    }
  }

  async requireBackup(backupId: string): Promise<BackupRecord> {
    const record = await this.getBackup(backupId);
    if (!record) throw new UnknownBackupError(backupId);
    return record;
  }

  async getBackup(backupId: string): Promise<BackupRecord | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: `BACKUP#${backupId}`, sk: 'BACKUP' }, ConsistentRead: true }));
    return Item ? this.parseRecord(Item) : undefined;
  }

  /**
   * The ids among `backupIds` whose records a restore may choose, read up to UNTIMED_CHECKED of them: what a point in
   * time passed over as starting at no time, which only a backupId can choose, so that its refusal names them rather
   * than hide records the catalog holds (as the failover's does).
   */
  private async choosableAmong(backupIds: readonly string[]): Promise<string[]> {
    const choosable: string[] = [];
    for (const backupId of backupIds.slice(0, UNTIMED_CHECKED)) if ((await this.getChoosable(backupId)) !== undefined) choosable.push(backupId);
    return choosable;
  }

  /**
   * A backup a reader that chooses one (a point in time, a parent, a listing of a source) may choose, or undefined.
   * A record from before the vault is passed over like a forgotten one (the vault holds nothing of it: audit R31 F1);
   * any other invalid record still fails the read, which must not choose an older backup in its place unseen.
   */
  private async getChoosable(backupId: string): Promise<BackupRecord | undefined> {
    let record: BackupRecord | undefined;
    try {
      record = await this.getBackup(backupId);
    } catch (err) {
      if (err instanceof CatalogItemInvalidError && err.preVault) return undefined;
      throw err;
    }
    return record !== undefined && isChoosable(record) ? record : undefined;
  }

  /**
   * A plan's backups newest first (GSI byPlan), in pages of NEWEST_PAGE items projected to the fields of
   * BackupHead, read only as far as the caller iterates (audit R26 F1: a caller that wants the newest few must not
   * read a history that only grows). An item those fields do not validate is yielded as its error, for the caller to
   * report and pass over: one bad old record must not stop a reader that needs the others. So is a record from
   * before the vault, whose head fields do validate: listBackupsOfPlan passes it over, and a reader of heads would
   * otherwise take it for a backup (the age watch measuring it, the prune taking a primary vault not created yet for
   * an emptied one) although no vault holds anything of it.
   */
  async *newestBackupsOfPlan(plan: string): AsyncGenerator<BackupHeadRead> {
    const query: QueryCommandInput = {
      TableName: this.table,
      IndexName: 'byPlan',
      KeyConditionExpression: '#plan = :plan',
      // The first of its source names and of its sources are what tell a record from before the vault
      // (isPreVaultBackupItem), in a few bytes: the whole lists would multiply what a long history's read transfers.
      ProjectionExpression: 'pk, sk, backupId, #plan, #status, startedAt, copies, forgottenAt, #sourceNames[0], #sources[0]',
      ExpressionAttributeNames: { '#plan': 'plan', '#status': 'status', '#sourceNames': 'sourceNames', '#sources': 'sources' },
      ExpressionAttributeValues: { ':plan': plan },
      ScanIndexForward: false,
      Limit: NEWEST_PAGE,
    };
    for await (const item of this.queryItems(query)) yield this.readHead(item);
  }

  /**
   * A plan's backup records with the snapshots of their sources (GSI byPlan, newest first, in pages of LIVE_PAGE items,
   * read as far as the caller iterates): what a prune checks its vault's `snapshots/` listing against
   * (lambdas/retention/recorded-snapshots.ts), which keeps the committed ones not forgotten. Every record is yielded,
   * whatever its state, and the caller decides: a filter on `status` and `forgottenAt` dropped before it a status not
   * exactly COMMITTED and a `forgottenAt` of '' or null, which the caller must not take for a backup gone (review r60B
   * F3). The price is the transfer of the forgotten records a long history is mostly made of; their read units are the
   * same (a Query counts its reads before its filter). An item these fields do not validate is yielded as its error
   * with what its item still tells (salvageBackupItem, and its forget and DR copy state): a newer Lifeboat's record, say,
   * whose snapshots the prune must still not condemn (review r59H F1). Its source names are read so a committed record
   * lacking the snapshot of one is not taken as whole (review r60B F1), and a record from before the vault, which has
   * none, is told apart (isPreVaultBackupItem): the vault holds nothing of it.
   */
  async *liveBackupSnapshotsOfPlan(plan: string): AsyncGenerator<LiveBackupSnapshotsRead> {
    const query: QueryCommandInput = {
      TableName: this.table,
      IndexName: 'byPlan',
      KeyConditionExpression: '#plan = :plan',
      ...LIVE_PROJECTION,
      ExpressionAttributeValues: { ':plan': plan },
      ScanIndexForward: false,
      Limit: LIVE_PAGE,
    };
    for await (const item of this.queryItems(query)) yield this.readLive(item);
  }

  /**
   * The item at `key` (one liveBackupSnapshotsOfPlan yielded) as that read reads it (whatever its state: the caller
   * decides), by a strongly consistent GetItem, or undefined when there is none. The prune's second look at a backup
   * whose snapshot its vault lacks: the byPlan index is eventually consistent, and right after the workflow's Forget may
   * still show live a backup just forgotten, which stopped the prune for nothing (review r59H F2). By the item's own
   * key, not `BACKUP#<its backupId>`: a damaged item whose `backupId` is another's had that other record read in its
   * place (review r59M F2).
   */
  async liveBackupSnapshotsAt(key: CatalogItemKey): Promise<LiveBackupSnapshotsRead | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true, ...LIVE_PROJECTION }));
    return Item ? this.readLive(Item) : undefined;
  }

  /** An item as liveBackupSnapshotsOfPlan yields it: its fields, or why they are not valid with what it still tells. */
  private readLive(item: Record<string, unknown>): LiveBackupSnapshotsRead {
    const key = { pk: String(item.pk), sk: String(item.sk) };
    try {
      return { backup: this.parseItem(liveBackupSnapshotsSchema, item), key };
    } catch (err) {
      if (!(err instanceof CatalogItemInvalidError)) throw err;
      return { invalid: { error: err, key, ...salvageBackupItem(item), ...salvageLiveState(item) } };
    }
  }

  /**
   * A backup's head from its item (whole, or projected as newestBackupsOfPlan reads it), or why it is not one.
   * On a projected item isPreVaultBackupItem sees one source and at most one source name, which is all it takes: a
   * record of this version has a name in `sourceNames` and a source record, never a string, in `sources`.
   */
  private readHead(item: Record<string, unknown>): BackupHeadRead {
    if (isPreVaultBackupItem(item)) {
      const problems = ['sourceNames: Required', 'sources: the names of its sources, not their snapshots'];
      return { invalid: new CatalogItemInvalidError(this.table, `${String(item.pk)} / ${String(item.sk)}`, problems, { preVault: true }) };
    }
    try {
      return { head: this.parseItem(backupHeadSchema, item) };
    } catch (err) {
      if (!(err instanceof CatalogItemInvalidError)) throw err;
      return { invalid: err };
    }
  }

  /**
   * All backups of a plan, newest first (GSI byPlan). An item that is not a valid record is passed over and handed to
   * `onInvalid` (by default a warning in the log: logInvalidBackupItem), as newestBackupsOfPlan does: one record of
   * an older version or a damaged one must not stop replication, retention, drills, failover, rebuild and the CLI
   * for its whole plan (audit R31 F1). A reader that would act on the absence of a record — release what no other
   * record holds, count a snapshot as one record's — reads `onInvalid`'s SalvagedBackupItem instead of passing
   * over it (forget-backups.ts, object-legal-hold.ts).
   */
  async listBackupsOfPlan(plan: string, options: ListBackupsOptions = {}): Promise<BackupRecord[]> {
    const onInvalid = options.onInvalid ?? logInvalidBackupItem;
    const records: BackupRecord[] = [];
    const query: QueryCommandInput = {
      TableName: this.table,
      IndexName: 'byPlan',
      KeyConditionExpression: '#plan = :plan',
      ExpressionAttributeNames: { '#plan': 'plan' },
      ExpressionAttributeValues: { ':plan': plan },
      ScanIndexForward: false,
    };
    for await (const item of this.queryItems(query)) {
      const read = this.readRecord(item);
      if ('record' in read) records.push(read.record);
      else onInvalid(read.invalid);
    }
    return records;
  }

  /**
   * Every plan the catalog holds backup records of, with its committed backups not forgotten and the newest of
   * their starts: what `lifeboat doctor` compares with the config, to find a renamed or removed plan's backups,
   * which no configured policy reaches; and the records that are not valid (`invalid`), which listBackupsOfPlan passes
   * over and doctor reports. DynamoDB cannot list an index's distinct keys, so this is a
   * paginated Scan of the byPlan index (only backup records carry `plan`), of whole items, as validating them takes
   * (a projection would save transfer, not read capacity): it reads every backup record once (forgotten ones too),
   * which is for a diagnostic run by hand, never for a schedule.
   */
  async summarizePlans(): Promise<CatalogPlanSummary[]> {
    const plans = new Map<string, CatalogPlanSummary>();
    const pages = paginateScan(
      { client: this.ddb },
      { TableName: this.table, IndexName: 'byPlan' },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const { plan, startedAt, status, forgottenAt } = item;
        if (typeof plan !== 'string') continue;
        const summary = plans.get(plan) ?? { plan, backups: 0 };
        plans.set(plan, summary);
        const read = this.readRecord(item);
        if ('invalid' in read) summary.invalid = [...(summary.invalid ?? []), read.invalid];
        if (status !== 'COMMITTED' || forgottenAt !== undefined || typeof startedAt !== 'string') continue;
        summary.backups += 1;
        if (summary.newestStartedAt === undefined || startedAt > summary.newestStartedAt) summary.newestStartedAt = startedAt;
      }
    }
    return [...plans.values()].sort((a, b) => a.plan.localeCompare(b.plan));
  }

  /**
   * The name of every plan the catalog holds backup records of, each once, in name order: beside the configured plans,
   * what the prune's check reads (lambdas/retention/recorded-snapshots.ts), since a plan removed from the config, or
   * renamed there, keeps its committed backups in the catalog (review r59M F3). A paginated Scan of the byPlan index
   * (only backup records carry `plan`) projected to `plan`: a Scan's read units count whole items all the same, so it
   * reads every backup record once, as the check's Queries of the configured plans read theirs; the projection keeps
   * what each page transfers to the names.
   */
  async recordedPlanNames(): Promise<string[]> {
    const plans = new Set<string>();
    const pages = paginateScan({ client: this.ddb }, { TableName: this.table, IndexName: 'byPlan', ProjectionExpression: '#plan', ExpressionAttributeNames: { '#plan': 'plan' } });
    for await (const page of pages) for (const { plan } of page.Items ?? []) if (typeof plan === 'string') plans.add(plan);
    return [...plans].sort();
  }

  /** The items of a query, page after page as they are consumed (the SDK paginator follows LastEvaluatedKey). */
  private async *queryItems(query: QueryCommandInput): AsyncGenerator<Record<string, unknown>> {
    for await (const page of paginateQuery({ client: this.ddb }, query)) yield* page.Items ?? [];
  }

  /** A backup record as backupRecordSchema reads it, or CatalogItemInvalidError, which says so of a record from before the vault. */
  private parseRecord(item: Record<string, unknown>): BackupRecord {
    const preVault = isPreVaultBackupItem(item);
    const record = this.parseItem(backupRecordSchema, item, { preVault });
    // The key is what a reader asked for; the backupId attribute is what it would print and act on. An item whose two
    // differ (damaged, or forged under a valid key) named another backup, any text, in every refusal (review r64L F4).
    if (item.pk !== `BACKUP#${record.backupId}`) {
      throw new CatalogItemInvalidError(this.table, `${String(item.pk)} / ${String(item.sk)}`, [{ path: ['backupId'], message: 'is not the backup id its key (pk) names' }], { preVault });
    }
    return record;
  }

  /** A backup record, or why it is not one with what its item still tells. */
  private readRecord(item: Record<string, unknown>): { record: BackupRecord } | { invalid: InvalidBackupItem } {
    try {
      return { record: this.parseRecord(item) };
    } catch (err) {
      if (!(err instanceof CatalogItemInvalidError)) throw err;
      return { invalid: { error: err, key: { pk: String(item.pk), sk: String(item.sk) }, ...salvageBackupItem(item) } };
    }
  }

  /** An item as `schema` reads it, or CatalogItemInvalidError naming the item (its keys) and each bad field. */
  private parseItem<T>(schema: z.ZodType<T>, item: Record<string, unknown>, options: { preVault?: boolean } = {}): T {
    const parsed = schema.safeParse(item);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues;
    throw new CatalogItemInvalidError(this.table, `${String(item.pk)} / ${String(item.sk)}`, problems, options);
  }
}

/** One plan of the catalog (BackupCatalog.summarizePlans). */
export type CatalogPlanSummary = {
  plan: string;
  /** Committed backups not forgotten: what retention could still forget. */
  backups: number;
  /** The start of the newest of them (ISO), absent when there is none. */
  newestStartedAt?: string;
  /** Its records that are not valid, which listBackupsOfPlan passes over (absent when none). */
  invalid?: InvalidBackupItem[];
};

/** A backup record listBackupsOfPlan passed over: why (the error names the item and each bad field), its keys, and what its item still tells. */
export type InvalidBackupItem = SalvagedBackupItem & {
  readonly error: CatalogItemInvalidError;
  readonly key: { readonly pk: string; readonly sk: string };
};

export type ListBackupsOptions = {
  /** Where a record that is not valid goes, passed over. @default logInvalidBackupItem */
  readonly onInvalid?: (invalid: InvalidBackupItem) => void;
};

/**
 * One JSON line on stderr (the function's log; the CLI's stderr): the item and what to do about it. JSON.stringify leaves
 * a damaged key's C1 (CSI U+009B), U+2028 and bidi characters raw, which split the line or drive the terminal or log
 * viewer: they are \uXXXX too, which a JSON reader reads back as the same key (f62F).
 */
export function logInvalidBackupItem(invalid: InvalidBackupItem): void {
  logInvalidItemLine(invalid, `passed over: ${invalid.error.message}`);
}

/**
 * The line of logInvalidBackupItem with another message: one writer, so the escaping of a damaged key is fixed once for
 * a record passed over and one counted (forgotten-snapshots.ts), which f62F and f62P each had to fix apart.
 */
export function logInvalidItemLine(invalid: InvalidBackupItem, message: string): void {
  console.warn(unseenJsonEscaped(JSON.stringify({ level: 'WARN', item: `${invalid.key.pk} / ${invalid.key.sk}`, message })));
}

/** How often claimTarget tries again when the claim it was refused by went before it could read it. */
const CLAIM_ATTEMPTS = 3;

/**
 * Which claim of its restore id a caller takes over (BackupCatalog.claimTarget): one its execution took; one naming no
 * execution only when the caller is of a definition from before the upgrade, naming no execution or no start time
 * (`started`): a definition passing its start time records its execution in every claim it takes (claimIsCallers).
 */
function takeoverCondition(execution: boolean, started: boolean): string {
  if (!execution) return 'attribute_not_exists(#execution)';
  return started ? '#execution = :execution' : '(#execution = :execution OR attribute_not_exists(#execution))';
}

/**
 * A restore's claim on its target (BackupCatalog.claimTarget, lambdas/restore/target-claim.ts): the one restore
 * that may write it until `until` (ISO), the restore workflow's timeout after `at`, as a restore pin's.
 */
export const targetClaimSchema = z.object({
  restoreId: z.string().min(1),
  /** The target as reports name it (describeTarget), for the message that refuses another restore. */
  target: z.string().min(1),
  at: z.string().min(1),
  until: z.string().min(1),
  /** The resolve invocation that owns it: the latest to take it (see claimTarget). */
  nonce: z.string().optional(),
  /** The backup the restore pinned, for the release step of a restore that never planned (its request may give only a pointInTime). */
  backupId: z.string().min(1).optional(),
  /**
   * The ARN of the restore-source execution that took it (review r15-F1): its restore id comes from its input, so another
   * execution may name the same one; the release step ends only a claim its own execution took (release-unplanned-restore.ts).
   */
  execution: z.string().min(1).optional(),
});
export type TargetClaim = z.infer<typeof targetClaimSchema>;

/** The fields of a backup record that newestBackupsOfPlan reads: enough to tell its state and age. */
export const backupHeadSchema = backupRecordSchema.pick({ backupId: true, plan: true, status: true, startedAt: true, copies: true, forgottenAt: true });
export type BackupHead = z.infer<typeof backupHeadSchema>;
/** One item of newestBackupsOfPlan: its fields, or why they are not valid. */
export type BackupHeadRead = { head: BackupHead } | { invalid: CatalogItemInvalidError };

/**
 * The fields of a backup record that liveBackupSnapshotsOfPlan reads: its state, where it is stored, and its sources'
 * snapshots. A committed one holds a source for each of its `sourceNames`, and names one at least (a plan protects one
 * at least): one that does not is read as not valid, so the prune's check stops on it rather than leave the data of
 * the source it lacks unprotected (review r60B F1).
 */
export const liveBackupSnapshotsSchema = backupRecordSchema
  .pick({ backupId: true, plan: true, status: true, startedAt: true, copies: true, forgottenAt: true, forgettingAt: true, sourceNames: true, sources: true })
  .superRefine((record, ctx) => {
    if (record.status !== 'COMMITTED') return;
    if (record.sourceNames.length === 0) ctx.addIssue({ code: 'custom', path: ['sourceNames'], message: 'a committed backup names one source at least' });
    const recorded = new Set(record.sources.map((s) => s.name));
    for (const name of record.sourceNames) {
      if (!recorded.has(name)) ctx.addIssue({ code: 'custom', path: ['sources'], message: `no source "${name}", which its \`sourceNames\` names` });
    }
  });
export type LiveBackupSnapshots = z.infer<typeof liveBackupSnapshotsSchema>;
/** The key of a catalog item, as read with it. */
export type CatalogItemKey = { readonly pk: string; readonly sk: string };
/** One item of liveBackupSnapshotsOfPlan: its fields and key, or why they are not valid with what its item still tells. */
export type LiveBackupSnapshotsRead = { backup: LiveBackupSnapshots; key: CatalogItemKey } | { invalid: InvalidLiveBackupItem };

/** What a backup item that does not validate still tells of its state, where it is stored and whether its forget began. */
type SalvagedLiveState = {
  /**
   * Whether its `status` says it is committed: true for COMMITTED, false for another status of this version (RUNNING,
   * FAILED: nothing of it to keep), undefined when it is none of these (a newer Lifeboat's, a misspelt one, absent): the
   * reader cannot tell (review r60B F3).
   */
  readonly committed: boolean | undefined;
  /** Its `status` as the item holds it (absent: undefined), for a message to name. */
  readonly status: unknown;
  /** Its `forgettingAt` is a string: a forget has begun (its snapshot objects go before the record is marked forgotten). */
  readonly forgetting: boolean;
  /**
   * Whether its `copies` say the DR vault holds it: true when `dr` is COMMITTED; false when they say it does not (no
   * `copies`, no `dr`, or `dr` a state of this version that is not COMMITTED: NOT_COPIED_TO_DR); undefined when they do
   * not read (not an object, `dr` not a string, or a state this version does not know, a newer Lifeboat's such as
   * `VERIFIED`): the reader cannot tell. Until review r60B F2 any `dr` but COMMITTED read as not copied, and the DR
   * prune passed such a record over and deleted its DR copy were its snapshot object missing.
   */
  readonly copiedToDr: boolean | undefined;
  /**
   * The sources its `sources` list holds whose `snapshotId` does not read as one (a newer shape, '', damaged), each by
   * its `name` or, lacking one, `sources[<index>]`, then the names of its `sourceNames` (when a list) that no source with
   * a readable id has (review r60B F1); undefined when `sources` is not a list. The snapshot ids the others name
   * (`snapshotIds`) protect nothing of these (review r59M F1).
   */
  readonly sourcesWithoutSnapshotId: readonly string[] | undefined;
};

/** An item liveBackupSnapshotsOfPlan could not validate. */
export type InvalidLiveBackupItem = InvalidBackupItem & SalvagedLiveState;

function salvageLiveState(item: Readonly<Record<string, unknown>>): SalvagedLiveState {
  const { status, forgettingAt, copies } = item;
  const known = backupStatusSchema.safeParse(status);
  const committed = known.success ? known.data === 'COMMITTED' : undefined;
  const forgetting = typeof forgettingAt === 'string' && forgettingAt !== '';
  const sourcesWithoutSnapshotId = sourcesWithoutSnapshotIdOf(item.sources, item.sourceNames);
  if (copies === undefined) return { committed, status, forgetting, copiedToDr: false, sourcesWithoutSnapshotId };
  if (typeof copies !== 'object' || copies === null || Array.isArray(copies)) return { committed, status, forgetting, copiedToDr: undefined, sourcesWithoutSnapshotId };
  return { committed, status, forgetting, copiedToDr: copiedToDrOf((copies as Record<string, unknown>).dr), sourcesWithoutSnapshotId };
}

/** The copy states of this version that say a backup's DR copy is not complete: every one but COMMITTED. */
const NOT_COPIED_TO_DR: ReadonlySet<unknown> = new Set<CopyStatus>(copyStatusSchema.options.filter((state) => state !== 'COMMITTED'));

/** SalvagedLiveState.copiedToDr of an item's `copies.dr`. */
function copiedToDrOf(dr: unknown): boolean | undefined {
  if (dr === undefined || NOT_COPIED_TO_DR.has(dr)) return false;
  return dr === 'COMMITTED' ? true : undefined;
}

/**
 * SalvagedLiveState.sourcesWithoutSnapshotId: `sources` read as salvageBackupItem reads `snapshotIds`, so the two add up
 * to the list, then the source names that list has no readable id for.
 */
function sourcesWithoutSnapshotIdOf(sources: unknown, sourceNames: unknown): string[] | undefined {
  if (!Array.isArray(sources)) return undefined;
  const withId = new Set<unknown>();
  const without = (sources as unknown[]).flatMap((source, index) => {
    const fields = typeof source === 'object' && source !== null ? (source as Record<string, unknown>) : {};
    if (typeof fields.snapshotId === 'string' && fields.snapshotId !== '') {
      withId.add(fields.name);
      return [];
    }
    return [typeof fields.name === 'string' && fields.name !== '' ? fields.name : `sources[${index}]`];
  });
  const named = Array.isArray(sourceNames) ? (sourceNames as unknown[]).filter((n): n is string => typeof n === 'string' && n !== '') : [];
  return [...new Set([...without, ...named.filter((n) => !withId.has(n))])];
}

/** What the keys of a backup's index items are made of. */
const indexedBackupSchema = backupRecordSchema.pick({ backupId: true, startedAt: true, sourceNames: true });
type IndexedBackup = z.infer<typeof indexedBackupSchema>;

/** Whether a reader that chooses a backup (a point in time, a parent, a listing of a source) may choose this record. */
function isChoosable(record: BackupRecord): boolean {
  return record.status === 'COMMITTED' && record.forgottenAt === undefined && record.forgettingAt === undefined;
}
