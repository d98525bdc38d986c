import { readEntryContent } from '../../vault';
import { type Vault } from '../../vault';
import { contentIds, sameIds } from './content-ids';
import { type RestorableBackup } from './restored-backup';

export type SourceVerification = { source: string; snapshotId: string; entries: number; bytes: number; blobs: number; ok: boolean; problems: string[] };
export type BackupVerification = { backupId: string; ok: boolean; readData: boolean; sources: SourceVerification[] };

/**
 * Verifies one backup in a vault: each source's snapshot loads (its hash matches its name), its
 * manifest root is the root hash the catalog recorded, every entry's blobs are indexed, and with
 * `readData` every blob is read, decrypted (authenticated) and re-chunked to the same ids.
 */
export async function verifyBackup(vault: Vault, backup: RestorableBackup, options: { readData?: boolean } = {}): Promise<BackupVerification> {
  const index = await vault.index();
  const sources: SourceVerification[] = [];
  for (const source of backup.sources) {
    if (typeof source === 'string') {
      sources.push({ source, snapshotId: '', entries: 0, bytes: 0, blobs: 0, ok: false, problems: ['the catalog records no vault snapshot for this source (a backup of the interim plain-copy store)'] });
      continue;
    }
    const result: SourceVerification = { source: source.name, snapshotId: source.snapshotId, entries: 0, bytes: 0, blobs: 0, ok: true, problems: [] };
    sources.push(result);
    try {
      const snapshot = await vault.loadSnapshot(source.snapshotId);
      if (source.rootHash !== undefined && snapshot.manifest !== source.rootHash) result.problems.push(`manifest root ${snapshot.manifest} is not the recorded root hash ${source.rootHash}`);
      for await (const entry of vault.entries(snapshot)) {
        result.entries++;
        result.bytes += entry.size;
        result.blobs += entry.content.length;
        const missing = entry.content.filter((id) => !index.has(Buffer.from(id, 'hex')));
        if (missing.length) {
          result.problems.push(`${JSON.stringify(entry.path)}: ${missing.length} blob(s) in no index, e.g. ${missing[0]}`);
          continue;
        }
        if (options.readData && entry.content.length > 0) {
          const { ids } = await contentIds(vault, readEntryContent(vault, entry));
          if (!sameIds(ids, entry.content)) result.problems.push(`${JSON.stringify(entry.path)}: content read back does not match its blob ids`);
        }
      }
      if (source.entries !== undefined && source.entries !== result.entries) result.problems.push(`${result.entries} entries, the catalog records ${source.entries}`);
    } catch (err) {
      result.problems.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
    result.ok = result.problems.length === 0;
  }
  return { backupId: backup.backupId, ok: sources.every((s) => s.ok), readData: options.readData ?? false, sources };
}
