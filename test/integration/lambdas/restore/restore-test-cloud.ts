import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { createCatalogShapedTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { type Vault } from '../../../../vault/repository/vault';
import { commitFixtureBackup } from '../../../support/vault-backup-fixture';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** The region of the cloud, and the prefix the restore steps are given for the targets they may create (the dev environment's). */
export const REGION = 'us-east-1';
export const RESTORE_TARGET_PREFIX = 'lifeboat-dev-restore-';
const VAULT_BUCKET = 'lifeboat-dev-vault-000000000000-us-east-1';
const CATALOG = 'lifeboat-dev-catalog';

/** What the restore steps run against in a suite: the local cloud's clients, a file vault, the catalog, and their RestoreIo. */
export type RestoreTestCloud = {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  vault: Vault;
  catalog: BackupCatalog;
  io: RestoreIo;
  /** Backs up `source` as the backup workflow stores it (plan "shop", started an hour ago) and records it COMMITTED: its backup id. */
  commitBackup: (source: SourceConfig) => Promise<string>;
  /** The items of `table`, each as JSON with its attributes sorted, sorted: what a restore left there, item for item. */
  items: (table: string) => Promise<string[]>;
  /** Destroys the clients, stops the cloud and removes its files and the vault's. */
  close: () => Promise<void>;
};

/**
 * A local cloud of one region with the vault bucket (where a restore's plan goes) and the catalog table, and a file
 * vault beside it; `label` names the temporary directories.
 */
export async function startRestoreTestCloud(label: string): Promise<RestoreTestCloud> {
  const dataDir = await tempDir(`${label}-cloud`);
  const work = await tempDir(label);
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  const s3 = localS3Client(cloud.endpoints, REGION);
  const dynamodb = localDynamoDbClient(cloud.endpoints, REGION);
  await mkdir(join(work, 'vault'));
  const vault = (await newTestVault(join(work, 'vault'))).vault;
  await s3.send(new CreateBucketCommand({ Bucket: VAULT_BUCKET }));
  await createCatalogShapedTable(dynamodb, CATALOG);
  const catalog = new BackupCatalog(DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }), CATALOG);
  const io: RestoreIo = { openVault: async () => vault, planS3: s3, planBucket: VAULT_BUCKET, targetS3: s3, dynamodb, directory: (p) => join(work, 'fs', p) };
  return {
    s3,
    dynamodb,
    vault,
    catalog,
    io,
    commitBackup: (source) => commitFixtureBackup('shop', [source], { vault, s3, dynamodb, catalogTable: CATALOG, directory: io.directory }, new Date(Date.now() - 3_600_000)),
    items: async (table) => {
      const out: string[] = [];
      for await (const page of paginateScan({ client: dynamodb }, { TableName: table, ConsistentRead: true })) for (const item of page.Items ?? []) out.push(JSON.stringify(Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))));
      return out.sort();
    },
    close: async () => {
      s3.destroy();
      dynamodb.destroy();
      await stopLocalCloud(dataDir);
      await removeDir(dataDir);
      await removeDir(work);
    },
  };
}
