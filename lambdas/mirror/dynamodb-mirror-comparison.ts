import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, GetItemCommand, ResourceNotFoundException, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type MirrorDifference } from './mirror-record';

export type DynamoDbMirrorWindow = {
  compared: number;
  differences: number;
  examples: MirrorDifference[];
  /** The last key of the window as JSON, or '' at the end of the table. */
  cursor: string;
  /** Set when the replica is missing: the precondition, said so the user can act. */
  missingReplica?: string;
};

const MAX_DIFFERENCES = 20;

/** Attribute values as JSON with map keys sorted, so two equal items give the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * One window of a table compared with its global-table replica in the mirror region: a page of the
 * source's items (from the cursor) each read from the replica by key and compared attribute by
 * attribute. No lag: DynamoDB reports `ReplicationLatency` to CloudWatch, which this check does not read.
 */
export async function compareDynamoDbMirror(
  source: { ddb: DynamoDBClient; table: string },
  replica: { ddb: DynamoDBClient; table: string; region: string },
  options: { after: string; samples: number },
): Promise<DynamoDbMirrorWindow> {
  let keyNames: string[];
  try {
    const described = await replica.ddb.send(new DescribeTableCommand({ TableName: replica.table }));
    keyNames = (described.Table?.KeySchema ?? []).flatMap((k) => (k.AttributeName ? [k.AttributeName] : []));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException) && (err as Error).name !== 'ResourceNotFoundException') throw err;
    return {
      compared: 0,
      differences: 0,
      examples: [],
      cursor: '',
      missingReplica: `table ${replica.table} has no replica in ${replica.region}: make it a global table with a replica there (the mirror's precondition)`,
    };
  }
  const page = await source.ddb.send(
    new ScanCommand({ TableName: source.table, Limit: options.samples, ...(options.after ? { ExclusiveStartKey: JSON.parse(options.after) as Record<string, AttributeValue> } : {}) }),
  );
  const examples: MirrorDifference[] = [];
  let differences = 0;
  for (const item of page.Items ?? []) {
    const key = Object.fromEntries(keyNames.map((k) => [k, item[k] as AttributeValue]));
    const { Item: copy } = await replica.ddb.send(new GetItemCommand({ TableName: replica.table, Key: key }));
    const reason = !copy ? 'missing in the replica' : canonical(copy) !== canonical(item) ? 'differs in the replica' : undefined;
    if (reason) {
      differences += 1;
      if (examples.length < MAX_DIFFERENCES) examples.push({ key: canonical(key), reason });
    }
  }
  return { compared: page.Items?.length ?? 0, differences, examples, cursor: page.LastEvaluatedKey ? JSON.stringify(page.LastEvaluatedKey) : '' };
}
