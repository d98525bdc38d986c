import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { estimateCommand } from '../../../../cli/commands/estimate-command';
import { parseByteSize, InvalidByteSizeError } from '../../../../cli/byte-size-option';
import { type EnvironmentEstimate } from '../../../../cli/estimate/environment-estimate';
import { measuredPlanEstimate } from '../../../../cli/estimate/measured-plan-estimate';
import { estimateScreen } from '../../../../cli/estimate/estimate-screen';
import { GB, planEstimate } from '../../../../cli/estimate/monthly-cost';
import { NoCommittedBackupError, planMeasures, scaledMeasures, scaledShardCount } from '../../../../cli/estimate/plan-measures';
import { InvalidPriceTableError, loadPriceTable, priceTableFileFor } from '../../../../cli/estimate/price-table';
import { capturedCliIo } from '../../../support/captured-cli-io';
import { FIXED_PRICES } from '../../../support/fixed-price-table';
import { runsPerMonth } from '../../../../cli/estimate/runs-per-month';
import { pricedClassAt, tierMeasures } from '../../../../cli/estimate/storage-tier-split';
import { storageTiersSchema } from '../../../../config/storage-tiers';
import { runRequests } from '../../../../cli/estimate/workload-model';
import { type BackupRecord, type BackupSourceRecord } from '../../../../lambdas/catalog/backup-record';
import { SAMPLE_CONFIG_FILE } from '../../../support/repo-root';

/**
 * The estimate's arithmetic against a hand-computed example (docs/COSTS.md, "A worked example"): a
 * plan with a full backup and an incremental one, a fixed price table, exact dollar figures.
 */

const GiB = 2 ** 30;
const NOW = new Date('2026-11-30T12:00:00.000Z');

const PRICES = FIXED_PRICES;

function source(type: 's3' | 'dynamodb', entries: number, bytes: number, bytesScanned: number): BackupSourceRecord {
  return { name: `demo-${type}`, type, snapshotId: `snap-${type}`, rootHash: `root-${type}`, entries, bytes, bytesScanned, bytesNew: bytesScanned, bytesStored: 0, blobsNew: 0 };
}

