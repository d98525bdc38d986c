import { FIXED_PRICES } from '../../support/fixed-price-table';
import { modelDynamoDbBackup, modelS3Backup } from '../../../bench/scale-model';

/** The scale model's arithmetic on worked examples (docs/SCALE.md), to the cent and the second. */

const prices = FIXED_PRICES;
const throughput = { bytesPerSecond: 25e6, objectsPerSecond: 400, startupSeconds: 3 };
const limits = { usableSeconds: 840, shardMemoryGB: 2, planMemoryGB: 0.5 };

it('10 TB in 100 million objects, listed at 10,000 keys/s', () => {
  const outcome = modelS3Backup(
    { bytes: 1e13, objects: 1e8, shardKeys: 20_000, shardBytes: 2 ** 30, listKeysPerSecond: 10_000, listing: 'list', maxConcurrency: 100, storedRatio: 1, prefixPartitions: 10, taggedFraction: 1 },
    throughput,
    limits,
    prices,
    [100, 1000],
  );
  // Shards: by keys 1e8 / 20,000 = 5,000; by bytes 1e13 / 2^30 = 9,313.2 → 9,314 (the larger).
  // A shard: 1e13 / 9,314 / 25e6 = 42.95 s of bytes + 1e8 / 9,314 / 400 = 26.84 s of objects + 3 s start-up = 72.79 s (one invocation).
  // Planning: 1e8 / 10,000 = 10,000 s = 12 invocations of 840 s: rounds of 777 (2) and 776 (10) shards.
  // Batches at maxConcurrency 100: shardsPerBatch(776, 100) = 3 → 259 children a round, 3,108 in all, each 3 × 69.787 + 3 = 212.36 s in one invocation.
  // GB-s: 3,108 × 212.36 × 2 + 10,000 × 0.5 = 1,325,044; requests 3,108 + 12 = 3,120.
  // Transitions: the parent 12 + 11 later rounds × 3 = 45, + 3 per child × 3,108 = 9,369.
  // S3: (2 × 100,000 LIST + 596,047 packs of 16 MiB + 9,314 parts) × $0.005/1000 = $4.03; 2e8 GETs × $0.0004/1000 = $80.00.
  // Wall at 100: 259 children a round → 3 waves; 10,000 + 12 × 3 × 212.36 = 17,645 s; at 1,000: batches of 1, one wave, 10,000 + 12 × 72.787 = 10,873 s.
  // Floor: 2e8 GETs / (5,500 × 10) = 3,636 s.
  expect(outcome).toEqual({
    shards: 9314,
    shardSeconds: 72.8,
    invocationsPerShard: 1,
    shardsPerBatch: 3,
    children: 3108,
    invocationsPerChild: 1,
    planInvocations: 12,
    planSeconds: 10_000,
    lambdaGBSeconds: 1_325_044,
    lambdaRequests: 3120,
    transitions: 9369,
    wallSeconds: { 100: 17_645, 1000: 10_873 },
    requestRateFloorSeconds: 3636,
    cost: { lambda: 17.67, stepFunctions: 0.23, s3Requests: 84.03, dynamodbReads: 0, total: 101.93 },
    // Objects of 100 kB, under the 1 MiB average chunk: one blob each, 1e8 × 80 bytes at the load's peak,
    // against (2,048 − 512) MiB ÷ 80 = 20,132,659 blobs a 2 GB shard holds.
    // Prune at 300 bytes a blob: 1,536 MiB ÷ 300 = 5,368,709 blobs.
    index: { blobs: 1e8, peakBytes: 8e9, shardCapacity: 20_132_659, fits: false, pruneCapacity: 5_368_709, pruneFits: false },
  });
});

