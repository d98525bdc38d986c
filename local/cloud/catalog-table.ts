import { type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CATALOG_TABLE_KEYS } from '../../config/catalog-table-keys';
import { createActiveTable } from './active-table';

/**
 * A table with the backup catalog's keys (config/catalog-table-keys.ts, which the deployed table
 * uses too), on-demand, ACTIVE when this resolves: for the bench and the tests that run catalog code
 * on the local cloud without provisioning a whole stack. `byPlan` adds the GSI of the same name;
 * tests of code that never queries it leave it out.
 */
export async function createCatalogShapedTable(dynamodb: DynamoDBClient, tableName: string, options: { byPlan?: boolean } = {}): Promise<void> {
  const { partitionKey, sortKey, byPlan } = CATALOG_TABLE_KEYS;
  const input: CreateTableCommandInput = {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
    ],
  };
  if (options.byPlan === true) {
    input.AttributeDefinitions?.push({ AttributeName: byPlan.partitionKey, AttributeType: 'S' }, { AttributeName: byPlan.sortKey, AttributeType: 'S' });
    input.GlobalSecondaryIndexes = [
      {
        IndexName: byPlan.indexName,
        KeySchema: [
          { AttributeName: byPlan.partitionKey, KeyType: 'HASH' },
          { AttributeName: byPlan.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ];
  }
  await createActiveTable(dynamodb, input);
}