function backup(backupId: string, startedAt: string, endedAt: string, shardCount: number, sources: BackupSourceRecord[], bytesStored: number): BackupRecord {
  const sum = (f: 'entries' | 'bytes' | 'bytesScanned') => sources.reduce((s, x) => s + x[f], 0);
  return {
    backupId, plan: 'demo', environment: 'dev', sourceNames: sources.map((s) => s.name), sources, strategy: 'incremental', status: 'COMMITTED', startedAt, endedAt, shardCount,
    totals: { entries: sum('entries'), bytes: sum('bytes'), bytesScanned: sum('bytesScanned'), bytesNew: sum('bytesScanned'), bytesStored, blobsNew: 0 },
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
}

// The first backup reads and stores everything; the second re-reads 1 of the 8 GiB of objects (and the whole table).
const FULL = backup('20261128T060000Z-00000001', '2026-11-28T06:00:00.000Z', '2026-11-28T06:30:00.000Z', 4, [source('s3', 1000, 8 * GiB, 8 * GiB), source('dynamodb', 1000, GiB, GiB)], 3 * GiB);
const INCREMENTAL = backup('20261129T060000Z-00000002', '2026-11-29T06:00:00.000Z', '2026-11-29T06:10:00.000Z', 2, [source('s3', 1000, 8 * GiB, GiB), source('dynamodb', 1000, GiB, GiB)], GiB);
const FAILED: BackupRecord = { ...INCREMENTAL, backupId: '20261130T060000Z-00000003', startedAt: '2026-11-30T06:00:00.000Z', status: 'FAILED', totals: undefined };

describe('the measures of a plan', () => {
  it('protected, stored and replicated bytes from the committed backups; the typical run leaves the first out', () => {
    const m = planMeasures('demo', [FULL, FAILED, INCREMENTAL]);
    expect(m).toEqual(expect.objectContaining({ committedBackups: 2, protectedBytes: 9 * GiB, storedBytes: 4 * GiB, replicatedBytes: 4 * GiB, storedRatio: 2.25, typicalOf: 1 }));
    expect(m.typicalRun).toEqual({ entries: 2000, bytes: 9 * GiB, bytesScanned: 2 * GiB, bytesStored: GiB, shards: 2, sources: 2, durationSeconds: 600, s3Entries: 1000, s3Bytes: 8 * GiB, s3EntriesRead: 125, dynamoDbBytesScanned: GiB });
    expect(m.awsBackup).toEqual({ s3: { warmBytes: 9 * GiB, copyBytesPerRun: GiB }, dynamodb: { warmBytes: 2 * GiB, copyBytesPerRun: GiB } });
    // An index object per shard of each backup that stored anything: 4 + 2.
    expect(m.vaultIndexObjects).toBe(6);
  });

  it('f65E: a run whose endedAt is no time counts no wall time, never NaN; the newest is by instant, not text', () => {
    const untimedEnd = { ...INCREMENTAL, endedAt: 'whenever' };
    expect(planMeasures('demo', [FULL, untimedEnd]).typicalRun.durationSeconds).toBe(0);
    // 01:00-06:00 on the 28th is 07:00Z, after FULL's 06:00Z though its text sorts first: FULL is the first backup, left
    // out of the typical run, which is the offset one (10 min).
    const offset = { ...INCREMENTAL, startedAt: '2026-11-28T01:00:00-06:00', endedAt: '2026-11-28T01:10:00-06:00' };
    expect(planMeasures('demo', [FULL, offset]).typicalRun.durationSeconds).toBe(600);
  });

  it('f65N (r65E F3): a start that is no time is not taken as the first backup; the real first full run stays out of the typical run, and the screen says so', () => {
    const second = { ...INCREMENTAL, backupId: 'i2', startedAt: '2026-11-30T06:00:00.000Z', endedAt: '2026-11-30T06:10:00.000Z' };
    const handEdited = { ...INCREMENTAL, backupId: 'hand', startedAt: 'hand-edited' };
    const m = planMeasures('demo', [FULL, INCREMENTAL, second, handEdited]);
    // The mean of the two incremental runs only: 1 GiB scanned of S3 and 1 GiB of DynamoDB each, 10 min each.
    expect(m.typicalOf).toBe(2);
    expect(m.typicalRun.bytesScanned).toBe(2 * GiB);
    expect(m.typicalRun.durationSeconds).toBe(600);
    expect(m.untimedStarts).toBe(1);
    // Its stored bytes are in the vault all the same.
    expect(m.storedBytes).toBe(3 * GiB + 3 * GiB);
    expect(m.committedBackups).toBe(4);
    const screen = estimateScreen({ environment: 'dev', prices: { region: 'us-east-1', drRegion: 'us-west-2', date: 'd', file: 'f', sources: [] }, monthDays: 30, plans: [planEstimate(m, 30, PRICES, 8)], notMeasured: [], environmentLines: [] });
    expect(screen).toContain('  1 committed backup(s) have a startedAt that is not a time: which ran first is unknown, so they are left out of the typical run and of the oldest backup (their stored bytes are counted); fix their startedAt');
  });

  it('f65N (r65E F4): a run whose endedAt is no time is left out of the typical wall time, not averaged as 0 s, and the screen says so', () => {
    const second = { ...INCREMENTAL, backupId: 'i2', startedAt: '2026-11-30T06:00:00.000Z', endedAt: 'whenever' };
    const m = planMeasures('demo', [FULL, INCREMENTAL, second]);
    expect(m.typicalOf).toBe(2);
    expect(m.typicalRun.durationSeconds).toBe(600);
    expect(m.untimedEnds).toBe(1);
    const screen = estimateScreen({ environment: 'dev', prices: { region: 'us-east-1', drRegion: 'us-west-2', date: 'd', file: 'f', sources: [] }, monthDays: 30, plans: [planEstimate(m, 30, PRICES, 8)], notMeasured: [], environmentLines: [] });
    expect(screen).toContain('  1 run(s) of the typical run have an endedAt that is not a time: left out of its wall time');
    expect(planMeasures('demo', [FULL, INCREMENTAL]).untimedEnds).toBeUndefined();
  });

  it('f65T (r65N F4): when every start is no time, the screen says every backup is measured (the first full one included), and valid ends are not counted as untimed', () => {
    const full = { ...FULL, startedAt: 'hand-a' };
    const incremental = { ...INCREMENTAL, startedAt: 'hand-b' };
    const m = planMeasures('demo', [full, incremental]);
    // Nothing can be ordered: both runs are in the typical run, the full one included.
    expect(m.typicalOf).toBe(2);
    expect(m.untimedStarts).toBe(2);
    expect(m.untimedEnds).toBeUndefined();
    const screen = estimateScreen({ environment: 'dev', prices: { region: 'us-east-1', drRegion: 'us-west-2', date: 'd', file: 'f', sources: [] }, monthDays: 30, plans: [planEstimate(m, 30, PRICES, 8)], notMeasured: [], environmentLines: [] });
    expect(screen).toContain('  every committed backup (2) has a startedAt that is not a time: which ran first is unknown, so all are measured in the typical run, the first full backup included, and its wall time is unknown; fix their startedAt');
    expect(screen.join('\n')).not.toContain('left out of');
  });

  // Review r65T F3: with no run's wall time the typical run took 0 s, so the shards were priced at no GB-seconds under a
  // plain `Lambda (arm64)` line that read measured. The line says the shards' wall time is unknown and not counted.
  it("r65T F3: with no run's wall time (every start, or every end, no time) the Lambda line says the shards are not counted", () => {
    const LAMBDA = "Lambda (arm64) (shards' wall time unknown: not counted)";
    const lambdaItem = (records: BackupRecord[]) => planEstimate(planMeasures('demo', records), 30, PRICES, 8).lifeboat.find((l) => l.item.startsWith('Lambda'))?.item;
    expect(lambdaItem([{ ...FULL, startedAt: 'hand-a' }, { ...INCREMENTAL, startedAt: 'hand-b' }])).toBe(LAMBDA);
    expect(lambdaItem([FULL, { ...INCREMENTAL, endedAt: 'whenever' }])).toBe(LAMBDA);
    // One run timed is a measured wall time.
    expect(lambdaItem([FULL, INCREMENTAL, { ...INCREMENTAL, backupId: 'i2', startedAt: '2026-11-30T06:00:00.000Z', endedAt: 'whenever' }])).toBe('Lambda (arm64)');
    const m = planMeasures('demo', [{ ...FULL, startedAt: 'hand-a' }, { ...INCREMENTAL, startedAt: 'hand-b' }]);
    expect(m.wallTimeUnknown).toBe(true);
    expect(planMeasures('demo', [FULL, INCREMENTAL])).not.toHaveProperty('wallTimeUnknown');
    const screen = estimateScreen({ environment: 'dev', prices: { region: 'us-east-1', drRegion: 'us-west-2', date: 'd', file: 'f', sources: [] }, monthDays: 30, plans: [planEstimate(m, 30, PRICES, 8)], notMeasured: [], environmentLines: [] });
    expect(screen.join('\n')).toContain("shards' wall time unknown");
  });

  it('AWS Backup\'s S3 chain is incremental whatever the plan\'s strategy: full or differential runs count their change, not what they read (audit c6-1)', () => {
    // The same 100 GiB bucket, 1 GiB changing a day, backed up 5 days running: a full run reads it all, its new chunks are the change.
    const daily = (strategy: 'full' | 'incremental' | 'differential', day: number): BackupRecord => {
      const scanned = day === 0 || strategy === 'full' ? 100 * GiB : strategy === 'differential' ? day * GiB : GiB;
      const s3: BackupSourceRecord = { ...source('s3', 100_000, 100 * GiB, scanned), bytesNew: day === 0 ? 100 * GiB : GiB };
      return { ...backup(`2026112${day}T060000Z-0000000${day}`, `2026-11-2${day}T06:00:00.000Z`, `2026-11-2${day}T06:10:00.000Z`, 4, [s3], GiB), strategy: day === 0 ? 'full' : strategy };
    };
    const awsBackup = (strategy: 'full' | 'incremental' | 'differential') => planMeasures('demo', [0, 1, 2, 3, 4].map((day) => daily(strategy, day))).awsBackup;
    expect(awsBackup('incremental')).toEqual({ s3: { warmBytes: 104 * GiB, copyBytesPerRun: GiB } });
    expect(awsBackup('full')).toEqual(awsBackup('incremental'));
    expect(awsBackup('differential')).toEqual(awsBackup('incremental'));
    // A full run amid incremental ones counts the incremental runs' change rate (1 %), not its bytesNew when that is smaller.
    const mixed = [0, 1, 2, 3].map((day) => daily('incremental', day)).concat({ ...daily('full', 4), sources: [{ ...source('s3', 100_000, 100 * GiB, 100 * GiB), bytesNew: 0 }] });
    expect(planMeasures('demo', mixed).awsBackup.s3?.warmBytes).toBeCloseTo(104 * GiB, -3);
  });

  it('a plan without a committed backup is not measured', () => {
    expect(() => planMeasures('demo', [FAILED])).toThrow(NoCommittedBackupError);
  });

  it('scaling keeps the ratios: 10× the protected bytes is 10× every byte figure, the planners\' shards at that size, the shard wall time as measured', () => {
    const m = scaledMeasures(planMeasures('demo', [FULL, INCREMENTAL]), 90 * GiB);
    expect(m).toEqual(expect.objectContaining({ protectedBytes: 90 * GiB, storedBytes: 40 * GiB, replicatedBytes: 40 * GiB, storedRatio: 2.25 }));
    // 80 GiB of objects: 80 key ranges of 1 GiB (10,000 keys are under 20,000); a 10 GiB table: 10 segments of 1 GiB.
    expect(m.typicalRun).toEqual(expect.objectContaining({ bytesStored: 10 * GiB, shards: 90, durationSeconds: 600, s3EntriesRead: 1250 }));
    expect(m.awsBackup.s3).toEqual({ warmBytes: 90 * GiB, copyBytesPerRun: 10 * GiB });
    // The backups kept, each in 45× the shards (90 for the typical run's 2).
    expect(m.vaultIndexObjects).toBe(6 * 45);
  });
});

describe('the scaled shard count', () => {
  const run = planMeasures('demo', [FULL, INCREMENTAL]).typicalRun;

  it('is bound by keys when objects are small: a shard per 20,000 keys', () => {
    // 1000 objects of 8 MiB scaled ×1000: 8,000 GiB in 1,000,000 keys — 8,000 key ranges by bytes, 50 by keys; 1,000 segments for the table.
    expect(scaledShardCount(run, 1000)).toBe(8000 + 1000);
    // The same keys holding 1 KiB each: 1,000,000 keys, under 1 GiB → 50 key ranges by keys.
    expect(scaledShardCount({ ...run, s3Bytes: 1000 * 1024, dynamoDbBytesScanned: 0 }, 1000)).toBe(50);
  });

  it('never goes below the measured count', () => {
    expect(scaledShardCount({ ...run, shards: 7 }, 1)).toBe(9);
    expect(scaledShardCount({ ...run, shards: 12 }, 1)).toBe(12);
  });
});

describe('the monthly cost', () => {
  it('a run\'s requests, invocations, GB-seconds, transitions and KMS calls follow the documented model', () => {
    const m = planMeasures('demo', [FULL, INCREMENTAL]);
    expect(runRequests(m.typicalRun, { maxConcurrency: 8, vaultIndexObjects: m.vaultIndexObjects })).toEqual({
      vaultPuts: 72, // 64 packs + 2 index objects + 1 manifest page + 2 snapshots, + 2 parts + 1 shard plan
      vaultGets: 6, // 2 per shard + a parent snapshot per source
      indexLoads: 4, // 2 children (a shard each: few shards), commit, replication
      indexGets: 24, // 4 loads × the vault's 6 index objects
      vaultLists: 5, // a page of index/ per load + the planner's
      replicationCopies: 69,
      sourceGets: 1000, // 125 changed objects read, 875 unchanged ones' tags read
      sourceLists: 2, // the planner's page, and the shard's listing of its range
      dynamoDbReadUnits: 262_144,
      children: 2,
      lambdaInvocations: 7,
      lambdaGBSeconds: 2 * 600 * 2 + 2 + 20.48, // shards × wall time × 2 GB; 4 small calls; 1 GiB at 50 MiB/s × 1 GB
      stateTransitions: 18, // 12 in the parent + 3 per child
      kmsRequests: 10,
      crossRegionBytes: GiB,
    });
  });

  it('batches many shards into fewer children, as the Plan step does: invocations, transitions and index loads follow the children', () => {
    const run = { ...planMeasures('demo', [FULL, INCREMENTAL]).typicalRun, shards: 10_240 };
    // shardsPerBatch(10,240, 8) = 10 → 1,024 children; 8 containers at once (+ commit, replication) load 20,480 index objects each.
    const r = runRequests(run, { maxConcurrency: 8, vaultIndexObjects: 20_480 });
    expect(r).toEqual(expect.objectContaining({ children: 1024, lambdaInvocations: 1029, stateTransitions: 12 + 3 * 1024, indexLoads: 10, indexGets: 204_800, vaultLists: 10 * 21 + 1 }));
    // A plan allowed 1,000 at once: shardsPerBatch(10,240, 1,000) = 5 → 2,048 children, 1,000 containers.
    expect(runRequests(run, { maxConcurrency: 1000, vaultIndexObjects: 20_480 })).toEqual(expect.objectContaining({ children: 2048, stateTransitions: 12 + 3 * 2048, indexLoads: 1002 }));
  });

  it('30 daily runs of the example, priced: exact dollars per line and in total, next to AWS Backup', () => {
    const e = planEstimate(planMeasures('demo', [FULL, INCREMENTAL]), 30, PRICES, 8);
    const cents = (lines: { item: string; dollars: number }[]) => lines.map((l) => [l.item, Number(l.dollars.toFixed(6))]);
    expect(cents(e.lifeboat)).toEqual([
      ['S3 Standard, primary vault (us-east-1)', 0.092], // 4 GB × $0.023
      ['S3 Standard, DR vault (us-west-2)', 0.092],
      ['S3 PUT, COPY, LIST requests', 0.0222], // 30 × (72 + 69 + 5 + 2) = 4,440 × $0.005/1000
      ['S3 GET requests', 0.013188], // 30 × (6 + 24 + 69 + 1,000) = 32,970 × $0.0004/1000
      ['DynamoDB source reads', 0.98304], // 30 × 262,144 RRU × $0.125/M
      ['Lambda (arm64)', 0.969039], // 72,674.4 GB-s × $0.0000133334 + 210 calls × $0.2/M
      ['Step Functions (Standard)', 0.0135], // 30 × 18 = 540 × $0.025/1000
      ['Transfer us-east-1 → us-west-2', 0.6], // 30 GB × $0.02
      ['KMS requests', 0.0009], // 300 × $0.03/10000
    ]);
    expect(e.lifeboatTotal).toBeCloseTo(2.78586684496, 10);
    expect(cents(e.awsBackup)).toEqual([
      ['AWS Backup warm storage, S3 (us-east-1)', 0.45], // (8 GB of the oldest, full + 1 GB the newer one read) × $0.05
      ['AWS Backup copy, S3 (us-west-2)', 0.45],
      ['AWS Backup warm storage, DynamoDB (us-east-1)', 0.2], // 2 full backups of 1 GB × $0.10
      ['AWS Backup copy, DynamoDB (us-west-2)', 0.2],
      ['AWS Backup cross-region copy transfer', 1.2], // 30 × (1 + 1) GB × $0.02
    ]);
    expect(e.awsBackupTotal).toBeCloseTo(2.5, 10);
    expect(e.lifeboat[0]?.quantity).toBe(4 * GiB / GB);
  });

  it('counts a schedule\'s runs over 30 days', () => {
    expect(runsPerMonth('rate(1 day)', NOW)).toBe(30);
    expect(runsPerMonth('cron(0 */6 * * ? *)', NOW)).toBe(120);
    expect(runsPerMonth('cron(0 4 ? * SUN *)', NOW)).toBe(4); // Sundays 6, 13, 20 and 27 December
  });
});

describe('one plan\'s estimate from its records (shared by the command and the bench)', () => {
  it('measures, scales and prices the plan for its schedule\'s runs', () => {
    const daily = measuredPlanEstimate({ name: 'demo', schedule: 'rate(1 day)', maxConcurrency: 8 }, [FULL, FAILED, INCREMENTAL], PRICES, { now: NOW });
    expect(daily).toEqual(planEstimate(planMeasures('demo', [FULL, INCREMENTAL]), 30, PRICES, 8));
    expect(daily.lifeboatTotal).toBeCloseTo(2.78586684496, 10);
    const weeklyScaled = measuredPlanEstimate({ name: 'demo', schedule: 'cron(0 4 ? * SUN *)', maxConcurrency: 8 }, [FULL, INCREMENTAL], PRICES, { protectedBytes: 90 * GiB, now: NOW });
    expect(weeklyScaled.runsPerMonth).toBe(4);
    expect(weeklyScaled).toEqual(planEstimate(scaledMeasures(planMeasures('demo', [FULL, INCREMENTAL]), 90 * GiB), 4, PRICES, 8));
    expect(weeklyScaled.measures.storedBytes).toBe(40 * GiB);
  });

  it('a plan without a committed backup throws NoCommittedBackupError', () => {
    expect(() => measuredPlanEstimate({ name: 'demo', schedule: 'rate(1 day)', maxConcurrency: 8 }, [FAILED], PRICES, { now: NOW })).toThrow(NoCommittedBackupError);
  });
});

describe('a plan with storage tiers (docs/COSTS.md, "Storage tiers")', () => {
  const YEARLY = storageTiersSchema.parse({ transition: { storageClass: 'GLACIER_IR', afterDays: 30 }, archive: { storageClass: 'DEEP_ARCHIVE', afterDays: 365 } });
  const at = (b: BackupRecord, startedAt: string, bytesStored: number, dr: 'COMMITTED' | 'PENDING' = 'COMMITTED'): BackupRecord => ({
    ...b,
    backupId: `${startedAt.slice(0, 10)}-x`,
    startedAt,
    endedAt: startedAt,
    totals: { ...(b.totals ?? { entries: 0, bytes: 0, bytesScanned: 0, bytesNew: 0, blobsNew: 0 }), bytesStored },
    copies: { primary: 'COMMITTED', dr },
  });
  // Ages at the middle of the month from NOW (2026-12-15T12:00Z): 440.25, 56.25, 30.25 and 16.25 days.
  const TIERED = [
    at(FULL, '2025-10-01T06:00:00.000Z', 32 * GiB),
    at(INCREMENTAL, '2026-10-20T06:00:00.000Z', 16 * GiB),
    at(INCREMENTAL, '2026-11-15T06:00:00.000Z', 8 * GiB),
    at(INCREMENTAL, '2026-11-29T06:00:00.000Z', GiB, 'PENDING'),
  ];

  it('a pack\'s class by age: Standard, the transition class, the archive class; Intelligent-Tiering by its access tiers', () => {
    expect([0, 29.9, 30, 364, 365, 1000].map((age) => pricedClassAt(YEARLY, age))).toEqual(['STANDARD', 'STANDARD', 'GLACIER_IR', 'GLACIER_IR', 'DEEP_ARCHIVE', 'DEEP_ARCHIVE']);
    const tiering = storageTiersSchema.parse({ transition: { storageClass: 'INTELLIGENT_TIERING', afterDays: 10 }, archive: { storageClass: 'GLACIER', afterDays: 200 } });
    expect([5, 10, 39, 40, 99, 100, 199, 200].map((age) => pricedClassAt(tiering, age))).toEqual([
      'STANDARD',
      'INTELLIGENT_TIERING_FREQUENT',
      'INTELLIGENT_TIERING_FREQUENT',
      'INTELLIGENT_TIERING_INFREQUENT',
      'INTELLIGENT_TIERING_INFREQUENT',
      'INTELLIGENT_TIERING_ARCHIVE_INSTANT',
      'INTELLIGENT_TIERING_ARCHIVE_INSTANT',
      'GLACIER',
    ]);
    const archiveOnly = storageTiersSchema.parse({ archive: { storageClass: 'GLACIER', afterDays: 90 } });
    expect([89, 90].map((age) => pricedClassAt(archiveOnly, age))).toEqual(['STANDARD', 'GLACIER']);
  });

  it('splits the stored bytes by class at mid-month and counts the packs that transition within the month', () => {
    expect(tierMeasures(TIERED, YEARLY, NOW)).toEqual({
      byClass: [
        { storageClass: 'STANDARD', storedBytes: GiB, replicatedBytes: 0 },
        { storageClass: 'GLACIER_IR', storedBytes: 24 * GiB, replicatedBytes: 24 * GiB },
        { storageClass: 'DEEP_ARCHIVE', storedBytes: 32 * GiB, replicatedBytes: 32 * GiB },
      ],
      // The 8 GiB backup (15.25 days old now) in both vaults and the 1 GiB one (primary only) reach 30 days this month: 16 MiB packs.
      transitions: [{ storageClass: 'GLACIER_IR', packs: 512 * 2 + 64 }],
      intelligentTieringPacks: 0,
    });
  });

  it('prices the packs in their classes, exact dollars per line; the other lines are as without tiers', () => {
    const e = measuredPlanEstimate({ name: 'demo', schedule: 'rate(1 day)', maxConcurrency: 8, storage: YEARLY }, TIERED, PRICES, { now: NOW });
    const plain = measuredPlanEstimate({ name: 'demo', schedule: 'rate(1 day)', maxConcurrency: 8 }, TIERED, PRICES, { now: NOW });
    const cents = (lines: { item: string; dollars: number }[]) => lines.map((l) => [l.item, Number(l.dollars.toFixed(6))]);
    expect(cents(e.lifeboat.slice(0, 6))).toEqual([
      ['S3 Standard, primary vault (us-east-1)', 0.023], // 1 GB × $0.023
      ['S3 Glacier Instant Retrieval, primary vault (us-east-1)', 0.096], // 24 GB × $0.004
      ['S3 Glacier Deep Archive, primary vault (us-east-1)', 0.03168], // 32 GB × $0.00099
      ['S3 Glacier Instant Retrieval, DR vault (us-west-2)', 0.096],
      ['S3 Glacier Deep Archive, DR vault (us-west-2)', 0.03168],
      ['S3 lifecycle transitions to GLACIER_IR (both vaults)', 0.02176], // 1,088 packs × $0.02/1000
    ]);
    expect(cents(plain.lifeboat.slice(0, 2))).toEqual([
      ['S3 Standard, primary vault (us-east-1)', 1.311], // 57 GB × $0.023
      ['S3 Standard, DR vault (us-west-2)', 1.288], // 56 GB
    ]);
    expect(e.lifeboat.slice(6)).toEqual(plain.lifeboat.slice(2));
    expect(e.lifeboatTotal - plain.lifeboatTotal).toBeCloseTo(0.30012 - 2.599, 10);

    // --protected-bytes scales every class and pack count alike.
    const scaled = measuredPlanEstimate({ name: 'demo', schedule: 'rate(1 day)', maxConcurrency: 8, storage: YEARLY }, TIERED, PRICES, { protectedBytes: 90 * GiB, now: NOW });
    expect(scaled.measures.tiers?.byClass.map((c) => c.storedBytes / GiB)).toEqual([10, 240, 320]);
    expect(scaled.measures.tiers?.transitions).toEqual([{ storageClass: 'GLACIER_IR', packs: 10_880 }]);
  });

  it('charges Intelligent-Tiering\'s monitoring per pack in the class', () => {
    const tiering = storageTiersSchema.parse({ transition: { storageClass: 'INTELLIGENT_TIERING', afterDays: 30 } });
    const e = measuredPlanEstimate({ name: 'demo', schedule: 'rate(1 day)', maxConcurrency: 8, storage: tiering }, TIERED.slice(0, 2), PRICES, { now: NOW });
    const cents = (lines: { item: string; dollars: number }[]) => lines.map((l) => [l.item, Number(l.dollars.toFixed(6))]);
    expect(cents(e.lifeboat.slice(0, 5))).toEqual([
      ['S3 Intelligent-Tiering, Frequent Access, primary vault (us-east-1)', 0.368], // 16 GB, 26.25 days in the class × $0.023
      ['S3 Intelligent-Tiering, Archive Instant Access, primary vault (us-east-1)', 0.128], // 32 GB, 410.25 days × $0.004
      ['S3 Intelligent-Tiering, Frequent Access, DR vault (us-west-2)', 0.368],
      ['S3 Intelligent-Tiering, Archive Instant Access, DR vault (us-west-2)', 0.128],
      ['S3 Intelligent-Tiering monitoring (both vaults)', 0.01536], // (1,024 + 2,048) packs in each vault = 6,144 × $0.0025/1000
    ]);
  });
});

describe('the price table and sizes', () => {
  it('the repository\'s table for us-east-1 parses; a region without one names --prices', () => {
    expect(loadPriceTable(priceTableFileFor('us-east-1')).region).toBe('us-east-1');
    expect(() => priceTableFileFor('eu-central-1')).toThrow(/no price table for region eu-central-1 .*--prices FILE/);
    expect(() => loadPriceTable(SAMPLE_CONFIG_FILE)).toThrow(InvalidPriceTableError);
  });

  it('--protected-bytes takes binary and decimal units', () => {
    expect(parseByteSize('10TiB', '--protected-bytes')).toBe(10 * 2 ** 40);
    expect(parseByteSize('1.5 GiB', '--protected-bytes')).toBe(1.5 * GiB);
    expect(parseByteSize('500GB', '--protected-bytes')).toBe(500e9);
    expect(() => parseByteSize('10 terabytes', '--protected-bytes')).toThrow(InvalidByteSizeError);
  });

  it('--protected-bytes refuses a size that rounds to less than 1 byte (0.4B, 0.1) instead of estimating 0 B', () => {
    expect(() => parseByteSize('0.4B', '--protected-bytes')).toThrow(InvalidByteSizeError);
    expect(() => parseByteSize('0.1', '--protected-bytes')).toThrow(InvalidByteSizeError);
    expect(parseByteSize('0.5B', '--protected-bytes')).toBe(1);
  });
});

describe('lifeboat estimate', () => {
  const options = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' };
  const listBackupsOfPlan = async () => [FULL, INCREMENTAL];

  it('prints each plan\'s lines and totals against AWS Backup; --json carries the same figures', async () => {
    const text = capturedCliIo();
    expect(await estimateCommand(options, { io: text.io, listBackupsOfPlan, now: () => NOW })).toBe(0);
    const screen = text.out.join('\n');
    expect(screen).toMatch(/^Plan demo: 9\.0 GiB protected, 4\.0 GiB stored for 2 backup\(s\) \(logical ÷ stored 2\.25×\), 30 run\(s\) a month/m);
    expect(screen).toMatch(/^ {2}total +\$2\.79$/m);
    expect(screen).toMatch(/^ {2}total +\$2\.50$/m);
    expect(screen).toContain('Lifeboat $2.79 a month against AWS Backup $2.50 (111%)');
    const json = capturedCliIo();
    expect(await estimateCommand({ ...options, json: true, protectedBytes: '90GiB' }, { io: json.io, listBackupsOfPlan, now: () => NOW })).toBe(0);
    const estimate = JSON.parse(json.out.join('\n')) as EnvironmentEstimate;
    expect(estimate.scaledToProtectedBytes).toBe(90 * GiB);
    expect(estimate.plans[0]?.lifeboat[0]).toEqual(expect.objectContaining({ quantity: 40, unit: 'GB-month' }));
    expect(estimate.prices).toEqual(expect.objectContaining({ region: 'us-east-1', date: '2026-11' }));
  });

  it('an unknown plan or an unmeasured one is said; a bad size exits 1 naming the option', async () => {
    const unknown = capturedCliIo();
    expect(await estimateCommand({ ...options, plan: 'nope' }, { io: unknown.io, listBackupsOfPlan, now: () => NOW })).toBe(1);
    expect(unknown.err.join('\n')).toMatch(/--plan: environment dev has no plan nope \(plans: demo\)/);
    const none = capturedCliIo();
    expect(await estimateCommand(options, { io: none.io, listBackupsOfPlan: async () => [], now: () => NOW })).toBe(0);
    expect(none.out.join('\n')).toMatch(/Plan demo: not measured: plan demo has no committed backup/);
    const bad = capturedCliIo();
    expect(await estimateCommand({ ...options, protectedBytes: 'lots' }, { io: bad.io, listBackupsOfPlan, now: () => NOW })).toBe(1);
    expect(bad.err.join('\n')).toMatch(/--protected-bytes must be a positive number of bytes/);
  });

  it('the backup an unmeasured plan is sent to carries the estimate\'s target options: pasted, it backs up the same environment, in AWS (audit a57C-1)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-estimate-'));
    try {
      const prodConfig = path.join(dir, 'prod.config.json');
      const config = JSON.parse(readFileSync(SAMPLE_CONFIG_FILE, 'utf8')) as { environments: { name: string }[] };
      for (const env of config.environments) env.name = 'prod';
      writeFileSync(prodConfig, JSON.stringify(config));
      const { out, io } = capturedCliIo();
      expect(await estimateCommand({ config: prodConfig, env: 'prod', dataDir: '.lifeboat', aws: true }, { io, listBackupsOfPlan: async () => [], now: () => NOW })).toBe(0);
      // Without them the pasted backup ran against the local cloud's env dev, and the plan stayed unmeasured.
      expect(out.join('\n')).toContain(`Plan demo: not measured: plan demo has no committed backup in the catalog: nothing was measured; run \`lifeboat backup --plan demo --env prod --config ${prodConfig} --aws\` first`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a price table for other regions than the environment\'s, naming both pairs and the --prices to give (audit c6-2)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-prices-'));
    try {
      // The environment runs in us-east-1 → sa-east-1; the default table (us-east-1's newest) is priced for us-west-2 as DR.
      const config = JSON.parse(readFileSync(SAMPLE_CONFIG_FILE, 'utf8')) as { environments: { drRegion: string }[] };
      for (const env of config.environments) env.drRegion = 'sa-east-1';
      const saConfig = path.join(dir, 'lifeboat.config.json');
      writeFileSync(saConfig, JSON.stringify(config));
      const byDefault = capturedCliIo();
      expect(await estimateCommand({ ...options, config: saConfig }, { io: byDefault.io, listBackupsOfPlan, now: () => NOW })).toBe(1);
      expect(byDefault.out).toEqual([]);
      expect(byDefault.err.join('\n')).toMatch(/is for us-east-1 → us-west-2, but environment dev runs in us-east-1 → sa-east-1: give --prices <a table for us-east-1 → sa-east-1>/);
      // A --prices table for another primary region is refused the same way.
      const eu = path.join(dir, 'eu-west-1.json');
      writeFileSync(eu, JSON.stringify({ ...loadPriceTable(priceTableFileFor('us-east-1')), region: 'eu-west-1', drRegion: 'eu-central-1' }));
      const other = capturedCliIo();
      expect(await estimateCommand({ ...options, prices: eu }, { io: other.io, listBackupsOfPlan, now: () => NOW })).toBe(1);
      expect(other.err.join('\n')).toMatch(/is for eu-west-1 → eu-central-1, but environment dev runs in us-east-1 → us-west-2: give --prices <a table for us-east-1 → us-west-2>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with the primary region down, names its catalog and region and says what to use meanwhile (review R43 F4)', async () => {
    // A port nothing listens on: the connection is refused, as a region that is down refuses it.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const dynamodb = new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const down = capturedCliIo();
    try {
      expect(await estimateCommand({ ...options, aws: true }, { io: down.io, clients: { dynamodb }, now: () => NOW })).toBe(1);
    } finally {
      dynamodb.destroy();
    }
    expect(down.out).toEqual([]);
    // Under jest the SDK rewraps Node's error (`AWS SDK error wrapper for Error: connect …`: test/integration/local/cloud/region-outage.test.ts).
    expect(down.err).toEqual([
      expect.stringMatching(
        new RegExp(
          '^lifeboat estimate: the primary catalog \\(us-east-1\\), whose backups of plan demo the estimate measures, could not be read: (AWS SDK error wrapper for Error: )?' +
            `connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\. Estimate again once us-east-1 answers; meanwhile \`lifeboat status\` and \`lifeboat backups list\` show what the DR catalog records$`,
        ),
      ),
    ]);
  });
});
