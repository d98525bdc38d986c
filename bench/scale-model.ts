import { loadPriceTable, priceTableFileFor, type PriceTable } from '../cli/estimate/price-table';
import { DEFAULT_BYTES_PER_S3_SHARD, DEFAULT_KEYS_PER_S3_SHARD } from '../lambdas/sources/s3-shard-size';
import { MAX_SHARDS_PER_MANIFEST } from '../lambdas/backup/plan-backup';
import { shardsPerBatch } from '../lambdas/backup/shard-batch-size';
import { childTransitions, parentTransitions } from '../cli/estimate/backup-run-states';
import { budgetedTargetBytesPerSegment, dynamoDbSegmentCount } from '../lambdas/sources/dynamodb-segment-count';
import { shardShareOfBudget } from '../lambdas/sources/dynamodb-capacity-budget';
import { BYTES_PER_READ_UNIT } from '../lambdas/sources/read-capacity-budget';
import { DEFAULT_CHUNKER_PARAMS, INDEX_PEAK_BYTES_PER_BLOB, indexBlobCapacity, PRUNE_PEAK_BYTES_PER_BLOB } from '../vault';

/**
 * The scale model of docs/SCALE.md: what one full backup of a very large source costs and how long
 * it takes, from per-shard throughput measured by the bench (which figures: docs/SCALE.md). Pure
 * arithmetic, so test/unit/bench/scale-model.test.ts checks it to the cent and the second.
 * Run `npx tsx bench/scale-model.ts` to print the 100 TB bucket and the 10 TB table.
 */

/** What one snapshot-shard invocation does per second, and what it costs to start. */
export type ShardThroughput = {
  /** Source bytes hashed, compressed, encrypted and uploaded per second by one shard. */
  bytesPerSecond: number;
  /** Objects (GetObject + GetObjectTagging) per second of one shard, on top of the bytes. */
  objectsPerSecond: number;
  /** Fixed cost of each invocation (vault open, key unwrap, index load). */
  startupSeconds: number;
};

export type LambdaLimits = {
  /** Lambda timeout of snapshot-shard and plan-backup (900 s) less the margin they stop before it. */
  usableSeconds: number;
  shardMemoryGB: number;
  planMemoryGB: number;
  /** prune-vault's memory. @default shardMemoryGB (both are 2,048 MB) */
  pruneMemoryGB?: number;
};

export type S3ScaleInput = {
  bytes: number;
  objects: number;
  shardKeys: number;
  shardBytes: number;
  /** Keys a planning invocation lists per second (LIST pages, or an inventory report read). */
  listKeysPerSecond: number;
  listing: 'list' | 'inventory';
  /** The plan's maxConcurrency, which prices the run: the Plan step sizes the ItemBatcher's batches from it (shardsPerBatch). */
  maxConcurrency: number;
  /** Average stored (compressed, deduplicated) bytes per source byte of a full backup. */
  storedRatio: number;
  /** Prefix partitions S3 serves the source's GETs from (5,500 a second each); S3 adds them under sustained load, gradually. */
  prefixPartitions: number;
  /** Share of the objects that have tags (0–1): each of those costs a GetObjectTagging besides its GetObject (GetObject's TagCount says which). */
  taggedFraction: number;
};

export type ScaleOutcome = {
  shards: number;
  /** Work of one shard, start-up included, and the invocations it needs (a shard over the usable time resumes). */
  shardSeconds: number;
  invocationsPerShard: number;
  /** At the plan's maxConcurrency: shards per child execution (the last round's batch), child executions, and Snapshot shard invocations per child (its shards one after another). */
  shardsPerBatch: number;
  children: number;
  invocationsPerChild: number;
  planInvocations: number;
  planSeconds: number;
  lambdaGBSeconds: number;
  lambdaRequests: number;
  transitions: number;
  /** Wall time at each Map concurrency (seconds), never under the floor: the S3 request rate of the source's prefix partitions, or a table's read budget. */
  wallSeconds: Record<number, number>;
  requestRateFloorSeconds: number;
  cost: { lambda: number; stepFunctions: number; s3Requests: number; dynamodbReads: number; total: number };
  /**
   * The vault's blob index after the backup, which every shard of the next backup (and every restore
   * shard) loads whole: its blobs, its memory at the load's peak, and whether a shard's memory holds it
   * beside the shard's work (vault/blob-index/index-memory.ts). When it does not, the shards fail with
   * VaultIndexTooLargeError: the source is too large for one vault as built (docs/SCALE.md, "Index per shard").
   */
  index: { blobs: number; peakBytes: number; shardCapacity: number; fits: boolean; pruneCapacity: number; pruneFits: boolean };
};

