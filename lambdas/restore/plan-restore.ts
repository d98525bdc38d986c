import { DescribeTableCommand, type DynamoDBClient, ResourceNotFoundException, type TableDescription } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { type TableCapacity, targetReadUnitsPerSecond, targetWriteUnitsPerSecond } from '../sources/dynamodb-capacity-budget';
import { type TableProtection } from '../sources/dynamodb-table-protection';
import { type CreateTableOptions, createTableFromSchema, describeTargetTable, finishNewTable, type TableSchema, tableSchemaSchema } from '../sources/dynamodb-table-schema';
import { entriesUnder, type ManifestEntry, type ManifestReader, type Vault } from '../../vault';
import { shardsPerBatch } from '../backup/shard-batch-size';
import { type RestorePlanDocument, type RestoreShard, type RestoreShardBatch, putRestorePlan, putRestoreShardManifest } from './restore-plan-document';
import { RestoreTargetMissingError, SnapshotMismatchError } from './restore-errors';
import { InvalidInputError } from '../runtime/errors';
import { DEFAULT_PIECE_BYTES } from './object-pieces';
import { ambiguousEscapedPrefixHint, escapedFilterPrefix, escapedNamesHint } from './escaped-filter-prefix';
import { type CutShards, cutShards, EXACT_CUT_PAGES, type SelectionTotals, selectionTotals, type ShardBudget } from './restore-shard-cuts';
import { type ShardRates, shardSeconds, shardUnits, ShardWriteTimeError, SHARD_WRITE_SECONDS } from './shard-write-time';
import { MAX_RESTORE_SHARD_ROUNDS } from './restore-shard-cursor';
import { s3Attributes, s3TargetKey } from './restored-entry';
import { createPieceFiles, discardPieceFiles } from './split-file-pieces';
import { startSplitUpload } from './split-object-upload';
import { mountRootOf, openTargetDirectory } from './target-directory';
import { type ResolvedRestore } from './resolved-restore';
import { loadRestoreSnapshot } from './restore-snapshot';
import { type RestoredTablePlace, restoredTableProtection } from './restored-table-protection';
import { backupKeyOf, checkOverwrittenTableKey, keyNamesOf } from './target-table-key';
import { timeToLiveLeftOffNote } from './restored-table-ttl';

export type PlanRestoreDeps = {
  openVault: (side: 'primary' | 'dr') => Promise<Vault>;
  /** The primary vault bucket, where restore plans are stored. */
  planS3: S3Client;
  planBucket: string;
  /** S3 targets: where the plan starts the multipart uploads of entries restored in pieces. */
  targetS3?: S3Client;
  dynamodb: DynamoDBClient;
  directory: (configuredPath: string) => string;
  /** Where the EFS file system is mounted (in AWS): the target directory is made from it without following links. @default '/' */
  mountPath?: string | undefined;
  /**
   * `pieceBytes`: an S3 entry larger than this is restored in pieces of about this size, a shard each (object-pieces.ts).
   * `exactPages`: selections of at most this many manifest pages get shard boundaries at entries, larger ones at pages (restore-shard-cuts.ts).
   */
  limits?: { maxShards?: number; entriesPerShard?: number; bytesPerShard?: number; pieceBytes?: number; exactPages?: number };
  /**
   * Where a table the restore creates is made (region, account) and whether it is a drill's scratch
   * table: restored-table-protection.ts. @default the DynamoDB client's region, not scratch
   */
  tablePlace?: RestoredTablePlace;
  /**
   * The source table's protection read live, for a snapshot recorded before the backup captured it;
   * absent where the source cannot be read (the DR region, which must work with the primary down).
   */
  liveSourceProtection?: (() => Promise<TableProtection>) | undefined;
  createTable?: CreateTableOptions;
};

/**
 * How the workflow runs the shards. 'distributed': the restore runbook's Distributed Map, which reads
 * the shard manifest from the vault (nothing of the shards travels in the state). 'inline': the inline
 * Map of the drill and the failover (it runs inside their Map over sources), which iterates `shards`.
 */
