import { type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDbTableSourceConfig, type ProtectionPlanConfig, type S3BucketSourceConfig, type SourceConfig } from '../../config/lifeboat-config';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { markDeployedFormat } from '../catalog/catalog-format';
import { type BackupRecord, type BackupStrategy } from '../catalog/backup-record';
import { InvalidInputError } from '../runtime/errors';
import { planDirectoryShards, resolveSourceRoot } from '../sources/directory-source';
import { shardShareOfBudget, sourceReadUnitsPerSecond } from '../sources/dynamodb-capacity-budget';
import { budgetedTargetBytesPerSegment, dynamoDbSegmentCount } from '../sources/dynamodb-segment-count';
import { captureTable, type CapturedTable } from '../sources/dynamodb-table-schema';
import { planDynamoDbShards } from '../sources/dynamodb-table-source';
import { listS3Objects, type S3ObjectSummary } from '../sources/s3-bucket-source';
import { type InventoryPosition, type InventoryReport, latestInventoryReport, listInventoryObjects } from '../sources/s3-inventory-listing';
import { cutS3KeyRanges } from '../sources/s3-key-range-cutter';
import { headLiveObject, type LiveObjectLookup } from '../sources/s3-live-object';
import { s3ObjectPieces } from '../sources/s3-object-pieces';
import { checkS3Source } from '../sources/s3-source-check';
import { namingS3Source, s3SourceReadError } from '../sources/s3-source-read-error';
import { DEFAULT_S3_SHARD_SIZE, type S3ShardSize } from '../sources/s3-shard-size';
import { type ShardSpec } from '../sources/shard-spec';
import { type Vault } from '../../vault';
import { type BackupPlanDocument, type PlannedSource } from './backup-plan-document';
import { BackupWorkspace, planKey as planKeyOf } from './backup-workspace';
import { type BackupRequest } from './backup-lease';
import { selectParents, type SourceParent } from './parent-selection';
import { type PlanContinuation } from './plan-continuation';

