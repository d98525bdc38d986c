import { ancestorDirectories, comparePaths, ESCAPED_KEY_SEGMENT, type ManifestEntry, type ManifestReader, type PageRef, underPrefix } from '../../vault';
import { type Snapshot } from '../../vault';
import { s3KeyOf, type Vault } from '../../vault';
import { type ResolvedRestore } from './resolved-restore';

type SelectionRestore = Pick<ResolvedRestore, 'prefix' | 'source'>;
/** A shard's range: entries from `first` to `last` inclusive. */
type PathRange = { first: string; last: string };

/**
 * A contiguous run of manifest paths, by its smallest path and a test. Manifest order keeps every
 * string prefix's paths together, and a directory's subtree right after the directory
 * (manifest-entry.ts comparePaths), so a filter's matches lie in one or two such runs.
 */
type PathRun = { readonly start: string; readonly holds: (path: string) => boolean };

type Selection = {
  /** Disjoint, in manifest order: every selected entry's path lies in one of them. */
  readonly runs: readonly PathRun[];
  /** Where a path inside a run does not make its entry selected: each entry there is tested (escaped S3 keys). */
  readonly tested: readonly PathRun[];
  readonly selects: (entry: ManifestEntry) => boolean;
};

/** One page of the manifest that may hold selected entries; `whole`: every entry of it is selected, so its reference alone counts them. */
export type SelectedPage = { readonly ref: PageRef; readonly whole: boolean };

const EVERYTHING: Selection = { runs: [{ start: '', holds: () => true }], tested: [], selects: () => true };

function stringRun(prefix: string): PathRun {
  return { start: prefix, holds: (path) => path.startsWith(prefix) };
}

/**
 * The filter prefix is a plain string prefix of S3 keys (as S3 itself filters); for a directory it
 * selects a path and what lies below it. An S3 key starting with the prefix is its own path when the
 * vault can hold it as one (lambdas/sources/s3-entry-path.ts), so those paths share the prefix; a key it
 * cannot hold is stored under the escaped segment with the exact key in its meta, and every entry
 * there is tested by that key. DynamoDB restores take no filter (resolve-restore.ts).
 */
function selectionOf(restore: SelectionRestore): Selection {
  const prefix = restore.prefix;
  if (prefix === '' || restore.source.type === 'dynamodb') return EVERYTHING;
  if (restore.source.type === 'filesystem') return { runs: [{ start: prefix, holds: (path) => underPrefix(path, prefix) }], tested: [], selects: (entry) => underPrefix(entry.path, prefix) };
  const plain = stringRun(prefix);
  const escaped = stringRun(`${ESCAPED_KEY_SEGMENT}/`);
  const selects = (entry: ManifestEntry): boolean => s3KeyOf(entry).startsWith(prefix);
  // No plain path starts with the escaped segment; and when the prefix is the start of the escaped segment, its run holds that one.
  if (prefix.startsWith(escaped.start)) return { runs: [escaped], tested: [escaped], selects };
  if (escaped.start.startsWith(prefix)) return { runs: [plain], tested: [escaped], selects };
  return { runs: comparePaths(plain.start, escaped.start) < 0 ? [plain, escaped] : [escaped, plain], tested: [escaped], selects };
}

/** The page may hold paths of the run (its range reaches into the run's). */
function meets(ref: PageRef, run: PathRun): boolean {
  return comparePaths(ref.last, run.start) >= 0 && (comparePaths(ref.first, run.start) <= 0 || run.holds(ref.first));
}

/** The page starts after every path of the run. */
function past(ref: PageRef, run: PathRun): boolean {
  return comparePaths(ref.first, run.start) > 0 && !run.holds(ref.first);
}

function within(ref: PageRef, run: PathRun, range: PathRange | undefined): boolean {
  return run.holds(ref.first) && run.holds(ref.last) && (!range || (comparePaths(ref.first, range.first) >= 0 && comparePaths(ref.last, range.last) <= 0));
}

/**
 * The pages of a snapshot's manifest that may hold entries a restore covers (within `range`, a
 * shard's), in manifest order, from the page references alone (the root and its nodes): a filtered
 * restore reads only the pages its filter's key range reaches, and a page wholly inside it is
 * marked `whole`, so a caller that needs counts and bytes only takes them from its reference.
 */
export async function* selectedPages(reader: ManifestReader, restore: SelectionRestore, range?: PathRange): AsyncGenerator<SelectedPage> {
  const selection = selectionOf(restore);
  let after: string | undefined;
  for (const run of selection.runs) {
    const start = range && comparePaths(range.first, run.start) > 0 ? range.first : run.start;
    for await (const ref of reader.pageRefs(start === '' ? undefined : start)) {
      if (range && comparePaths(ref.first, range.last) > 0) return;
      // A page that reaches into two runs is given once, with the first.
      if (after !== undefined && comparePaths(ref.last, after) <= 0) continue;
      if (past(ref, run)) break;
      if (!meets(ref, run)) continue;
      after = ref.last;
      yield { ref, whole: within(ref, run, range) && !selection.tested.some((t) => meets(ref, t)) };
    }
  }
}

/** Whether an entry of a page that is not `whole` is one the restore covers (a shard's range aside). */
export function entrySelector(restore: SelectionRestore): (entry: ManifestEntry) => boolean {
  return selectionOf(restore).selects;
}

/**
 * The entries of a snapshot a restore covers, in manifest order. With a shard range, only entries from
 * `first` to `last` inclusive. Only the pages selectedPages names are read: a shard starts at the page of
 * its first path (shard k of a large manifest does not parse the k shards before it), and a filtered
 * restore reads the pages of its filter's range, an S3 key prefix included.
 */
export async function* selectedEntries(vault: Vault, snapshot: Snapshot, restore: SelectionRestore, range?: PathRange): AsyncGenerator<ManifestEntry> {
  const reader = await vault.manifest(snapshot);
  const selects = entrySelector(restore);
  for await (const { entries } of reader.pagesOf(refsOf(selectedPages(reader, restore, range)))) {
    for (const entry of entries) {
      if (range && comparePaths(entry.path, range.first) < 0) continue;
      if (range && comparePaths(entry.path, range.last) > 0) return;
      if (selects(entry)) yield entry;
    }
  }
}

async function* refsOf(pages: AsyncIterable<SelectedPage>): AsyncGenerator<PageRef> {
  for await (const page of pages) yield page.ref;
}

/**
 * The directories above a file-system filter's path (`sub` for `sub/deeper`), which the restore
 * makes on the way to it: not entries of the selection, but given their recorded mode and mtime
 * with the selected directories (verify-restore.ts). None for S3 keys and for a whole restore.
 */
export async function selectionAncestors(vault: Vault, snapshot: Snapshot, restore: SelectionRestore): Promise<ManifestEntry[]> {
  if (restore.source.type !== 'filesystem' || restore.prefix === '') return [];
  return ancestorDirectories(vault, snapshot, restore.prefix);
}
