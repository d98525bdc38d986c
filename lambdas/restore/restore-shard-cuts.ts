import { type ManifestEntry, type ManifestReader } from '../../vault';
import { piecesOf } from './object-pieces';
import { type RestoreShard } from './restore-plan-document';
import { entrySelector, type SelectedPage, selectedPages } from './restore-selection';
import { type ResolvedRestore } from './resolved-restore';
import { s3TargetKey } from './restored-entry';
import { LongestRestoredKey } from './restored-key-length';
import { fewestItemsOf, mostItemsOf, SHARD_WRITE_SECONDS, shardSeconds, type ShardRates } from './shard-write-time';

/**
 * How a restore's selection is cut into shards, from the manifest's page references (the root and
 * its nodes: about 500 objects at a billion entries) rather than from its entries. A page reference
 * carries the page's first and last path, entry count and byte total, which is all the cutting needs
 * for a page every entry of which the restore takes whole. A page is read only when that is not
 * enough:
 * - a filter's range starts or ends inside it (at most a few pages per restore);
 * - it may hold an entry restored in pieces: its byte total is over the piece budget (an entry's bytes
 *   are at most its page's), and the target restores such entries in pieces (S3 and file systems);
 * - an S3 target has a prefix: each restored key is checked against S3's key limit before anything is
 *   written (restored-key-length.ts), and only the entries have the keys;
 * - a shard boundary falls inside it and the selection is small enough to read where they fall
 *   (`exactPages`): there the shards are exactly those an entry-by-entry cut makes. Past it, a boundary
 *   moves to the end of the page it falls in (shards of whole pages), so no page is read for it, unless
 *   the page alone weighs more than two shards' share (cutShards).
 */
export type ShardBudget = {
  maxShards: number;
  entriesPerShard: number;
  bytesPerShard: number;
  /** An entry above this is restored in pieces (object-pieces.ts); the budget grows with their total. */
  basePieceBytes: number;
  /** Selections of at most this many pages are cut at entries (shards exactly as before pages were planned from); larger ones at pages. */
  exactPages: number;
  /**
   * DynamoDB targets under a write budget: the write and read rates each shard of this cut gets. The
   * shards are then balanced by the seconds they take at these rates (shardSeconds, shard-write-time.ts)
   * and cut at half of SHARD_WRITE_SECONDS, as a shard may run one entry (or, cut at pages, one share)
   * past its share.
   */
  shardRates?: ShardRates | undefined;
};

/**
 * Pages (about 2,000 entries each) up to which a shard boundary is placed at its entry, reading the
 * pages boundaries fall in: about two million entries, what a manifest root lists without nodes
 * (MANIFEST_FANOUT). At most that many pages read lazily, about a minute with S3's latency.
 */
export const EXACT_CUT_PAGES = 1000;

/** What the plan counted over the selection (first pass). */
export type SelectionTotals = {
  entries: number;
  bytes: number;
  /** Entries (and their bytes) restored whole, and the bytes of those restored in pieces. */
  wholeEntries: number;
  wholeBytes: number;
  splitBytes: number;
  /** DynamoDB targets: the backed-up items of the entries restored whole, an upper bound where pages were not read (pageItems). */
  wholeItems: number;
  /** Pages the selection reaches. */
  pages: number;
  /**
   * DynamoDB targets: the items of each page read (every page's entries record theirs; review r8-F1),
   * for the first exactPages pages. Other pages count mostItemsOf their reference.
   */
  pageItems: ReadonlyMap<string, number>;
  /** Pages holding an entry over the piece budget: the second pass reads these. */
  splitPages: ReadonlySet<string>;
  /** S3 targets with a prefix: the longest restored key. */
  longestKey: LongestRestoredKey | undefined;
};

type Restore = Pick<ResolvedRestore, 'prefix' | 'source' | 'target'>;

