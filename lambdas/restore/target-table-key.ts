import { type TableDescription } from '@aws-sdk/client-dynamodb';
import { InvalidInputError } from '../runtime/errors';
import { type TableSchema } from '../sources/dynamodb-table-schema';

/** One attribute of a table's primary key: its name, its role (HASH: partition key, RANGE: sort key) and its type. */
export type KeyAttribute = { readonly name: string; readonly keyType: string; readonly type: string };

/** A table's primary key as its backup recorded it: the partition key, then the sort key when it has one. */
export function backupKeyOf(schema: Pick<TableSchema, 'keySchema' | 'attributeDefinitions'>): KeyAttribute[] {
  return keyOf(schema.keySchema, schema.attributeDefinitions);
}

/** The attribute names of a key, partition key first: what a restore shard reads its items back by. */
export function keyNamesOf(key: readonly KeyAttribute[]): string[] {
  return key.map((k) => k.name);
}

/** `pk (HASH, S) + sk (RANGE, N)`. */
export function describeKey(key: readonly KeyAttribute[]): string {
  return key.length === 0 ? '(no key schema)' : key.map((k) => `${k.name} (${k.keyType}, ${k.type})`).join(' + ');
}

/**
 * Refuses an overwrite restore into an existing table whose primary key is not the backup's (names,
 * HASH/RANGE, attribute types). Items are written by the target's key: under another key, backed-up
 * items that share it would replace one another (or DynamoDB refuses a batch holding two of them)
 * part-way through the restore. Checked before anything is written, with the key types of the
 * table's secondary indexes (checkIndexKeyTypes).
 */
export function checkOverwrittenTableKey(table: string, existing: TableDescription, backup: TableSchema, backupId: string): void {
  const have = keyOf(existing.KeySchema ?? [], existing.AttributeDefinitions ?? []);
  const want = backupKeyOf(backup);
  if (describeKey(have) === describeKey(want)) {
    checkIndexKeyTypes(table, existing, backup, backupId);
    return;
  }
  throw new InvalidInputError(
    `Invalid restore request: target.table: table ${table} is keyed by ${describeKey(have)}, but the items of backup ${backupId} are keyed by ${describeKey(want)}; ` +
      `an overwrite restore writes into an existing table only when its key schema is the backup's (under another key, items would collide and replace one another). ` +
      `Nothing was written. Restore into a new table (the restore creates it with the backup's schema), or recreate ${table} with the key ${describeKey(want)} and run the restore again`,
  );
}

/**
 * Refuses an overwrite restore into a table one of whose secondary indexes keys an attribute by
 * another type than the backup's attribute definitions give it: DynamoDB refuses every item that
 * holds the attribute with the other type ("Type mismatch for Index Key"), so the restore would fail
 * on the first such batch after other pages were written. An attribute the backup does not define
 * (no key of the source table or its indexes) has no recorded type and is not checked.
 */
function checkIndexKeyTypes(table: string, existing: TableDescription, backup: TableSchema, backupId: string): void {
  const targetTypes = new Map((existing.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]));
  const backupTypes = new Map(backup.attributeDefinitions.map((d) => [d.AttributeName, d.AttributeType]));
  const indexes = [
    ...(existing.GlobalSecondaryIndexes ?? []).map((i) => ({ kind: 'global secondary index', name: i.IndexName, keySchema: i.KeySchema ?? [] })),
    ...(existing.LocalSecondaryIndexes ?? []).map((i) => ({ kind: 'local secondary index', name: i.IndexName, keySchema: i.KeySchema ?? [] })),
  ];
  for (const index of indexes) {
    for (const { AttributeName: attribute } of index.keySchema) {
      if (attribute === undefined) continue;
      const theirs = targetTypes.get(attribute);
      const ours = backupTypes.get(attribute);
      if (theirs === undefined || ours === undefined || theirs === ours) continue;
      throw new InvalidInputError(
        `Invalid restore request: target.table: the ${index.kind} ${index.name ?? '?'} of table ${table} keys attribute ${JSON.stringify(attribute)} as ${theirs}, ` +
          `but backup ${backupId} defines ${JSON.stringify(attribute)} as ${ours}; DynamoDB would refuse every item holding it part-way through the restore. ` +
          `Nothing was written. Restore into a new table (the restore creates it with the backup's schema), or recreate the index with ${JSON.stringify(attribute)} of type ${ours} and run the restore again`,
      );
    }
  }
}

function keyOf(
  schema: ReadonlyArray<{ AttributeName?: string | undefined; KeyType?: string | undefined }>,
  definitions: ReadonlyArray<{ AttributeName?: string | undefined; AttributeType?: string | undefined }>,
): KeyAttribute[] {
  const ordered = [...schema.filter((k) => k.KeyType === 'HASH'), ...schema.filter((k) => k.KeyType !== 'HASH')];
  return ordered.map((k) => ({
    name: k.AttributeName ?? '?',
    keyType: k.KeyType ?? '?',
    type: definitions.find((d) => d.AttributeName === k.AttributeName)?.AttributeType ?? '?',
  }));
}