it('a shard longer than one invocation resumes, and the request rate floors the wall time', () => {
  const outcome = modelS3Backup(
    { bytes: 1e12, objects: 1e6, shardKeys: 1e9, shardBytes: 1e11, listKeysPerSecond: 1e6, listing: 'inventory', maxConcurrency: 1, storedRatio: 0.5, prefixPartitions: 1, taggedFraction: 0.25 },
    throughput,
    limits,
    prices,
    [10],
  );
  // 10 shards of 1e11 bytes: 4,000 s + 100,000 / 400 = 250 s → 4,250 s + start-up: 6 invocations (4,253 / 840 = 5.06) → 4,268 s.
  // At maxConcurrency 1: shardsPerBatch(10, 1) = 5 → 2 children, each 5 × 4,250 s of work in 26 invocations (21,253 / 840 = 25.3) → 21,328 s.
  // Transitions: 12 + 2 × (26 × 2 + 1) = 118. GB-s: 2 × 21,328 × 2 + 0.5 = 85,313.
  // Inventory $0.0025 per million objects; LIST once by the shards (1,000 pages); 29,803 packs (5e11 / 2^24); 10 parts.
  // GETs: 1e6 objects + a quarter of them tagged = 1.25e6.
  // S3: (1,000 + 29,803 + 10) × 0.005 / 1000 = $0.154 + 1.25e6 × 0.0004 / 1000 = $0.50 + $0.0025 = $0.66.
  // Wall at concurrency 10: batches of 1 (shardsPerBatch(10, 10)), one wave: 1 s of planning + 4,268 s = 4,269 s; floor 1.25e6 / 5,500 = 227 s.
  expect(outcome).toMatchObject({
    shards: 10,
    shardSeconds: 4268,
    invocationsPerShard: 6,
    shardsPerBatch: 5,
    children: 2,
    invocationsPerChild: 26,
    planInvocations: 1,
    transitions: 118,
    lambdaGBSeconds: 85_313,
    wallSeconds: { 10: 4269 },
    requestRateFloorSeconds: 227,
    cost: { s3Requests: 0.66, stepFunctions: 0, lambda: 1.14 },
    // Objects of 1e6 bytes, a little under 1 MiB: one blob each.
    index: { blobs: 1e6, peakBytes: 8e7, fits: true, pruneFits: true },
  });
});

it('a 10 TB table: the planner\'s 1,000 segments, each billed while it scans at its share of the read budget', () => {
  const outcome = modelDynamoDbBackup({ bytes: 1e13, readUnitsPerSecond: 40_000, maxConcurrency: 100 }, { bytesPerSecond: 10e6, objectsPerSecond: Infinity, startupSeconds: 3 }, limits, prices, [100, 1000]);
  // Segments as the planner cuts them: budgetedTargetBytesPerSegment(40,000, 100) = 400 × 4,096 × 300 = 491,520,000 bytes
  // → 20,345 by size, at most 1,000 (dynamoDbSegmentCount).
  // A segment's share: 40,000 / min(1,000, 100) = 400 RCU/s × 4 KB = 1,638,400 B/s, under the pipeline's 10 MB/s:
  // 1e10 / 1,638,400 = 6,103.5 s of work in 8 invocations (6,106.5 / 840 = 7.3) → 6,127.5 s.
  // Batches at maxConcurrency 100: shardsPerBatch(1,000, 100) = 5 → 200 children of 5 × 6,103.5 s in 37 invocations (30,520.5 / 840 = 36.3).
  // GB-s: 200 × (30,517.6 + 37 × 3) × 2 = 12,251,431 (100 slots × 17 h × 2 GB: the waiting is billed); requests 7,400 + 1.
  // Reads: 1e13 / 4096 = 2,441,406,250 strongly consistent units × $0.125 per million = $305.18.
  // Floor: 1e13 / (40,000 × 4096) = 61,035 s; at 100, 2 waves × 30,628.5 s = 61,257 s; at 1,000 (40 RCU/s a segment), one wave of 61,035 + 73 × 3 s.
  expect(outcome).toMatchObject({
    shards: 1000,
    shardSeconds: 6127.5,
    invocationsPerShard: 8,
    shardsPerBatch: 5,
    children: 200,
    invocationsPerChild: 37,
    lambdaGBSeconds: 12_251_431,
    lambdaRequests: 7401,
    transitions: 12 + 200 * (37 * 2 + 1),
    wallSeconds: { 100: 61_257, 1000: 61_254 },
    requestRateFloorSeconds: 61_035,
    cost: { lambda: 163.35, stepFunctions: 0.38, dynamodbReads: 305.18, total: 468.91 },
    // 1e13 / 2^20 = 9,536,743.2 blobs of pages: 762,939,453 bytes at the load's peak, within a 2 GB shard; not within a 2 GB prune.
    index: { blobs: 9_536_743, peakBytes: 762_939_453, fits: true, pruneFits: false },
  });
});

it('a table whose budget share outruns the pipeline scans at the pipeline\'s rate', () => {
  const outcome = modelDynamoDbBackup({ bytes: 100 * 2 ** 30, itemCount: 1e6, readUnitsPerSecond: 1e6, maxConcurrency: 100 }, { bytesPerSecond: 10e6, objectsPerSecond: Infinity, startupSeconds: 3 }, limits, prices, [100]);
  // 1 GiB segments (the budget allows more): 100; a share of 10,000 RCU/s (41 MB/s) is above 10 MB/s: 2^30 / 1e7 = 107.4 s + 3 s.
  expect(outcome).toMatchObject({ shards: 100, shardSeconds: 110.4, invocationsPerShard: 1, wallSeconds: { 100: 110 } });
});