export type RestoreFanOut = { map: 'distributed' | 'inline'; maxConcurrency: number };

/**
 * Shards through a Distributed Map: a safety cap, not a concurrency bound (the Map's MaxConcurrency is).
 * Every shard invocation reads the plan document, about 200 bytes per shard, so 10,000 shards keep it
 * near 2 MiB; a larger restore gets larger shards rather than a larger plan.
 */
export const MAX_DISTRIBUTED_SHARDS = 10_000;
/**
 * Shards through an inline Map: its iterations and their events live in the parent execution's history
 * (25,000 events) and at most 40 run at once, so more shards would only queue there (docs/ARCHITECTURE.md).
 */
export const MAX_INLINE_SHARDS = 40;

/** Entries per shard in place of the planner's 100 (`limits.entriesPerShard`), from the plan function's environment: tests get many shards from a small source; deployments leave it unset. */
export const RESTORE_ENTRIES_PER_SHARD_ENV = 'LIFEBOAT_RESTORE_ENTRIES_PER_SHARD';

/** The piece budget in place of 1 GiB (`limits.pieceBytes`), from the plan function's environment: tests split small objects; deployments leave it unset. */
export const RESTORE_PIECE_BYTES_ENV = 'LIFEBOAT_RESTORE_PIECE_BYTES';

export type PlannedRestore = {
  restoreId: string;
  planKey: string;
  entries: number;
  bytes: number;
  shardCount: number;
  /** The JSON Lines manifest of the shards (`{"shardIndex": n}` per line, in order), next to the plan: the Distributed Map's items. */
  shardManifestKey: string;
  /**
   * The Map's MaxConcurrency: the protection plan's, or fewer for a DynamoDB target whose budget, shared
   * by that many shards at once, would leave a shard unable to end in time (then `concurrencyNote` says so).
   */
  maxConcurrency: number;
  /** Shards per child execution of the Distributed Map (its ItemBatcher's MaxItemsPerBatch). */
  shardsPerBatch: number;
  /** Inline Map only: one batch of one shard per shard, what each iteration's Restore shard receives. */
  shards?: RestoreShardBatch[];
  /** Where a table the restore created is less protected than its source, and why (restored-table-protection.ts); TTL left off as asked (restored-table-ttl.ts). */
  targetNotes?: string[];
  /**
   * Why `maxConcurrency` is below the protection plan's, so the restore takes longer than that would, or why a shard whose
   * unread pages' items only the fewest of which fit in time is planned anyway (task F33): for the operator reading the plan step's output.
   */
  concurrencyNote?: string;
};

/**
 * Plans a restore: prepares the target (recreates a DynamoDB table from the backup's schema —
 * keys, GSIs/LSIs with projections, billing, TTL unless the request leaves it off — or creates the
 * target directory), cuts the selected manifest entries into contiguous shards balanced by entries and bytes, and stores the
 * plan with its shard manifest; then creates the piece files of the files restored in pieces
 * (split-file-pieces.ts). Two passes over the manifest's page references (totals, then boundaries;
 * restore-shard-cuts.ts), reading only the pages where the references are not enough, so time grows
 * with the manifest's nodes rather than its entries, and memory with the number of shards. Refused before the target is touched:
 * a filter that selects nothing, a target prefix that makes a key longer than S3 allows
 * (restored-key-length.ts), and an overwrite into an existing table keyed otherwise than the backup
 * (target-table-key.ts).
 */