/** Whether an entry larger than the piece budget is restored in pieces. A later name of a hard link is a link to its first name, not content of its own; DynamoDB pages are small. */
function splittableFor(restore: Restore): ((entry: ManifestEntry) => boolean) | undefined {
  const type = restore.target.type;
  if (type === 's3') return (entry) => entry.kind === 'object';
  if (type === 'filesystem') return (entry) => entry.kind === 'object' || entry.kind === 'page' || (entry.kind === 'file' && typeof entry.meta['hardlink'] !== 'string');
  return undefined;
}

/** A DynamoDB page entry's items (meta `{ items }`, dynamodb-page-entries.ts); at most what its bytes can hold if it records none. */
function itemsOf(entry: ManifestEntry): number {
  const items = entry.meta['items'];
  return typeof items === 'number' && Number.isFinite(items) && items >= 0 ? items : mostItemsOf(1, entry.size);
}

/** A DynamoDB page entry's items at the fewest: as recorded, else one. */
function fewestItemsOfEntry(entry: ManifestEntry): number {
  const items = entry.meta['items'];
  return typeof items === 'number' && Number.isFinite(items) && items >= 0 ? items : fewestItemsOf(1);
}

/** The items of a page restored whole: counted if it was read, else the most its reference allows. */
function refItems(ref: SelectedPage['ref'], pageItems: ReadonlyMap<string, number>): number {
  return pageItems.get(ref.id) ?? mostItemsOf(ref.count, ref.bytes);
}

/** The items of a page restored whole: counted if it was read, else the fewest its reference allows. */
function refFewestItems(ref: SelectedPage['ref'], pageItems: ReadonlyMap<string, number>): number {
  return pageItems.get(ref.id) ?? fewestItemsOf(ref.count);
}

/**
 * Counts the selection: from page references where they suffice, reading the pages named above where
 * they do not. The keys of an S3 target with a prefix are every entry's, so such a restore reads every
 * page of its selection once (docs/SCALE.md, "Limits"). A DynamoDB target's first exactPages pages are
 * read for their items: a unit is charged per item whatever its size, and pages hold 8 to 4,096 of
 * them, so bytes alone cannot tell how long a shard writes (review r8-F1).
 */
export async function selectionTotals(reader: ManifestReader, restore: Restore, budget: ShardBudget): Promise<SelectionTotals> {
  const splittable = splittableFor(restore);
  const target = restore.target;
  const checkKeys = target.type === 's3' && target.prefix !== '';
  const longestKey = checkKeys ? new LongestRestoredKey() : undefined;
  const selects = entrySelector(restore);
  const totals = { entries: 0, bytes: 0, wholeEntries: 0, wholeBytes: 0, wholeItems: 0, splitBytes: 0, pages: 0 };
  const splitPages = new Set<string>();
  const counting = target.type === 'dynamodb';
  const pageItems = new Map<string, number>();
  let toCount = counting ? budget.exactPages : 0;
  const read = (page: SelectedPage): boolean => {
    const countsItems = toCount > 0;
    toCount--;
    return countsItems || !page.whole || checkKeys || (splittable !== undefined && page.ref.bytes > budget.basePieceBytes);
  };
  for await (const { page, entries } of withEntries(reader, selectedPages(reader, restore), read)) {
    totals.pages++;
    if (!entries) {
      totals.entries += page.ref.count;
      totals.bytes += page.ref.bytes;
      totals.wholeEntries += page.ref.count;
      totals.wholeBytes += page.ref.bytes;
      if (counting) totals.wholeItems += refItems(page.ref, pageItems);
      continue;
    }
    let items = 0;
    for (const entry of entries) {
      if (counting) items += itemsOf(entry);
      if (!page.whole && !selects(entry)) continue;
      totals.entries++;
      if (counting) totals.wholeItems += itemsOf(entry);
      if (target.type === 's3') longestKey?.add(s3TargetKey(target, entry));
      totals.bytes += entry.size;
      if (splittable?.(entry) && entry.size > budget.basePieceBytes) {
        totals.splitBytes += entry.size;
        splitPages.add(page.ref.id);
      } else {
        totals.wholeEntries++;
        totals.wholeBytes += entry.size;
      }
    }
    if (counting) pageItems.set(page.ref.id, items);
  }
  return { ...totals, splitPages, pageItems, longestKey };
}

