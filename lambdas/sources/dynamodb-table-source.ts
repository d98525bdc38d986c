import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { type DynamoDbTableSourceConfig } from '../../config/lifeboat-config';
import { type ReadCapacityBudget } from './read-capacity-budget';
import { scanPagesWithinBudget } from './scan-within-budget';
import { type ShardSpec } from './shard-spec';

export type DynamoDbItem = Record<string, AttributeValue>;

/**
 * One shard per parallel-scan segment; DynamoDB spreads the table's items over the segments. Each
 * carries its share of the read budget (RCU a second), if any, and the table's average item size.
 */
export function planDynamoDbShards(
  source: DynamoDbTableSourceConfig,
  options: { segments: number; firstIndex: number; readUnitsPerSecond?: number; averageItemBytes?: number },
): ShardSpec[] {
  return Array.from({ length: options.segments }, (_, segment) => ({
    kind: 'dynamodb' as const,
    index: options.firstIndex + segment,
    source: source.name,
    table: source.table,
    segment,
    totalSegments: options.segments,
    ...(options.readUnitsPerSecond !== undefined ? { readUnitsPerSecond: options.readUnitsPerSecond } : {}),
    ...(options.averageItemBytes !== undefined ? { averageItemBytes: options.averageItemBytes } : {}),
  }));
}

/** One Scan page of a segment: its items, and whether DynamoDB said more follow (LastEvaluatedKey). */
export type SegmentScanPage = { items: DynamoDbItem[]; more: boolean };

/**
 * Pages of one parallel-scan segment, items in the low-level AttributeValue encoding so numbers keep
 * their full precision and binary stays binary. A scan is not a point-in-time view (fuzzy backup).
 * With a read budget the pages are paced by it (scan-within-budget.ts); without, as fast as DynamoDB serves them.
 * `more` lets a reader that may stop tell a last page from one whose successor it would wait for.
 */
export async function* scanSegmentPages(
  ddb: DynamoDBClient,
  table: string,
  segment: number,
  totalSegments: number,
  /** Resume after this key (a stopped shard's cursor); absent = from the segment's start. */
  exclusiveStartKey?: DynamoDbItem,
  readBudget?: ReadCapacityBudget,
): AsyncGenerator<SegmentScanPage> {
  const input = { TableName: table, Segment: segment, TotalSegments: totalSegments, ConsistentRead: true, ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}) };
  const pages = readBudget ? scanPagesWithinBudget(ddb, input, readBudget) : paginateScan({ client: ddb }, input);
  for await (const page of pages) yield { items: page.Items ?? [], more: page.LastEvaluatedKey !== undefined };
}

export async function describeTable(ddb: DynamoDBClient, table: string) {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
  if (!Table) throw new Error(`DescribeTable returned no description for table ${table}.`);
  return Table;
}