export async function planRestore(requested: ResolvedRestore, fanOut: RestoreFanOut, deps: PlanRestoreDeps): Promise<PlannedRestore> {
  const vault = await deps.openVault(requested.vault);
  const snapshot = await loadRestoreSnapshot(vault, requested);
  const budget: ShardBudget = {
    maxShards: deps.limits?.maxShards ?? (fanOut.map === 'distributed' ? MAX_DISTRIBUTED_SHARDS : MAX_INLINE_SHARDS),
    entriesPerShard: deps.limits?.entriesPerShard ?? 100,
    bytesPerShard: deps.limits?.bytesPerShard ?? 256 * 1024 * 1024,
    basePieceBytes: deps.limits?.pieceBytes ?? DEFAULT_PIECE_BYTES,
    exactPages: deps.limits?.exactPages ?? EXACT_CUT_PAGES,
  };
  const reader = await vault.manifest(snapshot);
  // The plan document keeps the filter as it selected: the shards and the verification select with the plan's.
  const { restore, totals } = await selection(reader, requested, budget);
  const { entries, bytes } = totals;
  // Also before the target is prepared: in S3 the shard holding the key would fail with KeyTooLongError after the others wrote theirs.
  // Without a target prefix every restored key is a key S3 held, so it fits (selectionTotals looks at keys only with one).
  if (restore.target.type === 's3') totals.longestKey?.check(restore.target.prefix);
  const schema = restore.target.type === 'dynamodb' ? tableSchemaOf(snapshot.source, restore) : undefined;
  const cut = await cutShards(reader, restore, totals, budget);
  const { splitEntries } = cut;

  const { created, notes } = await prepareTarget(restore, schema, deps);
  await startSplitUploads(restore, splitEntries, deps);
  const table = restore.target.type === 'dynamodb' ? await describeTargetTable(deps.dynamodb, restore.target.table) : undefined;
  const timed = table ? await shardsWithinTime({ reader, restore, totals, budget, created, maxConcurrency: fanOut.maxConcurrency, map: fanOut.map }, cut, table.capacity) : undefined;
  const shards = timed?.shards ?? cut.shards;
  // The Map's MaxConcurrency (MaxConcurrencyPath $.plan.maxConcurrency): lowered when the plan's would leave each shard too little of the budget.
  const maxConcurrency = timed?.maxConcurrency ?? fanOut.maxConcurrency;
  // A batch's shards run one after the other in one invocation: together they must end within the shard time too.
  const perBatch = Math.min(shardsPerBatch(shards.length, maxConcurrency), timed ? Math.max(1, Math.floor(SHARD_WRITE_SECONDS / Math.max(1, timed.seconds))) : Number.POSITIVE_INFINITY);
  const shardsAtOnce = Math.max(1, Math.min(shards.length, Math.max(1, maxConcurrency)));
  const writeUnitsPerShard = table ? writeUnitsPerShardOf(table.capacity, restore, created, shardsAtOnce) : undefined;
  // The read-back shares the table as the writes do: divided by the shards that run at once.
  const readUnitsPerShard = table ? targetReadUnitsPerSecond(table.capacity, created ? 'created' : 'existing') / shardsAtOnce : undefined;
  const plan: RestorePlanDocument = {
    restore,
    entries,
    bytes,
    shards,
    ...(writeUnitsPerShard ? { writeUnitsPerShard } : {}),
    ...(readUnitsPerShard ? { readUnitsPerShard } : {}),
    // The backup's key, not the target's: an overwritten table was checked to have it, and it is the key the backed-up items are unique by.
    ...(schema ? { tableKey: keyNamesOf(backupKeyOf(schema)) } : {}),
    ...(restore.timeToLive === 'off' && schema?.ttlAttribute !== undefined ? { ttlLeftOff: { attribute: schema.ttlAttribute } } : {}),
  };
  // The manifest first: a plan on the vault always has its manifest.
  const shardManifestKey = await putRestoreShardManifest(deps.planS3, deps.planBucket, restore.restoreId, shards);
  const planKey = await putRestorePlan(deps.planS3, deps.planBucket, plan);
  // Last, so that a plan step failing before it leaves no piece file (no abandon step runs without a plan).
  await createSplitFiles(restore, splitEntries, plan, deps);
  const planned: PlannedRestore = {
    restoreId: restore.restoreId,
    planKey,
    entries,
    bytes,
    shardCount: shards.length,
    shardManifestKey,
    maxConcurrency,
    shardsPerBatch: perBatch,
    ...(notes.length > 0 ? { targetNotes: notes } : {}),
    ...(timed?.concurrencyNote ? { concurrencyNote: timed.concurrencyNote } : {}),
  };
  if (fanOut.map === 'inline') planned.shards = shards.map((s) => ({ BatchInput: { restoreId: restore.restoreId, planKey }, Items: [{ shardIndex: s.index }] }));
  return planned;
}