/** S3 Inventory list price: $0.0025 per million objects listed (S3 pricing page, "Storage management"). */
export const INVENTORY_PER_MILLION_OBJECTS = 0.0025;
/** Pack size of the vault (a PUT each). */
export const PACK_BYTES = 16 * 2 ** 20;
/** S3 request rates per prefix partition (S3 performance guidelines). */
export const S3_GET_PER_PREFIX = 5500;
export const S3_PUT_PER_PREFIX = 3500;

const cents = (x: number): number => Math.round(x * 100) / 100;

/** The vault's average chunk: an object or file smaller than it is one blob, a larger one about size ÷ it (content-defined chunking). */
export const AVERAGE_CHUNK_BYTES = DEFAULT_CHUNKER_PARAMS.avgSize;

/** The index of `blobs` against one shard's memory (LambdaLimits' GB are Lambda's MB ÷ 1,024). */
function indexAt(blobs: number, limits: LambdaLimits): ScaleOutcome['index'] {
  const shardCapacity = indexBlobCapacity(limits.shardMemoryGB * 1024 * 2 ** 20);
  // Prune holds more per blob than a shard's index (vault/blob-index/index-memory.ts): the vault's first limit.
  const pruneCapacity = indexBlobCapacity((limits.pruneMemoryGB ?? limits.shardMemoryGB) * 1024 * 2 ** 20, PRUNE_PEAK_BYTES_PER_BLOB);
  return { blobs: Math.round(blobs), peakBytes: Math.round(blobs * INDEX_PEAK_BYTES_PER_BLOB), shardCapacity, fits: blobs <= shardCapacity, pruneCapacity, pruneFits: blobs <= pruneCapacity };
}

/**
 * The children of one planning round's map at `concurrency`: the Plan step's batch size for the round's shards
 * (shardsPerBatch, lambdas/backup/shard-batch-size.ts), each child running its batch's shards one after another,
 * resuming past the usable time, with one start-up per invocation.
 */
function batchesOf(shardsPerRound: number, concurrency: number, workPerShard: number, throughput: ShardThroughput, limits: LambdaLimits) {
  const batch = shardsPerBatch(shardsPerRound, concurrency);
  const work = batch * workPerShard;
  const invocations = Math.max(1, Math.ceil((throughput.startupSeconds + work) / limits.usableSeconds));
  return { batch, children: Math.ceil(shardsPerRound / batch), invocations, seconds: work + invocations * throughput.startupSeconds };
}

/** The shards of a run cut into planning rounds (a manifest each), as even as the planner's budget makes them. */
function roundsOf(shards: number, planInvocations: number): number[] {
  const base = Math.floor(shards / planInvocations);
  return Array.from({ length: planInvocations }, (_, i) => base + (i < shards - base * planInvocations ? 1 : 0));
}

/** The children of a run at `concurrency`: per round its batches; the Map of a round waits for its plan. */
function childrenOf(shards: number, planInvocations: number, concurrency: number, workPerShard: number, throughput: ShardThroughput, limits: LambdaLimits) {
  const rounds = roundsOf(shards, planInvocations).map((n) => batchesOf(n, concurrency, workPerShard, throughput, limits));
  return {
    last: rounds[rounds.length - 1] ?? batchesOf(0, concurrency, workPerShard, throughput, limits),
    children: rounds.reduce((sum, r) => sum + r.children, 0),
    invocations: rounds.reduce((sum, r) => sum + r.children * r.invocations, 0),
    childSeconds: rounds.reduce((sum, r) => sum + r.children * r.seconds, 0),
    transitions: rounds.reduce((sum, r) => sum + r.children * childTransitions(r.invocations), 0),
    // The parent's loop: Plan → Map(manifest) → Choice; each round's children in waves of `concurrency`.
    mapSeconds: rounds.reduce((sum, r) => sum + Math.ceil(r.children / concurrency) * r.seconds, 0),
  };
}

