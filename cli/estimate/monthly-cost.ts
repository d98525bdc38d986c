import { type SourceType } from '../../lambdas/catalog/backup-record';
import { type EnvironmentKey, type KeyStack } from './environment-keys';
import { type PlanMeasures } from './plan-measures';
import { type PriceTable } from './price-table';
import { type PricedStorageClass, type TierMeasures } from './storage-tier-split';
import { runRequests, type RunRequests } from './workload-model';

/**
 * A plan's monthly cost: Lifeboat's, line by line, next to AWS Backup's for the same protected data
 * (docs/COSTS.md has each formula). Amounts in dollars, unrounded: the screen rounds to cents.
 */

/** AWS bills storage and transfer per GB of 2^30 bytes. */
export const GB = 2 ** 30;

export type CostLine = { item: string; quantity: number; unit: string; dollars: number };

export type PlanEstimate = {
  plan: string;
  runsPerMonth: number;
  measures: PlanMeasures;
  perRun: RunRequests;
  lifeboat: CostLine[];
  lifeboatTotal: number;
  awsBackup: CostLine[];
  awsBackupTotal: number;
};

const sum = (lines: readonly CostLine[]) => lines.reduce((s, l) => s + l.dollars, 0);

export function lifeboatLines(m: PlanMeasures, runs: number, perRun: RunRequests, p: PriceTable): CostLine[] {
  const puts = runs * (perRun.vaultPuts + perRun.replicationCopies + perRun.vaultLists + perRun.sourceLists);
  const gets = runs * (perRun.vaultGets + perRun.indexGets + perRun.replicationCopies + perRun.sourceGets);
  const gbSeconds = runs * perRun.lambdaGBSeconds;
  const invocations = runs * perRun.lambdaInvocations;
  const transitions = runs * perRun.stateTransitions;
  const kms = runs * perRun.kmsRequests;
  const readUnits = runs * perRun.dynamoDbReadUnits;
  const crossRegionGB = (runs * perRun.crossRegionBytes) / GB;
  const storage = m.tiers
    ? tierLines(m.tiers, p)
    : [
        { item: `S3 Standard, primary vault (${p.region})`, quantity: m.storedBytes / GB, unit: 'GB-month', dollars: (m.storedBytes / GB) * p.s3.standardPerGBMonth },
        { item: `S3 Standard, DR vault (${p.drRegion})`, quantity: m.replicatedBytes / GB, unit: 'GB-month', dollars: (m.replicatedBytes / GB) * p.s3.drStandardPerGBMonth },
      ];
  return [
    ...storage,
    { item: 'S3 PUT, COPY, LIST requests', quantity: puts, unit: 'requests', dollars: (puts / 1000) * p.s3.putCopyPostListPer1000 },
    { item: 'S3 GET requests', quantity: gets, unit: 'requests', dollars: (gets / 1000) * p.s3.getSelectPer1000 },
    { item: 'DynamoDB source reads', quantity: readUnits, unit: 'read units', dollars: (readUnits / 1e6) * p.dynamodb.onDemandReadUnitsPerMillion },
    {
      // With no run's wall time the shards are priced at 0 s: said on the line, not a cost that reads measured (review r65T F3).
      item: m.wallTimeUnknown ? "Lambda (arm64) (shards' wall time unknown: not counted)" : 'Lambda (arm64)',
      quantity: gbSeconds,
      unit: 'GB-seconds',
      dollars: gbSeconds * p.lambda.arm64PerGBSecond + (invocations / 1e6) * p.lambda.requestsPerMillion,
    },
    { item: 'Step Functions (Standard)', quantity: transitions, unit: 'transitions', dollars: (transitions / 1000) * p.stepFunctions.standardPerThousandTransitions },
    { item: `Transfer ${p.region} → ${p.drRegion}`, quantity: crossRegionGB, unit: 'GB', dollars: crossRegionGB * p.transfer.crossRegionPerGB },
    { item: 'KMS requests', quantity: kms, unit: 'requests', dollars: (kms / 10_000) * p.kms.requestsPer10000 },
  ];
}

const CLASS_NAMES: Record<PricedStorageClass, string> = {
  STANDARD: 'S3 Standard',
  STANDARD_IA: 'S3 Standard-IA',
  INTELLIGENT_TIERING_FREQUENT: 'S3 Intelligent-Tiering, Frequent Access',
  INTELLIGENT_TIERING_INFREQUENT: 'S3 Intelligent-Tiering, Infrequent Access',
  INTELLIGENT_TIERING_ARCHIVE_INSTANT: 'S3 Intelligent-Tiering, Archive Instant Access',
  GLACIER_IR: 'S3 Glacier Instant Retrieval',
  GLACIER: 'S3 Glacier Flexible Retrieval',
  DEEP_ARCHIVE: 'S3 Glacier Deep Archive',
};