/** What the ambiguity refusal of `--prefix` says of a manifest page it could not read: what finds it and repairs it. */
const DAMAGED_PAGE_ADVICE = '`lifeboat scrub --fraction 1 --repair` finds it and repairs it from the other vault where that holds a copy';

/**
 * The restore as its filter selects, and the totals of what it selects. A file-system path that matches no stored path
 * is tried with its names escaped as the backup stored them (escaped-filter-prefix.ts). Refused before the target is
 * prepared: a filter that selects nothing is a mistyped prefix far more often than a wish, and nothing is written for it.
 */
async function selection(reader: ManifestReader, requested: ResolvedRestore, budget: ShardBudget): Promise<{ restore: ResolvedRestore; totals: SelectionTotals }> {
  const totals = await selectionTotals(reader, requested, budget);
  if (requested.prefix === '') return { restore: requested, totals };
  const escaped = requested.source.type === 'filesystem' ? escapedFilterPrefix(requested.prefix) : undefined;
  if (totals.entries > 0) {
    // Both forms selecting is rare (a directory named like another's escaped name), but the one taken must be the one meant.
    if (escaped !== undefined && (await selectionTotals(reader, { ...requested, prefix: escaped }, budget)).entries > 0) {
      // A spelling on a page that cannot be read may select entries: it is not suggested as picking one form alone.
      const hint = await ambiguousEscapedPrefixHint(requested.prefix, escaped, '--prefix', (path) => entriesUnder(reader, path), DAMAGED_PAGE_ADVICE);
      throw new InvalidInputError(
        `Invalid restore request: filter.prefix (\`lifeboat restore --prefix\`) ${JSON.stringify(requested.prefix)} of backup ${requested.backupId} of source ${requested.source.name} is ambiguous, so nothing was restored and the target was not touched: ${hint}`,
      );
    }
    return { restore: requested, totals };
  }
  if (escaped !== undefined) {
    const restore = { ...requested, prefix: escaped };
    const escapedTotals = await selectionTotals(reader, restore, budget);
    if (escapedTotals.entries > 0) return { restore, totals: escapedTotals };
  }
  const form = requested.source.type === 's3' ? 'a key prefix, as S3 lists keys ("reports/2026/")' : `a path relative to the backed-up directory ("var/log")${escapedNamesHint(escaped)}`;
  throw new InvalidInputError(
    `Invalid restore request: filter.prefix (\`lifeboat restore --prefix\`) ${JSON.stringify(requested.prefix)} matches no entry of backup ${requested.backupId} of source ${requested.source.name}, so nothing was restored and the target was not touched; it is ${form}`,
  );
}

/** Starts one multipart upload per entry restored in pieces and gives its pieces the upload's id. */
async function startSplitUploads(restore: ResolvedRestore, splitEntries: ReadonlyArray<{ entry: ManifestEntry; shards: RestoreShard[] }>, deps: PlanRestoreDeps): Promise<void> {
  const target = restore.target;
  if (splitEntries.length === 0 || target.type !== 's3') return;
  if (!deps.targetS3) throw new Error('planRestore was given no target S3 client, and this restore has entries to upload in pieces');
  for (const { entry, shards } of splitEntries) {
    const key = s3TargetKey(target, entry);
    const uploadId = await startSplitUpload(deps.targetS3, target.bucket, key, s3Attributes(entry));
    for (const shard of shards) if (shard.piece) Object.assign(shard.piece, { uploadId, key });
  }
}

