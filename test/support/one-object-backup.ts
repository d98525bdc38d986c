import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../config/lifeboat-config';
import { type ResolveRestoreDeps } from '../../lambdas/restore/resolve-restore';
import { type Vault } from '../../vault/repository/vault';

/** A COMMITTED backup whose one source, "assets" (bucket prod-assets), holds one object: a.txt. */
export const ONE_OBJECT_BACKUP = '20260301T100000Z-1a2b3c4d';

/** Writes the snapshot of ONE_OBJECT_BACKUP's source to `vault`: its id. */
export async function commitOneObjectSnapshot(vault: Vault): Promise<string> {
  const writer = await vault.newSnapshotWriter({ parent: null });
  await writer.add({ path: 'a.txt', kind: 'object', meta: { metadata: {}, tags: {}, etag: '"x"', size: 1, lastModified: '' }, content: Buffer.from('a') });
  return (await vault.commitSnapshot({ source: { kind: 's3', id: 'assets', bucket: 'prod-assets', prefix: '' }, parts: [await writer.finish()] })).id;
}

/**
 * What resolveRestore takes to restore ONE_OBJECT_BACKUP (snapshot `snapshotId` in `vault`) in the dev environment
 * whose config lists `sources`: a catalog that knows that backup only, and AWS clients a suite's mock answers.
 */
export function oneObjectBackupDeps(vault: Vault, snapshotId: string, sources: SourceConfig[]): ResolveRestoreDeps {
  return {
    restoreTargetPrefix: 'lifeboat-dev-restore-',
    sources,
    catalog: {
      requireBackup: async () => ({ backupId: ONE_OBJECT_BACKUP, plan: 'p', status: 'COMMITTED', startedAt: '2026-03-01T10:00:00.000Z', sources: [{ name: 'assets', type: 's3', snapshotId }] }) as never,
      backupAsOf: async () => {
        throw new Error('not used');
      },
    },
    openVault: async () => vault,
    s3: new S3Client({ region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    directory: (p) => p,
  };
}
