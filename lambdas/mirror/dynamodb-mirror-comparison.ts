import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, GetItemCommand, ResourceNotFoundException, ScanCommand } from '@aws-sdk/client-dynamodb';
import { canonicalAttributes, itemKeyLabel, itemKeyOf, itemKeyText, ItemKeyTextError } from './dynamodb-item-key';
import { type MirrorDifference } from './mirror-record';

export type DynamoDbMirrorWindow = {
  compared: number;
  differences: number;
  examples: MirrorDifference[];
  /** The last key of the window (itemKeyText), or '' at the end of the table. */
  cursor: string;
  /** Set when the replica is missing: the precondition, said so the user can act. */
  missingReplica?: string;
};

const MAX_DIFFERENCES = 20;

type Item = Record<string, AttributeValue>;

/**
 * The window's cursor (the `MIRROR#` item's `cursor`) is not an item key this version reads. Its message
 * names the cursor by itemKeyLabel, not its text: the error is the execution's cause, and a key's text is
 * the item's values.
 */
export class MirrorCursorError extends Error {
  override readonly name = 'MirrorCursorError';
  constructor(table: string, cursor: string, cause: ItemKeyTextError) {
    super(`the mirror check's cursor for table ${table} (${itemKeyLabel(cursor)}) is not a DynamoDB item key: set \`cursor\` of its MIRROR# item in the DR catalog to "" to start the next pass at the table's beginning`, { cause });
  }
}

/** The Scan's ExclusiveStartKey for the window after `cursor`. */
function startKey(table: string, cursor: string): Item {
  try {
    return itemKeyOf(cursor);
  } catch (err) {
    if (err instanceof ItemKeyTextError) throw new MirrorCursorError(table, cursor, err);
    throw err;
  }
}

/**
 * How the replica's copy of an item differs from the source's, attribute by attribute, or undefined when
 * they agree. Absent from both is equal: the item was deleted, and the deletion has replicated.
 */
export function itemDifference(item: Item | undefined, copy: Item | undefined): string | undefined {
  if (!item) return copy ? 'in the replica but deleted from the source' : undefined;
  if (!copy) return 'missing in the replica';
  return canonicalAttributes(copy) !== canonicalAttributes(item) ? 'differs in the replica' : undefined;
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
    new ScanCommand({ TableName: source.table, Limit: options.samples, ...(options.after ? { ExclusiveStartKey: startKey(source.table, options.after) } : {}) }),
  );
  const examples: MirrorDifference[] = [];
  let differences = 0;
  for (const item of page.Items ?? []) {
    const key: Item = Object.fromEntries(keyNames.map((k) => [k, item[k] as AttributeValue]));
    const { Item: copy } = await replica.ddb.send(new GetItemCommand({ TableName: replica.table, Key: key }));
    const reason = itemDifference(item, copy);
    if (reason) {
      differences += 1;
      if (examples.length < MAX_DIFFERENCES) examples.push({ key: itemKeyText(key), reason });
    }
  }
  return { compared: page.Items?.length ?? 0, differences, examples, cursor: page.LastEvaluatedKey ? itemKeyText(page.LastEvaluatedKey) : '' };
}
