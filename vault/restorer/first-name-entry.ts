import { type ManifestEntry, underPrefix } from '../manifest/manifest-entry';
import { type ManifestReader } from '../manifest/manifest-reader';
import { isVaultDamage } from './readable-entries';

/**
 * The entry a restore holds at a hard link's first name (docs/FORMAT.md §7, "Hard links"), asked only for a first name the
 * restorer did not write with the link's content (written-files.ts), to say why in notRestored: the entry; null when the
 * restore covers that path but holds no entry there (a crafted or damaged `hardlink`); undefined when the path is not part
 * of the restore (an `--include` of the later name only, another shard's range). Whether the restore covers a path is not
 * enough to link to what the target holds there (audit a58B F1): with `--overwrite`, a `hardlink` naming a path the snapshot
 * does not hold made the link another name of the user's own file there (a key beside a public directory included).
 * Whether the restore holds an entry there is no proof it was written (review r58K F1): a link is made only to a file in
 * the restorer's WrittenFiles.
 */
export type FirstNameEntry = (path: string) => Promise<ManifestEntry | null | undefined>;

/**
 * For a restore that reads the snapshot's manifest (`lifeboat vault restore`): the manifest's entry, under `include`. A
 * first name on a page that cannot be read is not part of the restore: its page is reported damaged, and the link's
 * content is written. The lookup reads through the reader's cache of recent pages: a first name near its later name (the
 * same directory, or a tree of links walked beside its first names) costs no page read.
 */
export function firstNamesInManifest(manifest: ManifestReader, include: string): FirstNameEntry {
  return async (path) => {
    if (!underPrefix(path, include)) return undefined;
    try {
      return (await manifest.find(path)) ?? null;
    } catch (err) {
      if (isVaultDamage(err)) return undefined;
      throw err;
    }
  };
}

/**
 * For a restore that holds its entries (a workflow shard): the first names its entries' hard links name, among them;
 * `covers`: whether a path is part of the restore (the shard's range). Keeps only those entries.
 */
export function firstNamesAmong(entries: readonly ManifestEntry[], covers: (path: string) => boolean): FirstNameEntry {
  const named = new Set<string>();
  for (const entry of entries) {
    const first = entry.meta['hardlink'];
    if (typeof first === 'string') named.add(first);
  }
  const byPath = new Map<string, ManifestEntry>();
  for (const entry of entries) if (named.has(entry.path)) byPath.set(entry.path, entry);
  return (path) => Promise.resolve(covers(path) ? (byPath.get(path) ?? null) : undefined);
}

/**
 * Why the hard link `link` is not made to `first` (the restore's entry at its first name, or null: none), or undefined
 * when it may be: a later name records its first name's content (the same blob ids), so a first name of another kind or
 * content is not the file the backup met, and linked, the link would not hold what it records.
 */
export function unlinkableFirstName(link: ManifestEntry, firstPath: string, first: ManifestEntry | null): string | undefined {
  const why = !first
    ? 'the backup has no entry there'
    : first.kind !== 'file'
      ? `the backup's entry there is a ${first.kind}, not a file`
      : first.size !== link.size || first.content.length !== link.content.length || first.content.some((id, i) => id !== link.content[i])
        ? "the backup's file there holds other content"
        : undefined;
  return why && `hard link not made to its first name ${JSON.stringify(firstPath)}: ${why}; its recorded content was written to it as a file of its own`;
}
