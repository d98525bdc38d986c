import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { type DynamoDbTableSourceConfig } from '../../config/lifeboat-config';
import { type ShardSpec } from './shard-spec';

export type DynamoDbItem = Record<string, AttributeValue>;

/** One shard per parallel-scan segment; DynamoDB spreads the table's items over the segments. */
export function planDynamoDbShards(source: DynamoDbTableSourceConfig, options: { segments: number; firstIndex: number }): ShardSpec[] {
  return Array.from({ length: options.segments }, (_, segment) => ({
    kind: 'dynamodb' as const,
    index: options.firstIndex + segment,
    source: source.name,
    table: source.table,
    segment,
    totalSegments: options.segments,
  }));
}

/**
 * Pages of one parallel-scan segment, items in the low-level AttributeValue encoding so numbers keep
 * their full precision and binary stays binary. A scan is not a point-in-time view (fuzzy backup).
 */
export async function* scanSegment(
  ddb: DynamoDBClient,
  table: string,
  segment: number,
  totalSegments: number,
  /** Resume after this key (a stopped shard's cursor); absent = from the segment's start. */
  exclusiveStartKey?: DynamoDbItem,
): AsyncGenerator<DynamoDbItem[]> {
  const pages = paginateScan({ client: ddb }, { TableName: table, Segment: segment, TotalSegments: totalSegments, ConsistentRead: true, ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}) });
  for await (const page of pages) yield page.Items ?? [];
}

export async function describeTable(ddb: DynamoDBClient, table: string) {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
  if (!Table) throw new Error(`DescribeTable returned no description for table ${table}.`);
  return Table;
}
