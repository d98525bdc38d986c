import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { type ResolvedRestore } from '../../lambdas/restore/resolved-restore';
import { type RestoreIo } from '../../lambdas/restore/restore-io';
import { type Vault } from '../../vault/repository/vault';

/**
 * The restore steps' I/O for unit tests: the given vault, plan bucket `vault` and fresh SDK clients
 * (each test mocks the S3 and DynamoDB classes it needs), directory targets under `directory`.
 */
export function mockedRestoreIo(vault: Vault, directory: (p: string) => string): RestoreIo {
  return {
    openVault: () => Promise.resolve(vault),
    planS3: new S3Client({ region: 'us-east-1' }),
    planBucket: 'vault',
    targetS3: new S3Client({ region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    directory,
  };
}

/** A resolved restore of the file-system source `files` from the primary vault, started now: no overwrite, set-id bits dropped. */
export function resolvedFileRestore(options: { restoreId: string; snapshotId: string; target: ResolvedRestore['target']; backupId?: string }): ResolvedRestore {
  return {
    restoreId: options.restoreId,
    source: { name: 'files', type: 'filesystem' },
    backupId: options.backupId ?? '20260301T100000Z-1a2b3c4d',
    backupStartedAt: new Date().toISOString(),
    snapshotId: options.snapshotId,
    vault: 'primary',
    target: options.target,
    overwrite: false,
    keepSetIdBits: false,
    prefix: '',
    startedAt: new Date().toISOString(),
  };
}
