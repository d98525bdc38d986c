import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { writeIndexObject } from '../../../../vault/blob-index/index-writer';
import { verifySnapshot } from '../../../../vault/checker/verify-snapshot';
import { Vault } from '../../../../vault/repository/vault';
import { INDEX_PREFIX, packKey } from '../../../../vault/repository/vault-layout';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review 43a, F4: `verify --read-data` whose index predates a repack and its sweep, when loading the index again
 * fails (a throttled listing of index/). Each entry takes the vault's index inside its own check, so a failed load is
 * that entry's problem: every entry is still checked and named, none is skipped.
 */
const FILES = 40;

type IndexedBlob = { id: Buffer; offset: number; storedLength: number; rawLength: number };

describe('verify --read-data when the index cannot be loaded again after a sweep', () => {
  let dir: string;
  afterEach(async () => removeDir(dir));
  afterAll(async () => CodecPool.shutdownShared());

  it('checks every entry and names each that could not be read, instead of stopping early', async () => {
    dir = await tempDir('verify-failed-reload');
    const { vault, store } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    for (let f = 0; f < FILES; f++) await fs.writeFile(path.join(src, `f${String(f).padStart(2, '0')}.bin`), pseudoRandomBytes(3000, 50 + f));
    const snapshotId = (await backupDirectory(vault, src)).snapshot.id;
    const oldIndexObjects: string[] = [];
    for await (const key of store.list(INDEX_PREFIX)) oldIndexObjects.push(key);

    const verifying = new Vault(store, vault.keys, vault.config);
    const snapshot = await verifying.loadSnapshot(snapshotId);
    const stale = await verifying.index();
    await repackAll(store, verifying, snapshot.id, stale, oldIndexObjects);

    // Every listing of index/ from now on fails part way, as a throttled LIST does.
    const list = store.list.bind(store);
    store.list = (prefix: string): AsyncIterable<string> => {
      if (prefix !== INDEX_PREFIX) return list(prefix);
      return (async function* (): AsyncGenerator<string> {
        yield* list(prefix);
        throw new Error('SlowDown: Please reduce your request rate (listing index/)');
      })();
    };

    const check = await verifySnapshot(verifying, snapshotId, { readData: true });
    expect(check.entries).toBe(FILES);
    expect(check.ok).toBe(false);
    const named = check.problems.map((p) => /^"([^"]+)": /.exec(p)?.[1]);
    expect(named).toEqual(Array.from({ length: FILES }, (_, f) => `f${String(f).padStart(2, '0')}.bin`));
    for (const problem of check.problems) expect(problem).toMatch(/SlowDown|does not exist/);
  });
});

/** A repack and its sweep: each pack the snapshot uses copied under a new id, indexed by a new index object; the old index objects, then the packs, deleted. */
async function repackAll(store: FileVaultStore, vault: Vault, snapshotId: string, stale: Awaited<ReturnType<Vault['index']>>, oldIndexObjects: readonly string[]): Promise<void> {
  const byPack = new Map<string, IndexedBlob[]>();
  for await (const entry of vault.entries(await vault.loadSnapshot(snapshotId))) {
    for (const hex of entry.content) {
      const id = Buffer.from(hex, 'hex');
      const loc = stale.lookup(id);
      if (!loc) throw new Error(`blob ${hex} is not indexed`);
      const blobs = byPack.get(loc.packId) ?? [];
      if (!blobs.some((b) => b.id.equals(id))) blobs.push({ id, offset: loc.offset, storedLength: loc.storedLength, rawLength: loc.rawLength });
      byPack.set(loc.packId, blobs);
    }
  }
  const moved = [];
  for (const [packId, entries] of byPack) {
    const bytes = await store.get(packKey(packId));
    const newId = randomBytes(32).toString('hex');
    await store.put(packKey(newId), bytes);
    moved.push({ packId: newId, length: bytes.length, entries });
  }
  await writeIndexObject(store, vault.keys, moved);
  for (const key of oldIndexObjects) await store.delete(key);
  for (const packId of byPack.keys()) await store.delete(packKey(packId));
}
