import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { openDirectoryRestorer } from '../../../../lambdas/restore/directory-writer';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Vault } from '../../../../vault/repository/vault';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r58K F5: a shard hands an entry again when its write fails with EEXIST (two shards making one parent directory at
 * once, restore-shard.ts withExistRetry). A first name whose first attempt failed so stayed marked "not written" after the
 * retry wrote it, and its later name was written as a separate file instead of a link.
 */
describe('a shard restoring a hard link whose first name was written on a retry', () => {
  let dir: string;
  let vault: Vault;

  beforeAll(async () => {
    dir = await tempDir('directory-writer-exist-retry');
    ({ vault } = await newTestVault(dir));
  });
  afterAll(async () => {
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  it('links the later name to the first name the retry wrote', async () => {
    const writer = await vault.newSnapshotWriter({ inline: true });
    const stored = await writer.storeContent(Buffer.from('content\n'));
    await writer.finish();
    await vault.reloadIndex();
    const content = { size: stored.size, content: [...stored.content] };
    const entries: ManifestEntry[] = [
      { path: 'd', kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] },
      { path: 'd/a', kind: 'file', meta: { mode: 0o644 }, ...content },
      { path: 'd/b', kind: 'file', meta: { mode: 0o644, hardlink: 'd/a' }, ...content },
    ];
    const target = path.join(dir, 'target');
    await fs.mkdir(target);
    const restorer = await openDirectoryRestorer(vault, target, () => true, { entries });
    // The first file write (d/a's) meets another shard's directory being made.
    jest.spyOn(restorer.target, 'writeFile').mockRejectedValueOnce(Object.assign(new Error('EEXIST: file already exists, mkdir'), { code: 'EEXIST' }));

    expect((await restorer.restoreEntry(entries[0] as ManifestEntry)).made).toBe('dir');
    await expect(restorer.restoreEntry(entries[1] as ManifestEntry)).rejects.toThrow('EEXIST');
    expect((await restorer.restoreEntry(entries[1] as ManifestEntry)).made).toBe('file');
    expect((await restorer.restoreEntry(entries[2] as ManifestEntry)).made).toBe('link');

    const [a, b] = await Promise.all([fs.stat(path.join(target, 'd/a')), fs.stat(path.join(target, 'd/b'))]);
    expect(b.ino).toBe(a.ino);
    expect(a.nlink).toBe(2);
    expect(await fs.readFile(path.join(target, 'd/b'), 'utf8')).toBe('content\n');
    expect(restorer.notRestored()).toEqual([]);
  });
});
