import { ancestorDirectories, comparePaths, type ManifestEntry, underPrefix } from '../../vault';
import { type Snapshot } from '../../vault';
import { type Vault } from '../../vault';
import { type ResolvedRestore } from './resolved-restore';
import { s3KeyOfEntry } from './restored-entry';

/**
 * The entries of a snapshot a restore covers, in manifest order. The filter prefix is a plain
 * string prefix of S3 keys (as S3 itself filters); for a directory it selects a path and what lies
 * below it. With a shard range, only entries from `first` to `last` inclusive.
 */
export async function* selectedEntries(
  vault: Vault,
  snapshot: Snapshot,
  restore: Pick<ResolvedRestore, 'prefix' | 'source'>,
  range?: { first: string; last: string },
): AsyncGenerator<ManifestEntry> {
  const prefix = restore.prefix;
  // The manifest reader skips pages outside a directory-style prefix; an S3 key prefix is matched here.
  const readerPrefix = restore.source.type === 'filesystem' ? prefix : '';
  // A shard's reading starts at the page of its first path, and the reader yields nothing before it:
  // shard k of a large manifest does not parse the k shards before it.
  for await (const entry of vault.entries(snapshot, readerPrefix, range?.first)) {
    if (prefix !== '' && restore.source.type === 's3' && !s3KeyOfEntry(entry).startsWith(prefix)) continue;
    if (prefix !== '' && restore.source.type === 'filesystem' && !underPrefix(entry.path, prefix)) continue;
    if (range && comparePaths(entry.path, range.last) > 0) return;
    yield entry;
  }
}

/**
 * The directories above a file-system filter's path (`sub` for `sub/deeper`), which the restore
 * makes on the way to it: not entries of the selection, but given their recorded mode and mtime
 * with the selected directories (verify-restore.ts). None for S3 keys and for a whole restore.
 */
export async function selectionAncestors(vault: Vault, snapshot: Snapshot, restore: Pick<ResolvedRestore, 'prefix' | 'source'>): Promise<ManifestEntry[]> {
  if (restore.source.type !== 'filesystem' || restore.prefix === '') return [];
  return ancestorDirectories(vault, snapshot, restore.prefix);
}