export type PlanBackupDeps = {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  /** The primary vault, opened with create=true (the first backup initialises it). */
  vault: Vault;
  catalog: BackupCatalog;
  plans: readonly ProtectionPlanConfig[];
  environment: string;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Milliseconds left in this invocation (the Lambda's getRemainingTimeInMillis); absent = no limit. */
  deadline?: () => number;
  /** Shard size of S3 sources (defaults: DEFAULT_S3_SHARD_SIZE, docs/SCALE.md). */
  s3ShardSize?: Partial<S3ShardSize>;
  /** Shards one invocation writes to its manifest at most (default MAX_SHARDS_PER_MANIFEST). */
  maxShardsPerManifest?: number;
  /**
   * The primary vault's packs the latest scrub record holds with no good copy (scrub-lost-packs.ts), read by the first
   * invocation into the plan document, whose shards' writers leave them out of their dedup (fix f58R). @default none
   */
  lostPacks?: () => Promise<readonly string[]>;
};

export type PlanBackupInput = BackupRequest & { backupId: string; continuation?: PlanContinuation };

export type PlannedBackup = {
  backupId: string;
  plan: string;
  planKey: string;
  strategy: BackupStrategy;
  /** The Map state's MaxConcurrency (MaxConcurrencyPath): the plan's own bound, independent of the shard count. */
  maxConcurrency: number;
  /** The manifest this invocation wrote: the Distributed Map's ItemReader reads it. */
  shardManifestKey: string;
  shardsInManifest: number;
  /** Shards planned so far, over every invocation of this backup. */
  shardCount: number;
  /** True when the listing is complete (shardCount is final); otherwise plan again with `continuation`. */
  done: boolean;
  continuation?: PlanContinuation;
  /** The S3 Inventory reports this invocation chose (a source resumed from a continuation keeps the report named there). */
  inventoryReports?: InventoryReportUsed[];
};

/** An S3 Inventory report a source is planned from, and its age when chosen: an old one costs shard balance, never coverage. */
export type InventoryReportUsed = { source: string; manifestKey: string; createdAt: string; ageHours: number; stale: boolean };

/** A report older than a weekly inventory's interval plus a day: its configuration has likely stopped delivering. */
export const STALE_INVENTORY_REPORT_HOURS = 8 * 24;

/**
 * Shards one manifest holds at most: a line is 0.2–2.2 KB (S3 keys are up to 1 KiB), so a manifest
 * stays under about 20 MB in the worst case and 2–3 MB typically, and it is buffered whole before
 * its one PUT. 10,000 is also the Distributed Map's limit of parallel child executions.
 */
export const MAX_SHARDS_PER_MANIFEST = 10_000;

/** Time kept back from the deadline to write the manifest and plan and return: 60 s, or 10 % of a larger budget. */
const MIN_MARGIN_MS = 60_000;

/**
 * Plans a backup run, in one or several invocations. The first chooses each source's parent
 * snapshot by strategy, records the backup RUNNING in the catalog (before reading any source, so a
 * source that fails planning leaves a record to mark FAILED), captures what restore needs beyond
 * the entries (a table's schema) and stores the plan document in the vault bucket. Every
 * invocation streams sources into shards (S3 by key range as the listing goes, DynamoDB by scan
 * segment, directories by subtree) and writes them to its own shard manifest; when the deadline
 * nears or the manifest is full it stops at a shard boundary and returns a continuation, and the
 * next invocation resumes the listing after that boundary. Memory: one manifest's shards, never a
 * source's keys. Only keys and counts go back to the workflow.
 */
export async function planBackup(input: PlanBackupInput, deps: PlanBackupDeps): Promise<PlannedBackup> {
  const plan = deps.plans.find((p) => p.name === input.plan);
  if (!plan) {
    throw new InvalidInputError(`Unknown plan "${input.plan}"; this environment's plans are: ${deps.plans.map((p) => p.name).join(', ')}.`);
  }
  const workspace = new BackupWorkspace(deps.vault.store);
  const continuation = input.continuation;
  const planning = withTableCapture(deps);
  const document = continuation ? await continuedPlan(workspace, input.backupId, continuation) : await startPlan(input, plan, planning);
  const seq = continuation?.seq ?? 0;

  const shards = await planShards(plan, continuation, planning);
  const manifestKey = await workspace.putShardManifest(input.backupId, seq, shards.specs);
  const shardCount = shards.nextShardIndex;
  const done = shards.stop === undefined;
  // A retried invocation rewrites its own manifest under the same key: the list keeps one entry per seq.
  const updated: BackupPlanDocument = {
    ...document,
    shardManifests: [...document.shardManifests.slice(0, seq), manifestKey],
    ...(done ? { shardCount } : {}),
  };
  const planKey = await workspace.putPlan(updated);

  // The shards planned so far; the commit records the final count when planning took several invocations. A record
  // no longer RUNNING (the run was stopped and marked FAILED meanwhile) is left as it was marked.
  if (!continuation) await deps.catalog.recordPlannedShards(input.backupId, shardCount);
  return {
    backupId: input.backupId,
    plan: plan.name,
    planKey,
    strategy: document.strategy,
    maxConcurrency: plan.maxConcurrency,
    shardManifestKey: manifestKey,
    shardsInManifest: shards.specs.length,
    shardCount,
    done,
    ...(shards.stop ? { continuation: { planKey, seq: seq + 1, nextShardIndex: shardCount, ...shards.stop } } : {}),
    ...(shards.inventoryReports.length > 0 ? { inventoryReports: shards.inventoryReports } : {}),
  };
}

/** The deps of one invocation, with each table described once: its schema (first invocation) and its size and capacity (its segments) come from one DescribeTable. */
type PlanningDeps = PlanBackupDeps & { table: (name: string) => Promise<CapturedTable> };

function withTableCapture(deps: PlanBackupDeps): PlanningDeps {
  const captured = new Map<string, Promise<CapturedTable>>();
  const table = (name: string): Promise<CapturedTable> => {
    let capture = captured.get(name);
    if (!capture) captured.set(name, (capture = captureTable(deps.dynamodb, name)));
    return capture;
  };
  return { ...deps, table };
}

/**
 * The first invocation's document: parents chosen, the backup recorded RUNNING, sources described, no shard manifest
 * yet. The record comes before anything that reads a source (describing a table, listing a bucket or directory), the
 * usual way a source breaks (deleted, AccessDenied): the workflow's Record failure then has a record to mark FAILED
 * with the error, and status and `backups list` show the run instead of an older commit as the newest.
 */
async function startPlan(input: PlanBackupInput, plan: ProtectionPlanConfig, deps: PlanningDeps): Promise<BackupPlanDocument> {
  const now = (deps.now ?? (() => new Date()))();
  const requestedStrategy = input.strategy ?? plan.strategy;
  const selection = await selectParents(
    deps.catalog,
    plan.sources.map((s) => s.name),
    requestedStrategy,
  );
  const head: Omit<BackupPlanDocument, 'sources' | 'shardManifests'> = {
    backupId: input.backupId,
    plan: plan.name,
    environment: deps.environment,
    strategy: selection.strategy,
    requestedStrategy,
    ...(selection.parentBackupId ? { parentBackupId: selection.parentBackupId } : {}),
    ...(selection.baseBackupId ? { baseBackupId: selection.baseBackupId } : {}),
    createdAt: now.toISOString(),
    ...(input.trigger ? { trigger: input.trigger } : {}),
  };
  // A retried first invocation finds the record its earlier attempt wrote, and keeps its start.
  const { startedAt } = await recordRunning(head, plan, deps);
  const sources: PlannedSource[] = [];
  for (const source of plan.sources) sources.push(await describeSource(source, selection.parents.get(source.name) ?? null, deps));
  const lostPacks = [...((await deps.lostPacks?.()) ?? [])];
  return { ...head, createdAt: startedAt, sources, shardManifests: [], ...(lostPacks.length > 0 ? { lostPacks } : {}) };
}

/** A later invocation's document: the one the earlier invocations wrote, checked to be still planning. */
async function continuedPlan(workspace: BackupWorkspace, backupId: string, continuation: PlanContinuation): Promise<BackupPlanDocument> {
  if (continuation.planKey !== planKeyOf(backupId)) {
    throw new InvalidInputError(`continuation.planKey ${JSON.stringify(continuation.planKey)} is not the plan of backup ${backupId} (${planKeyOf(backupId)}).`);
  }
  const document = await workspace.getPlan(continuation.planKey, backupId);
  if (document.shardManifests.length < continuation.seq) {
    throw new InvalidInputError(
      `Backup ${backupId}: the continuation asks for shard manifest ${continuation.seq}, but the plan has ${document.shardManifests.length}; it does not come from this plan's last invocation.`,
    );
  }
  if (document.shardCount !== undefined && document.shardManifests.length <= continuation.seq) {
    throw new InvalidInputError(`Backup ${backupId} finished planning (${document.shardCount} shards); a continuation past its last manifest is not from this run.`);
  }
  return document;
}

async function recordRunning(head: Omit<BackupPlanDocument, 'sources' | 'shardManifests'>, plan: ProtectionPlanConfig, deps: PlanBackupDeps): Promise<BackupRecord> {
  // Every backup marks the catalog with the format this deployment writes, so a later CLI that knows less refuses to
  // write through it (catalog-format.ts); the Plan role's UpdateItem and GetItem of the FORMAT partition allow it. A marking that
  // fails (an invalid marker, a throttle) is logged, not fatal: it guards CLIs, and failing a backup over it would protect nothing.
  await markDeployedFormat(deps.catalog.formatMarker());
  return deps.catalog.createBackup({
    backupId: head.backupId,
    plan: plan.name,
    environment: deps.environment,
    sourceNames: plan.sources.map((s) => s.name),
    sources: [],
    strategy: head.strategy,
    ...(head.requestedStrategy !== head.strategy ? { requestedStrategy: head.requestedStrategy } : {}),
    ...(head.parentBackupId ? { parentBackupId: head.parentBackupId } : {}),
    ...(head.baseBackupId ? { baseBackupId: head.baseBackupId } : {}),
    status: 'RUNNING',
    startedAt: head.createdAt,
    // None planned yet: set once this invocation's shards are (recordPlannedShards), and 0 on a run whose planning failed.
    shardCount: 0,
    ...(head.trigger ? { trigger: head.trigger } : {}),
  });
}

async function describeSource(source: SourceConfig, parent: SourceParent, deps: PlanningDeps): Promise<PlannedSource> {
  if (source.type === 's3') {
    // Fails early, naming the source and its bucket, rather than with S3's bare NoSuchBucket in the listing or every shard.
    await checkS3Source(deps.s3, source);
    return { name: source.name, type: 's3', parent, snapshotSource: { kind: 's3', id: source.name, bucket: source.bucket, prefix: source.prefix } };
  }
  if (source.type === 'dynamodb') {
    // Fails early, naming the table, rather than in every shard; and restore needs the schema.
    const { schema } = await deps.table(source.table);
    return {
      name: source.name,
      type: 'dynamodb',
      parent,
      snapshotSource: { kind: 'dynamodb', id: source.name, table: source.table, schema },
      keyAttributes: schema.keySchema.map((k) => k.AttributeName),
    };
  }
  return { name: source.name, type: 'filesystem', parent, snapshotSource: { kind: 'filesystem', id: source.name, path: source.path } };
}

type PlannedShards = { specs: ShardSpec[]; nextShardIndex: number; stop?: Pick<PlanContinuation, 'sourceIndex' | 's3'>; inventoryReports: InventoryReportUsed[] };

/**
 * This invocation's shards: from where the continuation says (or the first source) on, until every
 * source is planned, the manifest is full or the deadline nears. It always plans at least one shard,
 * so a run of invocations always ends, whatever the budget.
 */
async function planShards(plan: ProtectionPlanConfig, continuation: PlanContinuation | undefined, deps: PlanningDeps): Promise<PlannedShards> {
  const specs: ShardSpec[] = [];
  let nextShardIndex = continuation?.nextShardIndex ?? 0;
  const maxShards = Math.max(1, deps.maxShardsPerManifest ?? MAX_SHARDS_PER_MANIFEST);
  const budget = deps.deadline?.();
  const margin = budget === undefined ? 0 : Math.max(MIN_MARGIN_MS, budget / 10);
  const mustStop = (): boolean => specs.length >= maxShards || (deps.deadline !== undefined && deps.deadline() < margin);
  const add = (spec: ShardSpec): void => {
    specs.push(spec);
    nextShardIndex++;
  };
  const inventoryReports: InventoryReportUsed[] = [];

  for (let sourceIndex = continuation?.sourceIndex ?? 0; sourceIndex < plan.sources.length; sourceIndex++) {
    const source = plan.sources[sourceIndex] as SourceConfig;
    const resume = sourceIndex === continuation?.sourceIndex ? continuation.s3 : undefined;
    if (specs.length > 0 && resume === undefined && mustStop()) return { specs, nextShardIndex, stop: { sourceIndex }, inventoryReports };
    if (source.type === 's3') {
      const stoppedAt = await planS3Source(source, resume, { next: () => nextShardIndex, add, mustStop }, { ...deps, chose: (report) => inventoryReports.push(report) });
      if (stoppedAt) return { specs, nextShardIndex, stop: { sourceIndex, s3: stoppedAt }, inventoryReports };
    } else if (source.type === 'dynamodb') {
      for (const spec of await planTableShards(source, plan, nextShardIndex, deps)) add(spec);
    } else {
      const root = resolveSourceRoot(source.path, deps.env);
      for (const spec of await planDirectoryShards(source, root, { maxShards: plan.maxConcurrency, firstIndex: nextShardIndex })) add(spec);
    }
  }
  return { specs, nextShardIndex, inventoryReports };
}

/**
 * One bucket (or what is left of it after `resume.startAfter`) into key-range shards as its listing
 * streams; an object larger than a shard's bytes into one s3-range shard per byte range (its key
 * range skips it), so that no shard reads more than the budget. From an inventory report, such an
 * object is split by its ETag and size of now (one HeadObject each, in the cutter), so one rewritten
 * since the report is backed up in its new version instead of failing every run until the next report.
 * Returns where it stopped (a shard boundary) when `mustStop` says so after a closed range;
 * undefined when the listing ended (the last shard is open above).
 */
async function planS3Source(
  source: S3BucketSourceConfig,
  resume: PlanContinuation['s3'],
  shards: { next: () => number; add: (spec: ShardSpec) => void; mustStop: () => boolean },
  deps: PlanBackupDeps & { chose: (report: InventoryReportUsed) => void },
): Promise<PlanContinuation['s3'] | undefined> {
  const size: S3ShardSize = { ...DEFAULT_S3_SHARD_SIZE, ...deps.s3ShardSize };
  const place = { source: source.name, bucket: source.bucket, prefix: source.prefix };
  const startAfter = resume?.startAfter;
  let objects: AsyncIterable<S3ObjectSummary>;
  let inventoryManifest: { inventoryManifest: string; inventoryManifestMd5?: string } | undefined;
  let lookUp: { lookUp: LiveObjectLookup } | undefined;
  const position: InventoryPosition = { file: resume?.inventoryFile ?? 0 };
  if (source.inventory) {
    // The step that chooses the report plans from the manifest bytes it checked; a continuing step reads them again and
    // checks they are still the ones chosen (their MD5 travels in the continuation).
    const report =
      resume?.inventoryManifest !== undefined
        ? { manifestKey: resume.inventoryManifest, ...(resume.inventoryManifestMd5 !== undefined ? { manifestMd5: resume.inventoryManifestMd5 } : {}) }
        : await chooseInventoryReport(source, source.inventory, deps);
    inventoryManifest = { inventoryManifest: report.manifestKey, ...(report.manifestMd5 !== undefined ? { inventoryManifestMd5: report.manifestMd5 } : {}) };
    objects = listInventoryObjects(deps.s3, source.inventory.bucket, report.manifestKey, {
      source: source.name,
      sourceBucket: source.bucket,
      prefix: source.prefix,
      position,
      ...(startAfter !== undefined ? { startAfter } : {}),
      ...('manifest' in report ? { manifestBody: report.manifest } : {}),
      ...(report.manifestMd5 !== undefined ? { manifestMd5: report.manifestMd5 } : {}),
    });
    // A report is a day or a week old: the objects it lists above the budget are split as they are now, never by the report's ETag.
    const live = headLiveObject(deps.s3, source.bucket);
    lookUp = {
      lookUp: async (key) => {
        try {
          return await live(key);
        } catch (err) {
          throw s3SourceReadError(err, { ...place, key }, 'read');
        }
      },
    };
  } else {
    objects = namingS3Source(listS3Objects(deps.s3, source.bucket, source.prefix, startAfter !== undefined ? { startAfter } : {}), place);
  }
  for await (const cut of cutS3KeyRanges(objects, size, { bucket: source.bucket, ...(startAfter !== undefined ? { startAfter } : {}), ...lookUp })) {
    const split = cut.split;
    shards.add({ kind: 's3', index: shards.next(), source: source.name, bucket: source.bucket, prefix: source.prefix, ...cut.range, ...(split ? { splitKeys: [split.key] } : {}) });
    // An object above the byte budget: one shard per byte range, planned with the range that skips it.
    if (split) {
      for (const piece of s3ObjectPieces(split.size, size.bytes)) {
        shards.add({ kind: 's3-range', index: shards.next(), source: source.name, bucket: source.bucket, key: split.key, etag: split.etag, size: split.size, ...piece });
      }
    }
    if (cut.closed && cut.range.endAt !== undefined && shards.mustStop()) {
      return { startAfter: cut.range.endAt, ...(inventoryManifest !== undefined ? { ...inventoryManifest, inventoryFile: position.file } : {}) };
    }
  }
  return undefined;
}

/**
 * The newest complete inventory report of the source, its age told to `deps.chose` and, when older than
 * STALE_INVENTORY_REPORT_HOURS, logged as a warning: planning goes on (shards list their own ranges),
 * but boundaries from an old report balance shards poorly, and it usually means delivery stopped. Newer
 * reports passed over for a manifest that does not match its checksum are logged as warnings too: unlike
 * one still arriving, they will not complete, and each run plans from an ever older report until fixed.
 */
async function chooseInventoryReport(
  source: S3BucketSourceConfig,
  inventory: NonNullable<S3BucketSourceConfig['inventory']>,
  deps: PlanBackupDeps & { chose: (report: InventoryReportUsed) => void },
): Promise<InventoryReport> {
  const report = await latestInventoryReport(deps.s3, source.bucket, inventory, source.name);
  for (const manifestKey of report.mismatched) {
    const warning = `passed over S3 Inventory report s3://${inventory.bucket}/${manifestKey}: its manifest.checksum is not the MD5 of its manifest.json (torn or rewritten since S3 delivered it); planning from the older s3://${inventory.bucket}/${report.manifestKey}.`;
    console.warn(JSON.stringify({ level: 'WARN', source: source.name, warning }));
  }
  const now = (deps.now ?? (() => new Date()))();
  const ageHours = Math.floor((now.getTime() - report.createdAt.getTime()) / 3_600_000);
  const stale = ageHours > STALE_INVENTORY_REPORT_HOURS;
  deps.chose({ source: source.name, manifestKey: report.manifestKey, createdAt: report.createdAt.toISOString(), ageHours, stale });
  if (stale) {
    const warning = `planning from S3 Inventory report s3://${inventory.bucket}/${report.manifestKey}, ${Math.floor(ageHours / 24)} days old: check that the inventory configuration still delivers (daily or weekly); shards are balanced by this report's keys and sizes.`;
    console.warn(JSON.stringify({ level: 'WARN', source: source.name, warning }));
  }
  return report;
}

/**
 * A table's scan segments, by its size (not capped by concurrency: the Map's MaxConcurrency bounds how
 * many run at once), each with its share of the source's read budget (dynamodb-capacity-budget.ts).
 */
async function planTableShards(source: DynamoDbTableSourceConfig, plan: ProtectionPlanConfig, firstIndex: number, deps: PlanningDeps): Promise<ShardSpec[]> {
  const { size, capacity } = await deps.table(source.table);
  const readUnitsPerSecond = sourceReadUnitsPerSecond(source.readBudget, capacity);
  const segments = source.scanSegments ?? dynamoDbSegmentCount(size, { targetBytesPerSegment: budgetedTargetBytesPerSegment(readUnitsPerSecond, plan.maxConcurrency) });
  return planDynamoDbShards(source, {
    segments,
    firstIndex,
    readUnitsPerSecond: shardShareOfBudget(readUnitsPerSecond, segments, plan.maxConcurrency),
    ...(size.itemCount > 0 ? { averageItemBytes: size.sizeBytes / size.itemCount } : {}),
  });
}
