import { type AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { createCatalogShapedTable } from '../../local/cloud';
import { measureDynaliteItemsInBytes } from '../../local/cloud/dynamodb-item-size';

/**
 * The real BackupCatalog over a catalog-shaped table of an in-memory dynalite in the test's own process, on
 * 127.0.0.1: the catalog's conditional writes run as DynamoDB runs them (key size limits included), without a
 * local cloud. `documents`: the client under it, for a test that writes an item the catalog would not. `close` stops
 * the client and the server. `byPlan`: the table has the byPlan index, which listBackupsOfPlan queries.
 */
export async function catalogOnDynalite(options: { byPlan?: boolean } = {}): Promise<{ catalog: BackupCatalog; documents: DynamoDBDocumentClient; close: () => Promise<void> }> {
  // The 400 KB item limit in UTF-8 bytes, as the local cloud's dynalite measures it.
  measureDynaliteItemsInBytes();
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await createCatalogShapedTable(ddb, 'catalog', options.byPlan === true ? { byPlan: true } : {});
  const documents = DynamoDBDocumentClient.from(ddb);
  return {
    catalog: new BackupCatalog(documents, 'catalog'),
    documents,
    close: async () => {
      ddb.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
