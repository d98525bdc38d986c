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
  // Transitions: the parent 11 + 11 later rounds × 3 = 44, + 3 per child × 3,108 = 9,368.
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
    transitions: 9368,
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
  // Transitions: 11 + 2 × (26 × 2 + 1) = 117. GB-s: 2 × 21,328 × 2 + 0.5 = 85,313.
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
    transitions: 117,
    lambdaGBSeconds: 85_313,
    wallSeconds: { 10: 4269 },
    requestRateFloorSeconds: 227,
    cost: { s3Requests: 0.66, stepFunctions: 0, lambda: 1.14 },
    // Objects of 1e6 bytes, a little under 1 MiB: one blob each.
    index: { blobs: 1e6, peakBytes: 8e7, fits: true, pruneFits: true },
  });
});

it('a 10 TB table: segments by size up to 1,000, the read budget floors the wall time', () => {
  const outcome = modelDynamoDbBackup(
    { bytes: 1e13, bytesPerSegment: 2 ** 30 * 10, maxSegments: 1000, readUnitsPerSecond: 40_000, maxConcurrency: 100 },
    { bytesPerSecond: 10e6, objectsPerSecond: Infinity, startupSeconds: 3 },
    limits,
    prices,
    [100, 1000],
  );
  // 1e13 / 10 GiB = 931.3 → 932 segments of 1,073 s work: 2 invocations each → 1,079 s.
  // Reads: 1e13 / 4096 = 2,441,406,250 strongly consistent units × $0.125 per million = $305.18.
  // Batches at maxConcurrency 100: shardsPerBatch(932, 100) = 4 → 233 children of 4 × 1,073 s in 6 invocations (4,295 / 840 = 5.1).
  // Floor: 1e13 / (40,000 × 4096) = 61,035 s, above 3 waves × 4,310 s at concurrency 100.
  expect(outcome).toMatchObject({
    shards: 932,
    shardSeconds: 1079,
    invocationsPerShard: 2,
    children: 233,
    invocationsPerChild: 6,
    transitions: 11 + 233 * (6 * 2 + 1),
    wallSeconds: { 100: 61_035, 1000: 61_035 },
    requestRateFloorSeconds: 61_035,
    cost: { dynamodbReads: 305.18 },
    // 1e13 / 2^20 = 9,536,743.2 blobs of pages: 762,939,453 bytes at the load's peak, within a 2 GB shard; not within a 2 GB prune.
    index: { blobs: 9_536_743, peakBytes: 762_939_453, fits: true, pruneFits: false },
  });
});
