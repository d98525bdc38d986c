import { verifySnapshot } from '../../vault';
import { type Vault } from '../../vault';
import { z } from 'zod';
import { type RestorableBackup } from './restored-backup';
import { UnrecordedSourcesError } from './unrecorded-sources-error';

export type SourceVerification = { source: string; snapshotId: string; entries: number; bytes: number; blobs: number; ok: boolean; problems: string[] };
export type BackupVerification = { backupId: string; ok: boolean; readData: boolean; sources: SourceVerification[] };

/**
 * Verifies one backup in a vault: each source's snapshot through the vault's one backup
 * verification (verifySnapshot: the snapshot loads, its manifest root is the root hash the catalog
 * recorded, every entry's blobs are indexed, and with `readData` every blob is read back,
 * authenticated and hashed to its id), plus the entry count the catalog recorded. A record that lacks
 * the snapshot of a source its run backed up (or records no source) throws UnrecordedSourcesError
 * first: checking only what is recorded would call such a backup good (an empty list of sources passes).
 */
export async function verifyBackup(vault: Vault, backup: RestorableBackup, options: { readData?: boolean } = {}): Promise<BackupVerification> {
  const missing = unrecordedSources(backup);
  if (backup.sources.length === 0 || missing.length > 0) throw new UnrecordedSourcesError(backup.backupId, missing);
  const sources: SourceVerification[] = [];
  for (const source of backup.sources) {
    if (typeof source === 'string') {
      sources.push({ source, snapshotId: '', entries: 0, bytes: 0, blobs: 0, ok: false, problems: ['the catalog records no vault snapshot for this source (a backup of the interim plain-copy store)'] });
      continue;
    }
    const check = await verifySnapshot(vault, source.snapshotId, {
      readData: options.readData ?? false,
      ...(source.rootHash === undefined ? {} : { expectedRootHash: source.rootHash }),
      ...(source.entries === undefined ? {} : { expectedEntries: source.entries }),
    });
    sources.push({ source: source.name, ...check });
  }
  return { backupId: backup.backupId, ok: sources.every((s) => s.ok), readData: options.readData ?? false, sources };
}

/** `sourceNames` is not part of the restore side's schema (records of the interim plain-copy store lack it). */
const sourceNamesSchema = z.array(z.string()).optional();

/** The sources the backup's run backed up (`sourceNames`) that its record holds no source entry for. */
function unrecordedSources(backup: RestorableBackup): string[] {
  const parsed = sourceNamesSchema.safeParse(backup['sourceNames']);
  const backedUp = parsed.success ? (parsed.data ?? []) : [];
  const recorded = new Set(backup.sources.map((s) => (typeof s === 'string' ? s : s.name)));
  return backedUp.filter((name) => !recorded.has(name));
}
