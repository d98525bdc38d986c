import { type SourceConfig } from '../../lib/config/lifeboat-config';
import { type BackupCatalog } from '../catalog/backup-catalog';
import { InvalidInputError } from '../runtime/errors';
import { type Snapshot } from '../vault/snapshot-record';
import { type Vault } from '../vault/vault';
import { parseRestoreRequest } from './restore-request';
import { SnapshotMismatchError } from './restore-errors';
import { checkTargetAllowed } from './restore-target-policy';
import { checkTargetState, type TargetDeps } from './restore-target-state';
import { readBackupRecord, snapshotOfSource } from './restored-backup';
import { type ResolvedRestore } from './resolved-restore';

export type ResolveRestoreDeps = TargetDeps & {
  environment: string;
  sources: readonly SourceConfig[];
  catalog: Pick<BackupCatalog, 'requireBackup' | 'backupAsOf'>;
  openVault: (side: 'primary' | 'dr') => Promise<Vault>;
  now?: () => Date;
};

/** Snapshot source kinds that hold each type of Lifeboat source ('directory' is the vault CLI's name). */
const KINDS: Record<SourceConfig['type'], readonly string[]> = { s3: ['s3'], dynamodb: ['dynamodb'], filesystem: ['filesystem', 'directory'] };

/**
 * The first step of the restore runbook: validates every field of the request (each error names
 * the field), resolves the backup (by id, or the newest committed one at or before a point in
 * time), finds the source's snapshot in the chosen vault, and checks that the target may and can
 * receive it. Writes nothing.
 */
export async function resolveRestore(raw: unknown, restoreId: string, deps: ResolveRestoreDeps): Promise<ResolvedRestore> {
  const request = parseRestoreRequest(raw, deps.sources);
  const source = request.sourceConfig;
  if (request.backupId === undefined && request.pointInTime === undefined) {
    throw new InvalidInputError('Invalid restore request: backupId: give the backup to restore, as "backupId" or as "pointInTime" (the newest committed backup at or before it)');
  }
  if (request.filter && source.type === 'dynamodb') {
    throw new InvalidInputError('Invalid restore request: filter: a DynamoDB table is restored whole; remove "filter" (it applies to S3 keys and directory paths)');
  }
  checkTargetAllowed(deps.environment, source, request.target);

  const record = readBackupRecord(
    request.backupId !== undefined ? await deps.catalog.requireBackup(request.backupId) : await deps.catalog.backupAsOf(source.name, new Date(request.pointInTime ?? '').toISOString()),
  );
  const sourceSnapshot = snapshotOfSource(record, source.name);
  const vault = await deps.openVault(request.vault);
  const snapshot: Snapshot = await vault.loadSnapshot(sourceSnapshot.snapshotId);
  if (!KINDS[source.type].includes(snapshot.source.kind)) {
    throw new SnapshotMismatchError(
      `Snapshot ${snapshot.id.slice(0, 12)} of backup ${record.backupId} holds a ${snapshot.source.kind} source, but "${source.name}" is a ${source.type} source; the catalog and the vault disagree`,
    );
  }
  await checkTargetState(request.target, request.overwrite, deps);
  return {
    restoreId,
    source: { name: source.name, type: source.type },
    backupId: record.backupId,
    backupStartedAt: record.startedAt,
    snapshotId: snapshot.id,
    vault: request.vault,
    target: request.target,
    overwrite: request.overwrite,
    prefix: request.filter?.prefix ?? '',
    startedAt: (deps.now ?? (() => new Date()))().toISOString(),
  };
}