/**
 * Creates the piece file of each file restored in pieces (split-file-pieces.ts), which its pieces'
 * shards only open: as the S3 upload above, it exists before any shard runs and only Verify restore
 * or Abandon restore ends it. A file whose name, or piece file's path, the target refuses as too long gets none: its
 * pieces record so (nameRefused) in the plan, stored again, for the shards and the verify step (review r59J F2); when that
 * fails, the piece files made are removed.
 */
async function createSplitFiles(restore: ResolvedRestore, splitEntries: ReadonlyArray<{ entry: ManifestEntry; shards: RestoreShard[] }>, plan: RestorePlanDocument, deps: PlanRestoreDeps): Promise<void> {
  const target = restore.target;
  // The pieces are the plan's shards: what createPieceFiles sets on them is in the plan stored again.
  if (splitEntries.length === 0 || target.type !== 'filesystem') return;
  const dir = await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), target.path, { create: false });
  if (!dir) throw new RestoreTargetMissingError(`The restore target directory ${target.path} is gone: the plan step made it a moment ago, and nothing else may change the target during a restore; run the restore again`);
  try {
    if (!(await createPieceFiles(dir.path, splitEntries.flatMap(({ shards }) => shards), restore))) return;
    await putRestorePlan(deps.planS3, deps.planBucket, plan).catch(async (err: unknown) => {
      await discardPieceFiles(dir.path, splitEntries.map(({ entry }) => entry.path), restore);
      throw err;
    });
  } finally {
    await dir.close();
  }
}

/**
 * A shard's share of the target table's write budget (dynamodb-capacity-budget.ts): divided by the
 * shards that run at once (the shard count, at most the Map's MaxConcurrency), so the shards in
 * flight together never write faster than the budget.
 */
function writeUnitsPerShardOf(capacity: TableCapacity, restore: ResolvedRestore, created: boolean, shardsAtOnce: number): number {
  return targetWriteUnitsPerSecond(restore.writeBudget, capacity, created ? 'created' : 'existing') / Math.max(1, shardsAtOnce);
}

/** What shardsWithinTime cuts again with. */
type ShardCutInput = { reader: ManifestReader; restore: ResolvedRestore; totals: SelectionTotals; budget: ShardBudget; created: boolean; maxConcurrency: number; map: RestoreFanOut['map'] };

/** Shards that end in time, the concurrency they do at, and the heaviest one's estimated seconds. */
type TimedShards = { shards: RestoreShard[]; seconds: number; maxConcurrency: number; concurrencyNote?: string };

/**
 * DynamoDB targets: the shards, cut again finer when one would not write and read back its items
 * within SHARD_WRITE_SECONDS at its share of the table's budgets (audit d4-1; a shard that outlasts its
 * Lambda run resumes where it stopped since 8c2fe7ff, but each run costs a start and a fresh write budget). A shard's time counts its write units and its
 * read units apart (1 KB and 4 KB a unit, plus one a started unit per item: review r8-F1, F2), from
 * the items its backed-up pages record (an upper bound for pages the plan did not read). Finer shards
 * help only once there are more of them than run at once: each then gets the budget over the
 * concurrency, which the finer cut is sized by. A finer cut cannot go below one backed-up page a shard,
 * so when even that is too heavy at the plan's concurrency the Map runs fewer shards at once (task F18:
 * a small provisioned table shared by 10 shards refused restores that 2 at once could do): each then
 * gets more of the same budget, so the restore is slower but ends. The most shards at once that fit
 * follow from the finest cut's heaviest shard (its time grows with the shards at once), and one more
 * cut, sized by that concurrency, is kept when it fits too (fewer, larger shards): at most three
 * passes over the page references (review r8-F4). Refused with a ShardWriteTimeError, before any
 * item is written, when even one shard at a time cut as finely as the plan may (its shard limit, one
 * backed-up page a shard) leaves a shard too long at the fewest items its pages may hold (one a page
 * not read: task F33). When only the most items its unread pages may hold make it too long, it is
 * planned at that cut and the fewest shards at once, one a batch, and `concurrencyNote` says so. The
 * inline Map of executions started before the distributed one ignores the plan's concurrency, so
 * there it is never lowered. `seconds`: the heaviest shard's estimated time (at the most items), which
 * bounds the shards a batch may run one after the other.
 */