export function modelS3Backup(input: S3ScaleInput, throughput: ShardThroughput, limits: LambdaLimits, prices: PriceTable, concurrencies: readonly number[]): ScaleOutcome {
  const shards = Math.max(Math.ceil(input.objects / input.shardKeys), Math.ceil(input.bytes / input.shardBytes), 1);
  const work = input.bytes / shards / throughput.bytesPerSecond + input.objects / shards / throughput.objectsPerSecond;
  const invocationsPerShard = Math.max(1, Math.ceil((throughput.startupSeconds + work) / limits.usableSeconds));
  const shardSeconds = work + invocationsPerShard * throughput.startupSeconds;
  const planSeconds = input.objects / input.listKeysPerSecond;
  const planInvocations = Math.max(Math.ceil(planSeconds / limits.usableSeconds), Math.ceil(shards / MAX_SHARDS_PER_MANIFEST), 1);
  const priced = childrenOf(shards, planInvocations, input.maxConcurrency, work, throughput, limits);
  const lambdaGBSeconds = priced.childSeconds * limits.shardMemoryGB + planSeconds * limits.planMemoryGB;
  const lambdaRequests = priced.invocations + planInvocations;
  // One replication pass (the scale model prices the source side of a run).
  const transitions = parentTransitions(planInvocations, 1) + priced.transitions;
  const pages = Math.ceil(input.objects / 1000);
  // Shards list their own ranges again; the planner lists once (or reads the inventory, priced per object).
  const listRequests = pages + (input.listing === 'list' ? pages : 0);
  const packs = Math.ceil((input.bytes * input.storedRatio) / PACK_BYTES);
  // A GetObject an object, and a GetObjectTagging for a tagged one (its TagCount says so; lambdas/sources/s3-object-entries.ts).
  const gets = input.objects * (1 + input.taggedFraction);
  const s3Requests =
    ((listRequests + packs + shards) / 1000) * prices.s3.putCopyPostListPer1000 +
    (gets / 1000) * prices.s3.getSelectPer1000 +
    (input.listing === 'inventory' ? (input.objects / 1e6) * INVENTORY_PER_MILLION_OBJECTS : 0);
  const lambda = lambdaGBSeconds * prices.lambda.arm64PerGBSecond + (lambdaRequests / 1e6) * prices.lambda.requestsPerMillion;
  const stepFunctions = (transitions / 1000) * prices.stepFunctions.standardPerThousandTransitions;
  // Those GETs against 5,500 a second per prefix partition.
  const requestRateFloorSeconds = Math.round(gets / (S3_GET_PER_PREFIX * input.prefixPartitions));
  const wallSeconds: Record<number, number> = {};
  // Each wall figure is a plan of that maxConcurrency: its own batches.
  for (const c of concurrencies) wallSeconds[c] = Math.max(requestRateFloorSeconds, Math.round(planSeconds + childrenOf(shards, planInvocations, c, work, throughput, limits).mapSeconds));
  return {
    shards,
    shardSeconds: Math.round(shardSeconds * 10) / 10,
    invocationsPerShard,
    shardsPerBatch: priced.last.batch,
    children: priced.children,
    invocationsPerChild: priced.last.invocations,
    planInvocations,
    planSeconds: Math.round(planSeconds),
    lambdaGBSeconds: Math.round(lambdaGBSeconds),
    lambdaRequests,
    transitions,
    wallSeconds,
    requestRateFloorSeconds,
    cost: { lambda: cents(lambda), stepFunctions: cents(stepFunctions), s3Requests: cents(s3Requests), dynamodbReads: 0, total: cents(lambda + stepFunctions + s3Requests) },
    // Objects of even size: each at least one blob (no dedup between objects assumed).
    index: indexAt(input.objects * Math.max(1, input.bytes / input.objects / AVERAGE_CHUNK_BYTES), limits),
  };
}

export type DynamoDbScaleInput = {
  bytes: number;
  /** The table's items (DescribeTable's ItemCount): the planner adds segments past 2 million items each. @default 0 */
  itemCount?: number;
  /** Read units a second the backup may use (its budget, all segments together); a strongly consistent read unit is 4 KB. */
  readUnitsPerSecond: number;
  /** The plan's maxConcurrency (prices the run; see S3ScaleInput). */
  maxConcurrency: number;
};

/**
 * Bytes a second one segment scans in a plan of `concurrency`: the pipeline's rate, or its share of the
 * read budget if that is less. The planner gives each segment the budget over the segments that may run
 * at once (shardShareOfBudget), so a segment's Lambda is billed while it waits on its share, not only
 * while the pipeline works.
 */
function segmentBytesPerSecond(input: DynamoDbScaleInput, segments: number, concurrency: number, throughput: ShardThroughput): number {
  const budgetBytesPerSecond = shardShareOfBudget(input.readUnitsPerSecond, segments, concurrency) * BYTES_PER_READ_UNIT;
  return Math.min(throughput.bytesPerSecond, budgetBytesPerSecond);
}

