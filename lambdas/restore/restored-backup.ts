import { z } from 'zod';
import { InvalidInputError } from '../runtime/errors';

/**
 * The part of a catalog backup record a restore needs, read with its own schema so that the restore
 * side depends only on the shared contract: `sources` lists, per source, the vault snapshot that
 * holds it. Records of the interim plain-copy store (sources as bare names) parse too, and are
 * refused with a clear message when a restore asks for them.
 */
const sourceSnapshotSchema = z.looseObject({
  name: z.string(),
  type: z.enum(['s3', 'dynamodb', 'filesystem']).optional(),
  snapshotId: z.string().regex(/^[0-9a-f]{64}$/),
  rootHash: z.string().optional(),
  entries: z.number().optional(),
});
export type SourceSnapshot = z.infer<typeof sourceSnapshotSchema>;

export const restorableBackupSchema = z.looseObject({
  backupId: z.string(),
  plan: z.string(),
  status: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  strategy: z.string().optional(),
  sources: z.array(z.union([z.string(), sourceSnapshotSchema])),
  /** Per-region copy status (absent on records from before replication existed). */
  copies: z.looseObject({ dr: z.string().optional() }).optional(),
  /** Set when retention forgot the backup from the vault of the catalog's region. */
  forgottenAt: z.string().optional(),
});
export type RestorableBackup = z.infer<typeof restorableBackupSchema>;

export function readBackupRecord(record: unknown): RestorableBackup {
  return restorableBackupSchema.parse(record);
}

/** The snapshot of `source` in a committed backup, or an InvalidInputError saying why there is none. */
export function snapshotOfSource(backup: RestorableBackup, source: string): SourceSnapshot {
  if (backup.status !== 'COMMITTED') {
    throw new InvalidInputError(`Invalid restore request: backupId: backup ${backup.backupId} is ${backup.status}, and only COMMITTED backups can be restored`);
  }
  const names = backup.sources.map((s) => (typeof s === 'string' ? s : s.name));
  const found = backup.sources.find((s) => (typeof s === 'string' ? s : s.name) === source);
  if (found === undefined) {
    throw new InvalidInputError(`Invalid restore request: source: backup ${backup.backupId} does not hold source "${source}"; it holds ${names.join(', ') || 'no source'}`);
  }
  if (typeof found === 'string') {
    throw new InvalidInputError(
      `Invalid restore request: backupId: backup ${backup.backupId} was taken before backups were stored in the vault and records no snapshot for "${source}"; restore a newer backup`,
    );
  }
  return found;
}
