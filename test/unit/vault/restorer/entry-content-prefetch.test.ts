import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { EntryContentPrefetch } from '../../../../vault/restorer/entry-content-prefetch';
import { readEntryContent } from '../../../../vault/restorer/restore';
import { RestoredContentTags } from '../../../../vault/restorer/restored-content-tags';
import { mapBounded } from '../../../../vault/workers/bounded-concurrency';
import { streamedBytes } from '../../../support/streamed-bytes';
import { damageStoredBlob, newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** 60 small files and, in their middle, one larger than the entry limit the tests set (64 KiB). */
async function smallFilesVault(dir: string) {
  const { vault, store } = await newTestVault(dir);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < 60; i++) files.set(`f${String(i).padStart(2, '0')}.bin`, pseudoRandomBytes(1000 + 37 * i, 7 + i));
  files.set('f30-large.bin', pseudoRandomBytes(200_000, 99));
  // Added one after the other, as a backup shard writes a bucket's objects, so that the blobs of
  // consecutive entries lie side by side in the packs. A directory backup reads 4 files at once, and
  // the order their blobs reached the packs varied: CI once saw 19 reads where 11 are the rule.
  const writer = await vault.newSnapshotWriter({ parent: null });
  for (const name of [...files.keys()].sort()) await writer.add({ path: name, kind: 'object', meta: {}, content: files.get(name) as Buffer });
  const snapshot = await vault.commitSnapshot({ source: { kind: 's3', id: 'prefetch-bucket' }, parts: [await writer.finish()], parent: null, tags: [], startedAt: new Date() });
  const entries: ManifestEntry[] = [];
  for await (const entry of vault.entries(snapshot)) if (entry.kind === 'object') entries.push(entry);
  const packGets: string[] = [];
  const get = store.get.bind(store);
  jest.spyOn(store, 'get').mockImplementation((key, range) => {
    if (key.startsWith('data/')) packGets.push(key);
    return get(key, range);
  });
  return { vault, store, files, entries, packGets };
}

describe('EntryContentPrefetch (a restore shard\'s small S3 objects and DynamoDB pages)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('entry-prefetch');
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await removeDir(dir);
  });

  it('reads a run of small entries in a few ranged reads, hands each entry exactly its bytes, and records every blob\'s tag', async () => {
    const { vault, files, entries, packGets } = await smallFilesVault(dir);
    expect(entries).toHaveLength(61);
    await vault.index(); // loaded before the reads are counted
    packGets.length = 0;
    // One read per entry is what streaming each entry alone costs (the baseline).
    for (const entry of entries) await streamedBytes(readEntryContent(vault, entry));
    const perEntryReads = packGets.length;
    expect(perEntryReads).toBeGreaterThanOrEqual(61);

    packGets.length = 0;
    const contentTags = new RestoredContentTags();
    const prefetch = new EntryContentPrefetch(vault, entries, { contentTags, entryBytes: 64 * 1024, groupBytes: 32 * 1024 });
    // As the shard writes them: in order, four at a time.
    const read = await mapBounded(entries, 4, async (entry) => streamedBytes(prefetch.content(entry)));
    for (const [i, entry] of entries.entries()) expect((read[i] as Buffer).equals(files.get(entry.path) as Buffer)).toBe(true);
    // The large entry is still streamed in its own reads; the 60 small ones come in a few.
    expect(packGets.length).toBeLessThanOrEqual(perEntryReads / 4);
    expect(contentTags.tagsOf(entries.flatMap((e) => e.content.map((id) => Buffer.from(id, 'hex'))))).toBeDefined();
  });

  it('fails the entries of a group whose blob is damaged with the vault\'s error, and still reads the other groups', async () => {
    const { vault, store, files, entries } = await smallFilesVault(dir);
    const damaged = entries.find((e) => e.path === 'f05.bin') as ManifestEntry;
    await damageStoredBlob(vault, store, damaged.content[0] as string);

    const prefetch = new EntryContentPrefetch(vault, entries, { entryBytes: 64 * 1024, groupBytes: 8 * 1024 });
    await expect(streamedBytes(prefetch.content(damaged))).rejects.toThrow(/is corrupt: blob [0-9a-f]{64}: authentication failed/);
    const last = entries.at(-1) as ManifestEntry;
    expect((await streamedBytes(prefetch.content(last))).equals(files.get(last.path) as Buffer)).toBe(true);
  });
});
