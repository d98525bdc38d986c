import { type ManifestEntry } from '../manifest/manifest-entry';
import { type Vault } from '../repository/vault';
import { fetchBlobs } from './blob-fetcher';
import { readEntryContent } from './restore';
import { type RestoredContentTags } from './restored-content-tags';

/** An entry up to this size is read with its neighbours; a larger one is streamed on its own. */
export const PREFETCH_ENTRY_BYTES = 1024 * 1024;
/** Bytes of content one group of small entries holds (two groups may be in memory at once, three while one is being finished). */
export const PREFETCH_GROUP_BYTES = 8 * 1024 * 1024;

type Group = { readonly entries: ManifestEntry[]; fetched?: Promise<Map<ManifestEntry, Buffer[]>> };

/**
 * The contents of a list of entries (a restore shard's, in manifest order) for writers that take one
 * entry at a time: runs of small entries (S3 objects, DynamoDB pages up to PREFETCH_ENTRY_BYTES) are
 * read from the vault together, so that their blobs — which a backup writes one after the other into
 * the same packs — come in one ranged read per pack run (fetchBlobs coalesces adjacent blobs) instead
 * of one read per entry. Restoring 308 small objects from an S3 vault took 308 GETs of the vault;
 * now a handful. A larger entry is streamed as readEntryContent streams it.
 *
 * A group is read when its first entry is asked for, and the next group is read meanwhile; an entry's
 * buffers are dropped once handed out. A damaged blob fails every entry of its group with the
 * vault's error (a restore shard fails on its first failed entry anyway). With `contentTags`, each
 * blob's content tag is recorded as readEntryContent records it.
 */
export class EntryContentPrefetch {
  private readonly groups: Group[] = [];
  private readonly groupOf = new Map<ManifestEntry, number>();

  constructor(
    private readonly vault: Vault,
    entries: readonly ManifestEntry[],
    private readonly options: { readonly contentTags?: RestoredContentTags; readonly groupBytes?: number; readonly entryBytes?: number } = {},
  ) {
    const groupBytes = options.groupBytes ?? PREFETCH_GROUP_BYTES;
    const entryBytes = options.entryBytes ?? PREFETCH_ENTRY_BYTES;
    let current: Group | undefined;
    let bytes = 0;
    for (const entry of entries) {
      if (entry.content.length === 0 || entry.size > entryBytes) {
        current = undefined;
        continue;
      }
      if (!current || bytes + entry.size > groupBytes) {
        current = { entries: [] };
        bytes = 0;
        this.groups.push(current);
      }
      current.entries.push(entry);
      bytes += entry.size;
      this.groupOf.set(entry, this.groups.length - 1);
    }
  }

  /** The entry's content, in order (the entry must be one of those given to the constructor, or it is streamed). */
  async *content(entry: ManifestEntry): AsyncGenerator<Buffer> {
    const at = this.groupOf.get(entry);
    if (at === undefined) {
      yield* readEntryContent(this.vault, entry, this.options.contentTags ? { contentTags: this.options.contentTags } : {});
      return;
    }
    const fetched = await this.fetch(at);
    // Read ahead: the next group's reads run while this one's entries are written.
    void this.fetch(at + 1);
    const chunks = fetched.get(entry) ?? [];
    fetched.delete(entry);
    this.groupOf.delete(entry);
    yield* chunks;
  }

  private fetch(at: number): Promise<Map<ManifestEntry, Buffer[]>> {
    const group = this.groups[at];
    if (!group) return Promise.resolve(new Map());
    if (!group.fetched) {
      group.fetched = this.read(group);
      // Awaited by the group's entries; a read-ahead nobody asks for must not be an unhandled rejection.
      group.fetched.catch(() => undefined);
    }
    return group.fetched;
  }

  private async read(group: Group): Promise<Map<ManifestEntry, Buffer[]>> {
    const index = await this.vault.index();
    const byEntry = new Map<ManifestEntry, Buffer[]>(group.entries.map((e) => [e, []]));
    const requests = group.entries.flatMap((entry) => entry.content.map((id) => ({ id, tag: entry })));
    const tags = this.options.contentTags;
    for await (const { tag: entry, data } of fetchBlobs({ store: this.vault.store, keys: this.vault.keys, index, reloadFrom: this.vault }, requests)) {
      const chunks = byEntry.get(entry) as Buffer[];
      tags?.recordPlaintext(Buffer.from(entry.content[chunks.length] as string, 'hex'), data);
      chunks.push(data);
    }
    return byEntry;
  }
}
