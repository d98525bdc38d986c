import { dynamoDbTableSourceSchema, readBudgetSchema } from '../../../../config/lifeboat-config';
import { shardShareOfBudget, sourceReadUnitsPerSecond, targetReadUnitsPerSecond, targetWriteUnitsPerSecond } from '../../../../lambdas/sources/dynamodb-capacity-budget';
import { budgetedTargetBytesPerSegment, DEFAULT_TARGET_BYTES_PER_SEGMENT, dynamoDbSegmentCount, MAX_ITEMS_PER_SEGMENT } from '../../../../lambdas/sources/dynamodb-segment-count';
import { planDynamoDbShards } from '../../../../lambdas/sources/dynamodb-table-source';
import { shardSpecSchema } from '../../../../lambdas/sources/shard-spec';

const GiB = 1024 ** 3;

describe('dynamoDbSegmentCount', () => {
  it('gives a segment per target bytes, from 1 to 1,000, whatever the plan\'s concurrency', () => {
    expect(dynamoDbSegmentCount({ sizeBytes: 0, itemCount: 0 })).toBe(1);
    expect(dynamoDbSegmentCount({ sizeBytes: 10, itemCount: 1 })).toBe(1);
    expect(dynamoDbSegmentCount({ sizeBytes: DEFAULT_TARGET_BYTES_PER_SEGMENT, itemCount: 1000 })).toBe(1);
    expect(dynamoDbSegmentCount({ sizeBytes: DEFAULT_TARGET_BYTES_PER_SEGMENT + 1, itemCount: 1000 })).toBe(2);
    expect(dynamoDbSegmentCount({ sizeBytes: 100 * GiB, itemCount: 1000 })).toBe(100);
    // 10 TB: capped at 1,000 (resumable shards carry what does not fit in one run).
    expect(dynamoDbSegmentCount({ sizeBytes: 10e12, itemCount: 1e10 })).toBe(1000);
    expect(dynamoDbSegmentCount({ sizeBytes: 100 * GiB, itemCount: 1000 }, { max: 16 })).toBe(16);
    expect(dynamoDbSegmentCount({ sizeBytes: 5 * 1024 ** 2, itemCount: 1000 }, { targetBytesPerSegment: 1024 ** 2 })).toBe(5);
  });

  it('counts items too: many small items cost per item', () => {
    expect(dynamoDbSegmentCount({ sizeBytes: 100 * 1024 ** 2, itemCount: MAX_ITEMS_PER_SEGMENT * 3 })).toBe(3);
  });

  it('refuses a target that is not above 0', () => {
    expect(() => dynamoDbSegmentCount({ sizeBytes: 1, itemCount: 1 }, { targetBytesPerSegment: 0 })).toThrow('targetBytesPerSegment must be above 0, not 0.');
  });

  it('sizes segments to what a segment scans in SEGMENT_SECONDS at its share of a small budget', () => {
    // 80 RCU/s over 8 slots: 10 RCU/s × 4 KB × 300 s per segment.
    expect(budgetedTargetBytesPerSegment(80, 8)).toBe(10 * 4096 * 300);
    expect(budgetedTargetBytesPerSegment(80, 8, false)).toBe(10 * 8192 * 300);
    expect(budgetedTargetBytesPerSegment(1e9, 8)).toBe(DEFAULT_TARGET_BYTES_PER_SEGMENT);
  });
});

