import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { packKey } from '../../../../vault/repository/vault-layout';
import { type Vault } from '../../../../vault/repository/vault';
import { RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { UnsafeEntryPathError } from '../../../../vault/restorer/safe-target-path';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { finishDirectories, openDirectoryRestorer } from '../../../../lambdas/restore/directory-writer';
import { newTestVault, pseudoRandomBytes, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** The restore workflow's way: every entry through one shard's restorer, then finishDirectories. */
async function restoreLikeWorkflow(vault: Vault, snapshot: Snapshot, target: string, options: { overwrite?: boolean; keepSetIdBits?: boolean } = {}): Promise<void> {
  const entries = [];
  for await (const e of vault.entries(snapshot)) entries.push(e);
  const restorer = await openDirectoryRestorer(vault, target, () => true, { ...options, entries });
  for (const e of entries) await restorer.restoreEntry(e);
  await finishDirectories(target, entries, options);
}

describe('the one directory restorer (CLI and restore workflow)', () => {
  let dir: string;
  let vault: Vault;
  let store: FileVaultStore;
  let src: string;
  let snapshot: Snapshot;
  beforeAll(async () => {
    dir = await tempDir('dir-restorer');
    ({ vault, store } = await newTestVault(dir));
    src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'd00'), { recursive: true });
    await fs.writeFile(path.join(src, 'd00', 'inside.txt'), 'inside d00\n');
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(100_000, 1));
    await fs.writeFile(path.join(src, 'b.bin'), pseudoRandomBytes(100_000, 2));
    await fs.writeFile(path.join(src, 'suid'), '#!/bin/sh\n');
    await fs.chmod(path.join(src, 'suid'), 0o4755);
    await fs.symlink('d00/inside.txt', path.join(src, 'link'));
    snapshot = (await backupDirectory(vault, src)).snapshot;
  });
  afterAll(async () => {
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  describe.each([
    ['vault restore', (target: string, overwrite: boolean) => restoreSnapshot(vault, snapshot, target, { overwrite, keepSetIdBits: true })],
    ['restore workflow', (target: string, overwrite: boolean) => restoreLikeWorkflow(vault, snapshot, target, { overwrite })],
  ])('%s', (name, restore) => {
    const slug = name.replace(/\W+/g, '-');

    it('never writes through a symlink already in the target: refuses naming it, replaces it only with overwrite', async () => {
      const elsewhere = path.join(dir, `elsewhere-${slug}`);
      await fs.mkdir(elsewhere);
      const target = path.join(dir, `target-link-${slug}`);
      await fs.mkdir(target);
      await fs.symlink(elsewhere, path.join(target, 'd00'));

      const refused = restore(target, false);
      await expect(refused).rejects.toThrow(UnsafeEntryPathError);
      await expect(refused).rejects.toThrow(/"d00" is a symlink in the target .*nothing is written through a symlink/);
      expect(await fs.readdir(elsewhere)).toEqual([]);

      await restore(target, true);
      expect(await fs.readdir(elsewhere)).toEqual([]);
      expect((await fs.lstat(path.join(target, 'd00'))).isDirectory()).toBe(true);
      expect(await readTree(target)).toEqual(await readTree(src));
    });

    it(`${name === 'vault restore' ? 'keeps' : 'drops'} setuid/setgid bits`, async () => {
      const target = path.join(dir, `target-mode-${slug}`);
      await restore(target, false);
      expect((await fs.stat(path.join(target, 'suid'))).mode & 0o7777).toBe(name === 'vault restore' ? 0o4755 : 0o755);
    });
  });

  it('keeps setuid/setgid bits in the restore workflow when its input asks for them (keepSetIdBits)', async () => {
    const target = path.join(dir, 'target-mode-kept');
    await restoreLikeWorkflow(vault, snapshot, target, { keepSetIdBits: true });
    expect((await fs.stat(path.join(target, 'suid'))).mode & 0o7777).toBe(0o4755);
  });

  it('never replaces a directory in the target with a file, and says that the restore stopped there', async () => {
    const target = path.join(dir, 'target-dir-clash');
    await fs.mkdir(path.join(target, 'a.bin', 'keep'), { recursive: true });
    await expect(restoreSnapshot(vault, snapshot, target, { overwrite: true })).rejects.toThrow(
      'Refusing to restore entry "a.bin": a directory is already there in the target. Nothing was written for it, and the restore stopped there: entries after it were not restored',
    );
    expect(await fs.readdir(path.join(target, 'a.bin'))).toEqual(['keep']);
    expect((await fs.readdir(target)).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it.each([
    ['workers', false],
    ['in-thread', true],
  ])('with a damaged pack (%s): the damaged file never appears, every other entry is restored, the error names it', async (_name, inline) => {
    const entry = await (await vault.manifest(snapshot)).find('a.bin');
    const loc = (await vault.index()).lookup(Buffer.from(entry?.content[0] as string, 'hex'));
    expect(loc).toBeDefined();
    const packFile = store.localPath(packKey(loc?.packId as string));
    const original = await fs.readFile(packFile);
    const damaged = Buffer.from(original);
    const at = (loc?.offset as number) + 40;
    damaged[at] = (damaged[at] as number) ^ 0xff;
    await fs.writeFile(packFile, damaged);
    try {
      const target = path.join(dir, `target-damaged-${inline ? 'inline' : 'workers'}`);
      const failure = restoreSnapshot(vault, snapshot, target, { inline });
      await expect(failure).rejects.toThrow(RestoreIncompleteError);
      const err = (await failure.catch((e: unknown) => e)) as RestoreIncompleteError;
      expect(err.damaged.map((d) => d.path)).toEqual(['a.bin']);
      expect(err.message).toContain(`a.bin: ${store.location}: object ${packKey(loc?.packId as string)} is corrupt`);
      const expected = await readTree(src);
      expected.delete('a.bin');
      // readTree would list a leftover temporary file too: there is none.
      expect(await readTree(target)).toEqual(expected);
    } finally {
      await fs.writeFile(packFile, original);
    }
  });
});