async function shardsWithinTime(input: ShardCutInput, planCut: CutShards, capacity: TableCapacity): Promise<TimedShards> {
  const { restore, created, maxConcurrency } = input;
  const target = created ? 'created' : 'existing';
  const budgets = { write: targetWriteUnitsPerSecond(restore.writeBudget, capacity, target), read: targetReadUnitsPerSecond(capacity, target) };
  const atOnceOf = (count: number, concurrency: number): number => Math.max(1, Math.min(count, concurrency));
  const ratesFor = (count: number, concurrency: number): ShardRates => {
    const atOnce = atOnceOf(count, concurrency);
    return { writeUnitsPerSecond: budgets.write / atOnce, readUnitsPerSecond: budgets.read / atOnce };
  };
  // Each shard's load at the most items its pages may hold (what the cut and concurrency are shaped by), or at the fewest (what alone may refuse).
  const loadsOf = (cut: CutShards, bound: 'most' | 'fewest' = 'most'): Array<{ bytes: number; items: number }> =>
    cut.shards.map((s, i) => ({ bytes: s.bytes, items: (bound === 'most' ? cut.items[i] : cut.fewestItems[i]) ?? 0 }));
  /** The heaviest shard's seconds at the rates of `concurrency` shards at once. */
  const secondsAt = (cut: CutShards, concurrency: number, bound: 'most' | 'fewest' = 'most'): number =>
    Math.max(0, ...loadsOf(cut, bound).map((load) => shardSeconds(load, ratesFor(cut.shards.length, concurrency))));
  const fits = (cut: CutShards, concurrency: number): boolean => secondsAt(cut, concurrency) <= SHARD_WRITE_SECONDS;
  const cutFor = async (concurrency: number): Promise<CutShards> => cutShards(input.reader, restore, input.totals, { ...input.budget, shardRates: ratesFor(Number.POSITIVE_INFINITY, concurrency) });
  const round = (n: number): string => String(Number(n.toPrecision(3)));
  const timed = (cut: CutShards, concurrency: number): TimedShards => {
    const at: TimedShards = { shards: cut.shards, seconds: secondsAt(cut, concurrency), maxConcurrency: concurrency };
    if (concurrency >= maxConcurrency) return at;
    return {
      ...at,
      concurrencyNote:
        `Restores at most ${concurrency} shard${concurrency === 1 ? '' : 's'} of table ${tableOf(restore)} at once, not the plan's maxConcurrency of ${maxConcurrency}: the shards that run at once share this restore's budget of ${round(budgets.write)} WCU/s and ${round(budgets.read)} RCU/s, ` +
        `and at ${maxConcurrency} at once a shard, even cut to one backed-up page, could not write and read back its items within ${SHARD_WRITE_SECONDS} s of its 15-minute Lambda run. ` +
        `Fewer at once each get more of the same budget, and the restore runs fewer shards side by side; for a faster one raise the source's writeBudget (writeUnitsPerSecond, or shareOfProvisioned of an existing table) or the table's provisioned write and read capacity.`,
    };
  };
  /**
   * Planned although a shard may need more than SHARD_WRITE_SECONDS at the most items its unread pages may hold, as at the
   * fewest it ends in time: the finest cut at the fewest shards at once, each then with the largest share, and the note says the risk.
   */
  const uncounted = (cut: CutShards, concurrency: number): TimedShards => {
    const lowered = concurrency < maxConcurrency ? `, not the plan's maxConcurrency of ${maxConcurrency}` : '';
    return {
      shards: cut.shards,
      seconds: secondsAt(cut, concurrency),
      maxConcurrency: concurrency,
      concurrencyNote:
        `Restores table ${tableOf(restore)} in ${cut.shards.length} shard${cut.shards.length === 1 ? '' : 's'}, the finest cut this plan may, at most ${concurrency} at once${lowered}, at this restore's budget of ${round(budgets.write)} WCU/s and ${round(budgets.read)} RCU/s: ` +
        `the plan read the item counts of the first ${input.budget.exactPages} manifest pages only, and a shard is charged a unit per item whatever its size. ` +
        `At one item a backed-up page every shard writes and reads back its items within ${SHARD_WRITE_SECONDS} s of its 15-minute Lambda run (the heaviest in about ${round(secondsAt(cut, concurrency, 'fewest'))} s), ` +
        `but at the most its pages' bytes could hold it would take up to about ${round(secondsAt(cut, concurrency))} s: a shard of very many tiny items could outlast its Lambda run, ` +
        `and then goes on in further runs where it stopped (at most ${MAX_RESTORE_SHARD_ROUNDS}), so the restore takes longer than planned, and fails with the execution's 24-hour timeout (a drill's, with what is left of the drill's) if the runs do not end before it. Backed-up pages hold about 64 items, so this is unlikely; to be quicker, raise the source's writeBudget (writeUnitsPerSecond, or shareOfProvisioned of an existing table) or the table's provisioned write and read capacity.`,
    };
  };

  if (fits(planCut, maxConcurrency)) return timed(planCut, maxConcurrency);
  // The finest cut: sized by the smallest share, the budget over the plan's concurrency.
  const finest = await cutFor(maxConcurrency);
  if (fits(finest, maxConcurrency)) return timed(finest, maxConcurrency);
  // A shard's time is the shards at once times its time alone: the most at once that fit, of this cut.
  const alone = secondsAt(finest, 1);
  const lowest = input.map === 'distributed' ? 1 : maxConcurrency;
  let most = Math.max(lowest, Math.min(maxConcurrency - 1, Math.floor(SHARD_WRITE_SECONDS / Math.max(alone, Number.MIN_VALUE))));
  while (most > lowest && !fits(finest, most)) most--;
  // Past exactPages the plan counts a page it did not read at the most items its bytes hold (4,096 of ~64 KB), which real pages (about 64)
  // come nowhere near: only the fewest it may hold (one an entry) can prove a shard too long (task F33); the most shape the cut and concurrency.
  if (!fits(finest, most) && secondsAt(finest, lowest, 'fewest') <= SHARD_WRITE_SECONDS) return uncounted(finest, lowest);
  if (!fits(finest, most)) {
    const rates = ratesFor(finest.shards.length, lowest);
    const atOnce = atOnceOf(finest.shards.length, lowest);
    const least = loadsOf(finest, 'fewest');
    const heaviestAt = least.reduce((a, b, i) => (shardSeconds(b, rates) > shardSeconds(least[a] ?? b, rates) ? i : a), 0);
    const heaviest = least[heaviestAt] ?? { bytes: 0, items: 0 };
    const atLeast = heaviest.items < (finest.items[heaviestAt] ?? 0) ? 'at least ' : '';
    const units = shardUnits(heaviest);
    throw new ShardWriteTimeError(
      `Restore of table ${tableOf(restore)} not started: at this restore's budget of ${round(budgets.write)} WCU/s and ${round(budgets.read)} RCU/s (${atOnce} shard${atOnce === 1 ? '' : 's'} at once${lowest < maxConcurrency ? `, the fewest, of the plan's maxConcurrency of ${maxConcurrency}` : ''}), ` +
        `a shard must write and read back its items within ${SHARD_WRITE_SECONDS} s of its 15-minute Lambda run, ` +
        `but cut into the most shards this plan may (${finest.shards.length}, of at most ${input.budget.maxShards} and one backed-up page each) the heaviest holds ${atLeast}${heaviest.items} items in ${heaviest.bytes} bytes, ` +
        `${atLeast || 'about '}${round(units.writeUnits)} write units and ${round(units.readUnits)} read units: ${atLeast || 'about '}${round(shardSeconds(heaviest, rates))} s, and would fail every retry. ` +
        `No item was written${created ? ` (the table this restore created is left empty: delete it and run the restore again once the budget is larger; restoring into it with overwrite would give the restore an existing table's quarter of its capacity unless the source's writeBudget sets shareOfProvisioned: 1, and its read-back still a quarter of its read capacity)` : ''}; ` +
        `raise the source's writeBudget (writeUnitsPerSecond, or shareOfProvisioned of an existing table) or the table's provisioned write and read capacity, and run the restore again.`,
    );
  }
  // Fewer, larger shards where they fit at that concurrency too.
  const sized = await cutFor(most);
  return timed(fits(sized, most) ? sized : finest, most);
}