describe('read and write budgets', () => {
  const provisioned = { billingMode: 'PROVISIONED' as const, provisioned: { read: 400, write: 100 } };
  const onDemand = { billingMode: 'PAY_PER_REQUEST' as const };

  it('reads: 25 % of provisioned RCU by default, the configured share, capped by readUnitsPerSecond', () => {
    expect(sourceReadUnitsPerSecond(undefined, provisioned)).toBe(100);
    expect(sourceReadUnitsPerSecond({ shareOfProvisioned: 0.5 }, provisioned)).toBe(200);
    expect(sourceReadUnitsPerSecond({ shareOfProvisioned: 0.5, readUnitsPerSecond: 50 }, provisioned)).toBe(50);
  });

  it('reads on-demand: 1,500 RCU/s by default, the configured cap, or the share of a maximum throughput', () => {
    expect(sourceReadUnitsPerSecond(undefined, onDemand)).toBe(1500);
    expect(sourceReadUnitsPerSecond({ readUnitsPerSecond: 300 }, onDemand)).toBe(300);
    expect(sourceReadUnitsPerSecond(undefined, { ...onDemand, onDemandMax: { read: 2000 } })).toBe(500);
  });

  it('writes: the whole capacity of a table the restore created, a quarter of an existing one', () => {
    expect(targetWriteUnitsPerSecond(undefined, provisioned, 'created')).toBe(100);
    expect(targetWriteUnitsPerSecond(undefined, provisioned, 'existing')).toBe(25);
    expect(targetWriteUnitsPerSecond(undefined, onDemand, 'created')).toBe(4000);
    expect(targetWriteUnitsPerSecond(undefined, onDemand, 'existing')).toBe(1000);
    expect(targetWriteUnitsPerSecond({ writeUnitsPerSecond: 10 }, onDemand, 'created')).toBe(10);
  });

  it("a restore's read-back: the whole read capacity of a table the restore created, a quarter of an existing one", () => {
    const reads = provisioned.provisioned?.read ?? 0;
    expect(targetReadUnitsPerSecond(provisioned, 'created')).toBe(reads);
    expect(targetReadUnitsPerSecond(provisioned, 'existing')).toBe(reads / 4);
    expect(targetReadUnitsPerSecond(onDemand, 'created')).toBe(12_000);
    expect(targetReadUnitsPerSecond(onDemand, 'existing')).toBe(1500);
    expect(targetReadUnitsPerSecond({ ...onDemand, onDemandMax: { read: 2000 } }, 'existing')).toBe(500);
  });

  it('divides a budget by the shards that can run at once', () => {
    expect(shardShareOfBudget(100, 50, 8)).toBe(12.5);
    expect(shardShareOfBudget(100, 2, 8)).toBe(50);
  });

  it('config: a share must be in (0, 1], a cap above 0', () => {
    expect(readBudgetSchema.safeParse({ shareOfProvisioned: 0 }).error?.issues[0]?.message).toBe('must be above 0');
    expect(readBudgetSchema.safeParse({ shareOfProvisioned: 1.5 }).error?.issues[0]?.message).toBe('must be at most 1 (all of the provisioned capacity)');
    expect(readBudgetSchema.safeParse({ readUnitsPerSecond: -1 }).error?.issues[0]?.message).toBe('must be above 0');
    expect(readBudgetSchema.safeParse({ rcu: 5 }).success).toBe(false);
    expect(dynamoDbTableSourceSchema.safeParse({ type: 'dynamodb', name: 'orders', table: 'orders', scanSegments: 1001 }).error?.issues[0]?.message).toBe('must be at most 1000');
    expect(dynamoDbTableSourceSchema.parse({ type: 'dynamodb', name: 'orders', table: 'orders', scanSegments: 16, readBudget: { shareOfProvisioned: 0.1 }, writeBudget: { writeUnitsPerSecond: 500 } })).toMatchObject({ scanSegments: 16 });
  });

  it('planned shards carry their share of the budget and the average item size, and parse as ShardSpecs', () => {
    const shards = planDynamoDbShards({ type: 'dynamodb', name: 'orders', table: 'orders' }, { segments: 3, firstIndex: 4, readUnitsPerSecond: 12.5, averageItemBytes: 640 });
    expect(shards.map((s) => shardSpecSchema.parse(s))).toEqual([0, 1, 2].map((segment) => ({ kind: 'dynamodb', index: 4 + segment, source: 'orders', table: 'orders', segment, totalSegments: 3, readUnitsPerSecond: 12.5, averageItemBytes: 640 })));
    // Plans made before budgets still parse (unpaced).
    expect(shardSpecSchema.parse({ kind: 'dynamodb', index: 0, source: 'o', table: 'orders', segment: 0, totalSegments: 1 })).not.toHaveProperty('readUnitsPerSecond');
  });
});