/** The segments the planner cuts a table into for a plan of `concurrency` (planTableShards, lambdas/backup/plan-backup.ts). */
function segmentsOf(input: DynamoDbScaleInput, concurrency: number): number {
  const targetBytesPerSegment = budgetedTargetBytesPerSegment(input.readUnitsPerSecond, concurrency);
  return dynamoDbSegmentCount({ sizeBytes: input.bytes, itemCount: input.itemCount ?? 0 }, { targetBytesPerSegment });
}

export function modelDynamoDbBackup(input: DynamoDbScaleInput, throughput: ShardThroughput, limits: LambdaLimits, prices: PriceTable, concurrencies: readonly number[]): ScaleOutcome {
  const shards = segmentsOf(input, input.maxConcurrency);
  const work = input.bytes / shards / segmentBytesPerSecond(input, shards, input.maxConcurrency, throughput);
  const invocationsPerShard = Math.max(1, Math.ceil((throughput.startupSeconds + work) / limits.usableSeconds));
  const shardSeconds = work + invocationsPerShard * throughput.startupSeconds;
  const readUnits = Math.ceil(input.bytes / BYTES_PER_READ_UNIT);
  const priced = childrenOf(shards, 1, input.maxConcurrency, work, throughput, limits);
  const lambdaGBSeconds = priced.childSeconds * limits.shardMemoryGB;
  const lambdaRequests = priced.invocations + 1;
  const transitions = parentTransitions(1, 1) + priced.transitions;
  const lambda = lambdaGBSeconds * prices.lambda.arm64PerGBSecond + (lambdaRequests / 1e6) * prices.lambda.requestsPerMillion;
  const stepFunctions = (transitions / 1000) * prices.stepFunctions.standardPerThousandTransitions;
  const dynamodbReads = (readUnits / 1e6) * prices.dynamodb.onDemandReadUnitsPerMillion;
  // The read budget is a floor no concurrency lowers: the table serves at most readUnitsPerSecond × 4 KB a second to the backup.
  const budgetFloor = input.bytes / (input.readUnitsPerSecond * BYTES_PER_READ_UNIT);
  const wallSeconds: Record<number, number> = {};
  // Each wall figure is a plan of that maxConcurrency: its own segments, budget shares and batches.
  for (const c of concurrencies) {
    const segments = segmentsOf(input, c);
    const segmentWork = input.bytes / segments / segmentBytesPerSecond(input, segments, c, throughput);
    wallSeconds[c] = Math.round(Math.max(childrenOf(segments, 1, c, segmentWork, throughput, limits).mapSeconds, budgetFloor));
  }
  return {
    shards,
    shardSeconds: Math.round(shardSeconds * 10) / 10,
    invocationsPerShard,
    shardsPerBatch: priced.last.batch,
    children: priced.children,
    invocationsPerChild: priced.last.invocations,
    planInvocations: 1,
    planSeconds: 0,
    lambdaGBSeconds: Math.round(lambdaGBSeconds),
    lambdaRequests,
    transitions,
    wallSeconds,
    requestRateFloorSeconds: Math.round(budgetFloor),
    cost: { lambda: cents(lambda), stepFunctions: cents(stepFunctions), s3Requests: 0, dynamodbReads: cents(dynamodbReads), total: cents(lambda + stepFunctions + dynamodbReads) },
    // The scan's pages are chunked like any content.
    index: indexAt(input.bytes / AVERAGE_CHUNK_BYTES, limits),
  };
}

const TB = 1e12;

/**
 * The figures docs/SCALE.md derives (and says where each comes from): S3 shard throughput from the
 * bench's S3 section (backup 50–53 MB/s over 4 shards on 2 cores: 25 MB/s per core, a shard of
 * snapshot-shard's 2,048 MB has a bit more than one vCPU); the planner's listing rate from the
 * plan-scale section; objects a second, start-up and the DynamoDB per-segment pipeline rate are
 * assumptions (SCALE.md says why). A DynamoDB segment scans at that rate or its share of the read
 * budget, whichever is less (modelDynamoDbBackup).
 */
