import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type ManifestRun, type PageRef } from '../../../../vault/manifest/manifest-format';
import { mergeRunsInto, RunChangedError, runsInMemory, writeEntryRun } from '../../../../vault/manifest/manifest-merge';
import { DuplicateEntryError, loadPage } from '../../../../vault/manifest/manifest-pages';
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