/**
 * A plan with `storage`: its stored bytes by class in each vault (a line per class that holds any), the lifecycle
 * transitions of the month and Intelligent-Tiering's monitoring (docs/COSTS.md, "Storage tiers").
 */
export function tierLines(t: TierMeasures, p: PriceTable): CostLine[] {
  const perGB = (storageClass: PricedStorageClass, dr: boolean) =>
    storageClass === 'STANDARD' ? (dr ? p.s3.drStandardPerGBMonth : p.s3.standardPerGBMonth) : (dr ? p.s3Tiers.drPerGBMonth : p.s3Tiers.perGBMonth)[storageClass];
  const lines: CostLine[] = [];
  for (const [dr, vault, region] of [
    [false, 'primary vault', p.region],
    [true, 'DR vault', p.drRegion],
  ] as const) {
    for (const c of t.byClass) {
      const gb = (dr ? c.replicatedBytes : c.storedBytes) / GB;
      if (gb > 0) lines.push({ item: `${CLASS_NAMES[c.storageClass]}, ${vault} (${region})`, quantity: gb, unit: 'GB-month', dollars: gb * perGB(c.storageClass, dr) });
    }
  }
  for (const c of t.transitions) {
    lines.push({ item: `S3 lifecycle transitions to ${c.storageClass} (both vaults)`, quantity: c.packs, unit: 'requests', dollars: (c.packs / 1000) * p.s3Tiers.transitionPer1000[c.storageClass] });
  }
  if (t.intelligentTieringPacks > 0) {
    lines.push({ item: 'S3 Intelligent-Tiering monitoring (both vaults)', quantity: t.intelligentTieringPacks, unit: 'objects', dollars: (t.intelligentTieringPacks / 1000) * p.s3Tiers.intelligentTieringMonitoringPer1000Objects });
  }
  return lines;
}

const TYPE_NAMES: Record<SourceType, string> = { s3: 'S3', dynamodb: 'DynamoDB', filesystem: 'EFS' };

export function awsBackupLines(m: PlanMeasures, runs: number, p: PriceTable): CostLine[] {
  const lines: CostLine[] = [];
  let copyGB = 0;
  for (const [type, a] of Object.entries(m.awsBackup) as [SourceType, NonNullable<PlanMeasures['awsBackup'][SourceType]>][]) {
    const warmGB = a.warmBytes / GB;
    const price = p.awsBackup.warmPerGBMonth[type];
    lines.push({ item: `AWS Backup warm storage, ${TYPE_NAMES[type]} (${p.region})`, quantity: warmGB, unit: 'GB-month', dollars: warmGB * price });
    lines.push({ item: `AWS Backup copy, ${TYPE_NAMES[type]} (${p.drRegion})`, quantity: warmGB, unit: 'GB-month', dollars: warmGB * price });
    copyGB += (runs * a.copyBytesPerRun) / GB;
  }
  lines.push({ item: `AWS Backup cross-region copy transfer`, quantity: copyGB, unit: 'GB', dollars: copyGB * p.awsBackup.crossRegionTransferPerGB });
  return lines;
}

/** `maxConcurrency`: the plan's, which sets the batches of its shards (workload-model.ts). */
export function planEstimate(m: PlanMeasures, runs: number, prices: PriceTable, maxConcurrency: number): PlanEstimate {
  const perRun = runRequests(m.typicalRun, { maxConcurrency, vaultIndexObjects: m.vaultIndexObjects });
  const lifeboat = lifeboatLines(m, runs, perRun, prices);
  const awsBackup = awsBackupLines(m, runs, prices);
  return { plan: m.plan, runsPerMonth: runs, measures: m, perRun, lifeboat, lifeboatTotal: sum(lifeboat), awsBackup, awsBackupTotal: sum(awsBackup) };
}

/**
 * What an environment pays whatever its plans: its customer-managed KMS keys (environment-keys.ts), at the
 * price of a key's first year (each of its first two yearly rotations adds `perKeyMonth`, docs/COSTS.md).
 */
export function environmentLines(p: PriceTable, keys: readonly EnvironmentKey[]): CostLine[] {
  const named = (stack: KeyStack) => keys.filter((k) => k.stack === stack).map((k) => k.key).join(', ');
  return [{ item: `KMS keys (primary: ${named('primary')}; DR: ${named('dr')})`, quantity: keys.length, unit: 'key-months', dollars: keys.length * p.kms.perKeyMonth }];
}
