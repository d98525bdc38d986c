import * as path from 'node:path';
import { FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { type VaultStore } from '../../../../vault/backend/vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { initVault, openVault } from '../../../../vault/repository/vault';
import { readEntry } from '../../../../vault/restorer/restore';
import { verifyVault } from '../../../../vault/checker/verify';
import { pseudoRandomBytes, removeDir, requiredMethodsStore, tempDir } from '../../../support/vault-test-helpers';

/** 8–64 KiB chunks and 64 KiB packs: a 3 MiB object makes dozens of packs. */
const TUNING = { chunker: { minSize: 8192, avgSize: 16384, maxSize: 65536 }, packSize: 64 * 1024 } as const;

/** Issue 9, item 7: what a killed backup uploaded (and indexed on the way) is not uploaded again. */
describe('a backup killed half way', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('killed-backup');
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('leaves its packs indexed every packsPerIndex packs, and the next backup of the same data stores only what is missing', async () => {
    const data = pseudoRandomBytes(3 * 1024 * 1024, 91);
    const disk = new FileVaultStore(path.join(dir, 'vault'), { durable: false });
    const keyFile = path.join(dir, 'key');
    await initVault(disk, await KeyFileKeyProvider.create(keyFile), TUNING);

    // The "process dies" after 21 packs: every later write fails, and nothing after it happens. Not after 20, a
    // multiple of packsPerIndex: the index object of packs 17–20 may then be written before the kill or not (the
    // uploads overlap), and with it none is orphaned. The 21st waits for an index of four that never comes.
    const STORED = 21;
    let packs = 0;
    const dying: VaultStore = requiredMethodsStore(disk, {
      put: async (key, body) => {
        if (key.startsWith('data/') && ++packs > STORED) throw new Error('killed');
        if (packs > STORED) throw new Error('killed');
        return disk.put(key, body);
      },
    });
    const killed = await openVault(dying, await KeyFileKeyProvider.load(keyFile));
    const writer = await killed.newSnapshotWriter({ parent: null, packsPerIndex: 4 });
    await expect(
      (async () => {
        await writer.add({ path: 'big', kind: 'object', meta: {}, content: data });
        await writer.finish();
      })(),
    ).rejects.toThrow('killed');

    // A fresh process: the vault as the killed one left it.
    const vault = await openVault(disk, await KeyFileKeyProvider.load(keyFile));
    const before = await verifyVault(vault);
    const orphanPacks = before.unreferenced.filter((o) => o.kind === 'pack').length;
    // Only the packs after the last index object written (the 21st, and 17–20 when their index write lost the race) are orphaned.
    expect(orphanPacks).toBeGreaterThan(0);
    expect(orphanPacks).toBeLessThanOrEqual(4 + 1);
    const indexed = await vault.index();
    expect(indexed.packCount).toBe(STORED - orphanPacks);
    const blobsIndexedByTheKilledRun = indexed.size;

    const again = await vault.newSnapshotWriter({ parent: null });
    await again.add({ path: 'big', kind: 'object', meta: {}, content: data });
    const part = await again.finish();
    const snapshot = await vault.commitSnapshot({ source: { kind: 'test', id: 'killed' }, parts: [part] });
    const entry = (await vault.entries(snapshot)[Symbol.asyncIterator]().next()).value as { content: string[] };
    // Exactly the blobs the killed run did not get into an index are stored; the rest are found in its packs.
    expect(part.stats.blobsNew).toBe(new Set(entry.content).size - blobsIndexedByTheKilledRun);

    const restored: Buffer[] = [];
    for await (const piece of readEntry(vault, snapshot, 'big')) restored.push(piece);
    expect(Buffer.concat(restored).equals(data)).toBe(true);
    const after = await verifyVault(vault, { readData: true });
    expect(after.problems).toEqual([]);
    expect(after.unreferenced.filter((o) => o.kind === 'pack')).toHaveLength(orphanPacks);
  }, 60_000);
});
