import { type ManifestEntry, type EntryKind } from '../../vault';
import { type NewEntry } from '../../vault';

/**
 * What a source reader writes its entries into: the part of a SnapshotWriter it needs. Sources ask
 * `canReuse` first so that an unchanged entry (same change token as in the parent snapshot) is
 * recorded without reading its content, and add it with the parent entry they got as `stored`
 * (`reused: true`): the writer asked again could meanwhile have dropped a parent whose page another
 * entry found damaged, and must not then record the entry empty (snapshot-writer.ts `add`).
 */
export type EntrySink = {
  add(entry: NewEntry): Promise<void>;
  canReuse(path: string, kind: EntryKind, changeToken: string | undefined): Promise<ManifestEntry | null>;
};

/** What a source reader observed besides its entries (stored with the shard's manifest part, summed into the catalog). */
export type ShardObservations = {
  /** Entries whose content changed while they were read (kept as read; see docs/ARCHITECTURE.md). */
  changedDuringRead: string[];
  /** Entries listed at planning or walking time that were gone when read. */
  vanished: string[];
  /** Entries that could not be read ("path: reason"), e.g. permission denied or a socket. */
  skipped: string[];
};

export function newObservations(): ShardObservations {
  return { changedDuringRead: [], vanished: [], skipped: [] };
}