export const MEASURED_S3_SHARD: ShardThroughput = { bytesPerSecond: 25e6, objectsPerSecond: 400, startupSeconds: 3 };
export const ASSUMED_DYNAMODB_SEGMENT: ShardThroughput = { bytesPerSecond: 10e6, objectsPerSecond: Infinity, startupSeconds: 3 };
export const LAMBDA_LIMITS: LambdaLimits = { usableSeconds: 840, shardMemoryGB: 2, planMemoryGB: 0.5 };
export const BUCKET_100TB: Omit<S3ScaleInput, 'listKeysPerSecond' | 'listing'> = {
  bytes: 100 * TB,
  objects: 1e9,
  shardKeys: DEFAULT_KEYS_PER_S3_SHARD,
  shardBytes: DEFAULT_BYTES_PER_S3_SHARD,
  maxConcurrency: 100,
  storedRatio: 1,
  prefixPartitions: 10,
  taggedFraction: 0.1,
};
export const TABLE_10TB: DynamoDbScaleInput = { bytes: 10 * TB, readUnitsPerSecond: 40_000, maxConcurrency: 100 };

function printOutcome(title: string, o: ScaleOutcome, maxConcurrency: number): void {
  const h = (s: number): string => `${(s / 3600).toFixed(1)} h`;
  const lines = [
    title,
    `  shards ${o.shards.toLocaleString('en-US')} (${o.shardSeconds} s each, ${o.invocationsPerShard} invocation(s) each); planning ${o.planInvocations} invocation(s), ${h(o.planSeconds)}`,
    `  at maxConcurrency ${maxConcurrency}: ${o.children.toLocaleString('en-US')} child executions of up to ${o.shardsPerBatch} shard(s), ${o.invocationsPerChild} invocation(s) each`,
    `  Lambda ${o.lambdaGBSeconds.toLocaleString('en-US')} GB-s in ${o.lambdaRequests.toLocaleString('en-US')} requests; Step Functions ${o.transitions.toLocaleString('en-US')} transitions`,
    `  wall ${Object.entries(o.wallSeconds)
      .map(([c, s]) => `${h(s)} at concurrency ${c}`)
      .join(', ')}; floor ${h(o.requestRateFloorSeconds)} (S3 GETs at 5,500/s per prefix partition, or the table's read budget)`,
    `  index after the backup ${o.index.blobs.toLocaleString('en-US')} blobs, ${(o.index.peakBytes / 1e9).toFixed(1)} GB at the load's peak: ${o.index.fits ? 'fits' : 'does NOT fit'} a shard of ${LAMBDA_LIMITS.shardMemoryGB * 1024} MB (${o.index.shardCapacity.toLocaleString('en-US')} blobs at most)${o.index.fits ? '' : ': backup shards that start once the index has grown past that (this backup\'s later ones, every later backup\'s) fail with VaultIndexTooLargeError; restore shards load only their own blobs\' locations'}; prune ${o.index.pruneFits ? 'fits' : 'does NOT fit'} (${o.index.pruneCapacity.toLocaleString('en-US')} blobs at most)`,
    `  cost $${o.cost.total.toFixed(2)} (Lambda $${o.cost.lambda.toFixed(2)}, Step Functions $${o.cost.stepFunctions.toFixed(2)}, S3 requests $${o.cost.s3Requests.toFixed(2)}, DynamoDB reads $${o.cost.dynamodbReads.toFixed(2)})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  const prices = loadPriceTable(priceTableFileFor('us-east-1'));
  const listRate = Number(process.argv[2] ?? 15_000);
  const inventoryRate = Number(process.argv[3] ?? 200_000);
  const concurrencies = [100, 1000];
  process.stdout.write(`Scale model (prices ${prices.region} ${prices.date}; planner ${listRate} keys/s by LIST, ${inventoryRate} keys/s from an inventory)\n`);
  printOutcome('100 TB, 1 billion objects, listed with LIST:', modelS3Backup({ ...BUCKET_100TB, listKeysPerSecond: listRate, listing: 'list' }, MEASURED_S3_SHARD, LAMBDA_LIMITS, prices, concurrencies), BUCKET_100TB.maxConcurrency);
  printOutcome('100 TB, 1 billion objects, planned from S3 Inventory:', modelS3Backup({ ...BUCKET_100TB, listKeysPerSecond: inventoryRate, listing: 'inventory' }, MEASURED_S3_SHARD, LAMBDA_LIMITS, prices, concurrencies), BUCKET_100TB.maxConcurrency);
  printOutcome('DynamoDB 10 TB, read budget 40,000 RCU/s:', modelDynamoDbBackup(TABLE_10TB, ASSUMED_DYNAMODB_SEGMENT, LAMBDA_LIMITS, prices, concurrencies), TABLE_10TB.maxConcurrency);
}
