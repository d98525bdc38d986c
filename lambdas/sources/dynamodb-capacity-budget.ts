import { type ReadBudgetConfig, type WriteBudgetConfig } from '../../config/lifeboat-config';

/** What DescribeTable says of a table's capacity. */
export type TableCapacity = {
  billingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
  /** Provisioned RCU and WCU (provisioned tables). */
  provisioned?: { read: number; write: number } | undefined;
  /** An on-demand table's maximum throughput, when its owner set one (OnDemandThroughput). */
  onDemandMax?: { read?: number | undefined; write?: number | undefined } | undefined;
};

/**
 * Defaults. A backup takes at most a quarter of the table's provisioned read capacity, leaving three
 * quarters to the application (the share DynamoDB users expect a background job to stay under). An
 * on-demand table has no provisioned figure: AWS lets a new on-demand table serve 12,000 read request
 * units a second at once (twice its initial "previous peak" of 6,000), so the default cap is a quarter
 * of that peak, 1,500 RCU/s — a backup alone never pushes an on-demand table beyond what it serves
 * without scaling, whatever its history. A configured OnDemandThroughput maximum counts as provisioned.
 */
export const DEFAULT_READ_SHARE = 0.25;
export const DEFAULT_ON_DEMAND_READ_UNITS_PER_SECOND = 1500;

/**
 * Restore writes. Into a table the restore created, nobody else writes: the whole provisioned WCU
 * (share 1), or for on-demand 4,000 WCU/s, what a new on-demand table serves at once. Into an
 * existing table (an overwrite restore, the application possibly still running) a quarter, as reads:
 * 25 % of provisioned WCU, or 1,000 WCU/s on-demand (a quarter of a new table's instant 4,000).
 */
export const DEFAULT_WRITE_SHARE = { created: 1, existing: 0.25 } as const;
export const DEFAULT_ON_DEMAND_WRITE_UNITS_PER_SECOND = { created: 4000, existing: 1000 } as const;

/**
 * A restore's read-back of the items it wrote (strongly consistent BatchGetItem). From a table the
 * restore created, nobody else reads: the whole provisioned RCU, or 12,000 RCU/s on-demand (what a new
 * on-demand table serves at once). From an existing table, as a backup reads a live one: 25 % of the
 * provisioned RCU, or 1,500 RCU/s on-demand.
 */
export const DEFAULT_READ_BACK_SHARE = { created: 1, existing: DEFAULT_READ_SHARE } as const;
export const DEFAULT_ON_DEMAND_READ_BACK_UNITS_PER_SECOND = { created: 12_000, existing: DEFAULT_ON_DEMAND_READ_UNITS_PER_SECOND } as const;

function smallestOf(values: readonly (number | undefined)[]): number {
  const defined = values.filter((v): v is number => v !== undefined && v > 0);
  return Math.min(...defined);
}

/** The read units a second the backup of a whole table may use, all segments together. */
export function sourceReadUnitsPerSecond(config: ReadBudgetConfig | undefined, capacity: TableCapacity): number {
  const reference = capacity.billingMode === 'PROVISIONED' ? capacity.provisioned?.read : capacity.onDemandMax?.read;
  const share = config?.shareOfProvisioned ?? DEFAULT_READ_SHARE;
  const fromShare = reference !== undefined && reference > 0 ? share * reference : undefined;
  const cap = config?.readUnitsPerSecond ?? (fromShare === undefined ? DEFAULT_ON_DEMAND_READ_UNITS_PER_SECOND : undefined);
  return smallestOf([fromShare, cap]);
}

/** The write units a second a restore into a table may use, all shards together. */
export function targetWriteUnitsPerSecond(config: WriteBudgetConfig | undefined, capacity: TableCapacity, target: 'created' | 'existing'): number {
  const reference = capacity.billingMode === 'PROVISIONED' ? capacity.provisioned?.write : capacity.onDemandMax?.write;
  const share = config?.shareOfProvisioned ?? DEFAULT_WRITE_SHARE[target];
  const fromShare = reference !== undefined && reference > 0 ? share * reference : undefined;
  const cap = config?.writeUnitsPerSecond ?? (fromShare === undefined ? DEFAULT_ON_DEMAND_WRITE_UNITS_PER_SECOND[target] : undefined);
  return smallestOf([fromShare, cap]);
}

/** The read units a second a restore's read-back of a table may use, all shards together. */
export function targetReadUnitsPerSecond(capacity: TableCapacity, target: 'created' | 'existing'): number {
  const reference = capacity.billingMode === 'PROVISIONED' ? capacity.provisioned?.read : capacity.onDemandMax?.read;
  const fromShare = reference !== undefined && reference > 0 ? DEFAULT_READ_BACK_SHARE[target] * reference : undefined;
  return smallestOf([fromShare, fromShare === undefined ? DEFAULT_ON_DEMAND_READ_BACK_UNITS_PER_SECOND[target] : undefined]);
}

/**
 * One shard's share of a budget. Shards run in separate Lambdas, each with its own bucket, and at most
 * `maxConcurrency` of them (the Map's MaxConcurrency) run at once: dividing by the shards that can run
 * together keeps their sum within the budget, and a shard that follows another in the same Map slot
 * starts only after the first has settled its debt (CapacityTokenBucket). Dividing by all the shards
 * would be as safe but slower whenever there are more shards than slots.
 */
export function shardShareOfBudget(unitsPerSecond: number, shards: number, maxConcurrency: number): number {
  return unitsPerSecond / Math.max(1, Math.min(shards, maxConcurrency));
}
