import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
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
): AsyncGenerator<DynamoDbItem[]> {
  let exclusiveStartKey: DynamoDbItem | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: table,
        Segment: segment,
        TotalSegments: totalSegments,
        ExclusiveStartKey: exclusiveStartKey,
        ConsistentRead: true,
      }),
    );
    yield page.Items ?? [];
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
}

export async function describeTable(ddb: DynamoDBClient, table: string) {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
  if (!Table) throw new Error(`DescribeTable returned no description for table ${table}.`);
  return Table;
}