function tableOf(restore: ResolvedRestore): string {
  return restore.target.type === 'dynamodb' ? restore.target.table : '';
}

/**
 * Prepares the target; `created` when it created it (a new table, whose whole capacity the restore may
 * use). A new table gets its source's protection (restored-table-protection.ts); `notes` say where it
 * has less.
 */
async function prepareTarget(restore: ResolvedRestore, schema: TableSchema | undefined, deps: PlanRestoreDeps): Promise<{ created: boolean; notes: string[] }> {
  const target = restore.target;
  if (target.type === 'filesystem') {
    const made = await openTargetDirectory(mountRootOf(deps.mountPath, deps.directory), target.path, { create: true });
    await made?.close();
  } else if (target.type === 'dynamodb' && schema) {
    const existing = await describeExistingTable(deps.dynamodb, target.table);
    if (existing && restore.overwrite) {
      checkOverwrittenTableKey(target.table, existing, schema, restore.backupId);
      return { created: false, notes: [] };
    }
    const place = deps.tablePlace ?? { region: await deps.dynamodb.config.region(), scratch: false };
    const protection = { ...restoredTableProtection(await sourceProtectionOf(schema, deps), place), ...(restore.timeToLive ? { timeToLive: restore.timeToLive } : {}) };
    // Without overwrite, resolve refused an existing table: one found now is this restore's own, made by an earlier attempt of this step.
    // That holds only under the target's claim (target-claim.ts, audit R22 F1): resolve claimed the table before it checked it, so no
    // other restore or failover can have created it in between; without the claim, one that did would be taken as ours and mixed into.
    if (existing) await finishNewTable(deps.dynamodb, schema, target.table, protection, deps.createTable);
    else await createTableFromSchema(deps.dynamodb, schema, target.table, protection, deps.createTable);
    const ttlLeftOff = restore.timeToLive === 'off' && schema.ttlAttribute ? [timeToLiveLeftOffNote(target.table, schema.ttlAttribute)] : [];
    return { created: !existing, notes: [...protection.notes, ...ttlLeftOff] };
  }
  return { created: false, notes: [] };
}

/** The table schema the backup recorded: what a new table is made from, and the key an existing one must have. */
function tableSchemaOf(source: Record<string, unknown>, restore: ResolvedRestore): TableSchema {
  const parsed = tableSchemaSchema.safeParse(source['schema']);
  if (!parsed.success) {
    const table = restore.target.type === 'dynamodb' ? restore.target.table : '';
    throw new SnapshotMismatchError(`Snapshot ${restore.snapshotId.slice(0, 12)} records no valid table schema, so table ${table} cannot be recreated or checked against it: ${parsed.error.message}`);
  }
  return parsed.data;
}

/** The protection the backup recorded; for an older snapshot, the live source's where it can be read. */
async function sourceProtectionOf(schema: TableSchema, deps: PlanRestoreDeps): Promise<TableProtection | undefined> {
  if (schema.protection) return schema.protection;
  return deps.liveSourceProtection ? deps.liveSourceProtection() : undefined;
}

/** The table's description, or undefined when there is no such table. */
async function describeExistingTable(ddb: DynamoDBClient, table: string): Promise<TableDescription | undefined> {
  try {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
    return Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as Error).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}
