import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createActiveTable } from '../../local/cloud';

/**
 * A table shaped like the backup catalog (lib/constructs/catalog-table.ts): keys pk/sk, and with `byPlan`
 * its GSI (plan, startedAt), for tests that run catalog code against the local cloud's DynamoDB.
 */
export async function createCatalogShapedTable(dynamodb: DynamoDBClient, tableName: string, options: { byPlan?: boolean } = {}): Promise<void> {
  const byPlan = options.byPlan === true;
  await createActiveTable(dynamodb, {
    TableName: tableName,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      ...(byPlan
        ? [
            { AttributeName: 'plan', AttributeType: 'S' as const },
            { AttributeName: 'startedAt', AttributeType: 'S' as const },
          ]
        : []),
    ],
    ...(byPlan
      ? {
          GlobalSecondaryIndexes: [
            {
              IndexName: 'byPlan',
              KeySchema: [
                { AttributeName: 'plan', KeyType: 'HASH' as const },
                { AttributeName: 'startedAt', KeyType: 'RANGE' as const },
              ],
              Projection: { ProjectionType: 'ALL' as const },
            },
          ],
        }
      : {}),
    BillingMode: 'PAY_PER_REQUEST',
  });
}
