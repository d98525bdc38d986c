import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type ManifestRun, PAGE_MAX_JSON_BYTES, type PageRef } from '../../../../vault/manifest/manifest-format';
import { mergeRunsInto, RunChangedError, runsInMemory, writeEntryRun } from '../../../../vault/manifest/manifest-merge';
import { DuplicateEntryError, loadPage } from '../../../../vault/manifest/manifest-pages';
import { putSealedObject } from '../../../../vault/crypto/sealed-object';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { initVault, type Vault } from '../../../../vault/repository/vault';

/** mergeRunsInto: runs that overlap nothing pass through unread; only a cluster of overlapping runs is merged into new pages. */

const entry = (path: string): ManifestEntry => ({ path, kind: 'object', meta: {}, size: path.length, content: [] });

let vault: Vault;
let store: MemoryVaultStore;
beforeAll(async () => {
  store = new MemoryVaultStore('merge-test');
  vault = await initVault(store, new PassphraseKeyProvider('merge test', { N: 1024, r: 8, p: 1 }));
});

const run = (paths: string[]): Promise<ManifestRun> => writeEntryRun(store, vault.keys, paths.map(entry));

async function merged(runs: ManifestRun[]): Promise<PageRef[]> {
  const out: PageRef[] = [];
  await mergeRunsInto(store, vault.keys, runsInMemory(runs), async (page) => void out.push(page));
  return out;
}

async function paths(pages: readonly PageRef[]): Promise<string[]> {
  const out: string[] = [];
  for (const page of pages) for (const e of await loadPage(store, vault.keys, page)) out.push(e.path);
  return out;
}

it('passes disjoint runs through in order without new pages, and merges only the runs that interleave', async () => {
  // S3 lists "logs-1" before "logs/a" (by bytes); the manifest puts "logs/a" first ('/' sorts first): these two shards interleave.
  const bytesFirst = await run(['logs-1', 'logs-3']);
  const slashFirst = await run(['logs/a', 'logs0']);
  const before = await run(['a', 'b']);
  const after = await run(['x', 'y']);
  const pages = await merged([after, bytesFirst, before, slashFirst]);
  expect(await paths(pages)).toEqual(['a', 'b', 'logs/a', 'logs-1', 'logs-3', 'logs0', 'x', 'y']);
  const ids = pages.map((p) => p.id);
  // The disjoint runs' own pages, untouched, around one new page for the cluster.
  expect(ids[0]).toBe(before[0]?.id);
  expect(ids[ids.length - 1]).toBe(after[0]?.id);
  expect(ids).toHaveLength(3);
  expect([bytesFirst[0]?.id, slashFirst[0]?.id]).not.toContain(ids[1]);
});

it('refuses a path that two runs hold, whether the runs touch at a boundary or interleave', async () => {
  await expect(merged([await run(['a', 'b']), await run(['b', 'c'])])).rejects.toThrow(DuplicateEntryError);
  await expect(merged([await run(['a', 'c', 'e']), await run(['b', 'c'])])).rejects.toThrow(DuplicateEntryError);
});

it('stops when a run read again is not the run its bounds were taken from (a part rewritten during the commit)', async () => {
  const rewritten = await run(['m', 'o']);
  const sink = jest.fn(() => Promise.resolve());
  const error = await mergeRunsInto(store, vault.keys, [{ first: 'm', last: 'n', pages: () => Promise.resolve(rewritten) }], sink).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(RunChangedError);
  expect((error as Error).message).toBe('a manifest run read again spans "m" … "o", but it spanned "m" … "n" when the commit began: its part was rewritten meanwhile; run the commit again');
  expect(sink).not.toHaveBeenCalled();
});

/** ~3 KiB of UTF-8 JSON, 1,000 characters: S3 tags in CJK (3 bytes a character). */
const cjkEntry = (i: number): ManifestEntry => ({ path: `photos/${String(i).padStart(4, '0')}`, kind: 'object', meta: { tags: { 説明: `${i}`.padEnd(1000, '写') } }, size: 1, content: [] });
/** ~6 KiB of UTF-8 JSON, 1,000 characters: a file path of control characters, each written `\u0001` (6 bytes for 1). */
const controlPathEntry = (i: number): ManifestEntry => ({ path: `files/${String(i).padStart(4, '0')}/${'\x01'.repeat(1000)}`, kind: 'file', meta: { mode: 33188 }, size: 1, content: [] });
const jsonBytes = (entries: readonly ManifestEntry[]): number => Buffer.byteLength(JSON.stringify({ v: 1, entries }), 'utf8');

it.each([
  // 900 entries of ~3 KiB: counted in characters, all went into one page of ~2.6 MiB, which the prune mark weighed 4 MiB in flight as if it held 1 MiB.
  { what: 'CJK tags (review rM F1)', count: 900, make: cjkEntry },
  // 400 entries of ~6 KiB: with the path counted twice its UTF-8 bytes, all went into one page of ~2.3 MiB (review r57D F1).
  { what: 'control-character paths (review r57D F1)', count: 400, make: controlPathEntry },
])('closes a page after the entry that crosses 1 MiB of UTF-8 JSON, not of characters: $what', async ({ count, make }) => {
  const entries = Array.from({ length: count }, (_, i) => make(i));
  const largest = Math.max(...entries.map((e) => jsonBytes([e])));
  const pages = await writeEntryRun(store, vault.keys, entries);
  const read: ManifestEntry[] = [];
  for (const page of pages) {
    const held = await loadPage(store, vault.keys, page);
    expect(jsonBytes(held)).toBeLessThanOrEqual(PAGE_MAX_JSON_BYTES + largest);
    read.push(...held);
  }
  expect(pages.length).toBeGreaterThanOrEqual(3);
  expect(read).toEqual(entries);
});

it('still reads and passes through a page written when pages closed at 1 MiB of characters', async () => {
  // As the old rule wrote them: ~2.6 MiB of JSON in one page. Commits and merges keep referring to such pages unread.
  const entries = Array.from({ length: 900 }, (_, i) => cjkEntry(i));
  const body = Buffer.from(JSON.stringify({ v: 1, entries }), 'utf8');
  const id = await putSealedObject(store, vault.keys, manifestKey, 'manifest-page', body, 3);
  const old: ManifestRun = [{ id, first: 'photos/0000', last: 'photos/0899', count: entries.length, bytes: entries.length }];
  const pages = await merged([await run(['videos/a']), old]);
  expect(pages[0]).toEqual(old[0]);
  expect(await paths(pages)).toEqual([...entries.map((e) => e.path), 'videos/a']);
});
