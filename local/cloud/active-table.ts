import { CreateTableCommand, type CreateTableCommandInput, type CreateTableCommandOutput, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Waiting for a table of the local cloud to be ACTIVE. dynalite answers CreateTable while the table
 * is CREATING and makes it ACTIVE on a timer (createTableMs 0) that runs a moment later; until then
 * it answers a write or a DeleteTable with ResourceNotFoundException or ResourceInUseException, as
 * AWS does for seconds. Code that creates a table and then uses it must wait, here as against AWS.
 *
 * Not the SDK's waitUntilTableExists: its first retry comes after 20 s, so each time the first
 * DescribeTable still saw CREATING it would add 20 s.
 */
const POLL_MS = 20;
const POLLS = 3000;

/** Polls DescribeTable every 20 ms until the table is ACTIVE (at most a minute). */
export async function waitTableActive(ddb: DynamoDBClient, table: string): Promise<void> {
  for (let attempt = 0; attempt < POLLS; attempt++) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`table ${table} did not become ACTIVE within a minute`);
}

/** CreateTable, then waitTableActive: the table takes writes when this returns. */
export async function createActiveTable(ddb: DynamoDBClient, input: CreateTableCommandInput): Promise<CreateTableCommandOutput> {
  const created = await ddb.send(new CreateTableCommand(input));
  await waitTableActive(ddb, input.TableName ?? '');
  return created;
}