/**
 * The plan's shards, in manifest order, and the entries restored in pieces with their shards (an S3
 * piece's upload is started by the caller). `items`: a DynamoDB target's backed-up items of each shard,
 * by index (an upper bound where a page was not read; 0 for other targets), and `fewestItems` the
 * lower bound (equal to `items` where every page was read): not in the plan document. The cut is
 * balanced by `items`; a plan may be refused only by `fewestItems` (task F33).
 */
export type CutShards = { shards: RestoreShard[]; items: number[]; fewestItems: number[]; splitEntries: Array<{ entry: ManifestEntry; shards: RestoreShard[] }> };

/**
 * Cuts the selection into contiguous shards balanced by entries and bytes (second pass): an entry
 * over the piece budget gets shards of its own, one per piece; the others are grouped so that each
 * shard weighs about the same, an entry weighing its bytes plus a fixed cost per request, so many
 * small objects and a few big ones both spread. A page every entry of which goes to one shard is taken
 * from its reference; see ShardBudget for the pages read.
 */
export async function cutShards(reader: ManifestReader, restore: Restore, totals: SelectionTotals, budget: ShardBudget): Promise<CutShards> {
  const { maxShards, entriesPerShard, bytesPerShard } = budget;
  const { wholeEntries, wholeBytes, wholeItems, splitBytes, pageItems } = totals;
  const splittable = splittableFor(restore) ?? (() => false);
  const selects = entrySelector(restore);
  // An S3 object or a file above the piece budget is restored in pieces, a shard each; the budget grows so
  // that the pieces take at most half the shards, whatever the sizes (5 TB objects and 10,000 shards included).
  const pieceBytes = Math.max(budget.basePieceBytes, Math.ceil(splitBytes / Math.max(1, Math.floor(maxShards / 2))));
  const counting = restore.target.type === 'dynamodb';
  const rates = budget.shardRates;
  const PER_ENTRY = 64 * 1024;
  // What an entry weighs: its bytes plus a fixed cost per request; under a DynamoDB write budget, the seconds it takes at the shard's rates.
  const weigh = (bytes: number, count: number, items: number): number => (rates ? shardSeconds({ bytes, items }, rates) : bytes + count * PER_ENTRY);
  // The least an entry weighs: a DynamoDB page holds at least one item.
  const leastEntry = weigh(0, 1, 1);
  const byTime = rates ? Math.ceil((2 * weigh(wholeBytes, wholeEntries, wholeItems)) / SHARD_WRITE_SECONDS) : 0;
  const wholeShards = Math.max(1, Math.min(splitBytes > 0 ? Math.ceil(maxShards / 2) : maxShards, wholeEntries, Math.max(Math.ceil(wholeEntries / entriesPerShard), Math.ceil(wholeBytes / bytesPerShard), byTime)));
  const perShard = weigh(wholeBytes, wholeEntries, wholeItems) / wholeShards;
  const exact = totals.pages <= budget.exactPages;
  const shards: RestoreShard[] = [];
  const items: number[] = [];
  const fewestItems: number[] = [];
  const splitEntries: CutShards['splitEntries'] = [];
  let current: RestoreShard | undefined;
  // The weight of the entries restored whole so far, and the shards of them started: shard k starts at the first entry at or past k shares.
  let weight = 0;
  let cut = 0;
  const startsShard = (): boolean => !current || (weight >= perShard * cut && cut < wholeShards);
  const startShard = (first: string): RestoreShard => {
    const shard: RestoreShard = { index: shards.length, first, last: first, entries: 0, bytes: 0 };
    shards.push(shard);
    items.push(0);
    fewestItems.push(0);
    cut++;
    return shard;
  };

  // A page weighing more than two shards' share would make a shard of more than twice it: past exactPages it is read and
  // cut at its entries too. Such pages are at most half the shards (5,000), and known from their references, so read ahead.
  const itemsOfRef = (ref: SelectedPage['ref']): number => (counting ? refItems(ref, pageItems) : 0);
  const heavy = (page: SelectedPage): boolean => !exact && weigh(page.ref.bytes, page.ref.count, itemsOfRef(page.ref)) > 2 * perShard;
  const read = (page: SelectedPage): boolean => !page.whole || totals.splitPages.has(page.ref.id) || heavy(page);
  for await (const item of withEntries(reader, selectedPages(reader, restore), read)) {
    const { page } = item;
    const { ref } = page;
    let entries = item.entries;
    if (!entries) {
      const starts = startsShard();
      // Every entry after the page's first starts at a weight of at most the page's end less one entry's fixed cost.
      const refWeight = weigh(ref.bytes, ref.count, itemsOfRef(ref));
      const end = weight + refWeight;
      const next = cut + (starts ? 1 : 0);
      const cutInside = ref.count > 1 && next < wholeShards && perShard * next <= end - leastEntry;
      if (!cutInside || !exact) {
        // Past exactPages a page joins the open shard whole; one that would take it past two shares (a page just under
        // the heavy limit after a nearly full shard) starts a new shard instead, so no shard holds about three (review 42g).
        const open = current;
        const overfull = !exact && !starts && open !== undefined && cut < wholeShards && weigh(open.bytes, open.entries, items[open.index] ?? 0) + refWeight > 2 * perShard;
        if (starts || overfull) current = startShard(ref.first);
        const shard = current as RestoreShard;
        shard.last = ref.last;
        shard.entries += ref.count;
        shard.bytes += ref.bytes;
        items[shard.index] = (items[shard.index] ?? 0) + itemsOfRef(ref);
        if (counting) fewestItems[shard.index] = (fewestItems[shard.index] ?? 0) + refFewestItems(ref, pageItems);
        weight = end;
        continue;
      }
      entries = await reader.pageEntries(ref);
    }
    for (const entry of entries) {
      if (!page.whole && !selects(entry)) continue;
      const pieces = splittable(entry) ? piecesOf(entry.size, pieceBytes) : [];
      if (pieces.length > 0) {
        // Its own shards; the entries after it start a new range (ranges are contiguous in manifest order).
        const own: RestoreShard[] = pieces.map((p, i) => ({ index: shards.length + i, first: entry.path, last: entry.path, entries: p.start === 0 ? 1 : 0, bytes: p.end - p.start, piece: { ...p } }));
        shards.push(...own);
        items.push(...own.map(() => 0));
        fewestItems.push(...own.map(() => 0));
        splitEntries.push({ entry, shards: own });
        current = undefined;
        continue;
      }
      if (startsShard()) current = startShard(entry.path);
      const shard = current as RestoreShard;
      shard.last = entry.path;
      shard.entries++;
      shard.bytes += entry.size;
      const entryItems = counting ? itemsOf(entry) : 0;
      items[shard.index] = (items[shard.index] ?? 0) + entryItems;
      if (counting) fewestItems[shard.index] = (fewestItems[shard.index] ?? 0) + fewestItemsOfEntry(entry);
      weight += weigh(entry.size, 1, entryItems);
    }
  }
  return { shards, items, fewestItems, splitEntries };
}

/** The selected pages with the entries of those `read` picks, read one page ahead so decryption overlaps with the counting. */
async function* withEntries(reader: ManifestReader, pages: AsyncIterator<SelectedPage>, read: (page: SelectedPage) => boolean): AsyncGenerator<{ page: SelectedPage; entries: readonly ManifestEntry[] | undefined }> {
  const pull = async (): Promise<{ page: SelectedPage; loading: Promise<readonly ManifestEntry[]> | undefined } | null> => {
    const next = await pages.next();
    if (next.done) return null;
    const page = next.value;
    const loading = read(page) ? reader.pageEntries(page.ref) : undefined;
    // Awaited below, or dropped when the consumer stops early: never an unhandled rejection.
    loading?.catch(() => undefined);
    return { page, loading };
  };
  let next = pull();
  for (;;) {
    const item = await next;
    if (!item) return;
    next = pull();
    next.catch(() => undefined);
    yield { page: item.page, entries: item.loading ? await item.loading : undefined };
  }
}
