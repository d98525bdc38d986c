import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { verifySnapshot } from '../../../../vault/checker/verify-snapshot';
import { restoreSnapshot, RestoreIncompleteError } from '../../../../vault/restorer/restore';
import { DamagedIndexError, openVault, type Vault } from '../../../../vault/repository/vault';
import { INDEX_PREFIX } from '../../../../vault/repository/vault-layout';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { listedKeys, newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** Audit R10 F1: one damaged index object must not stop restores of snapshots whose blobs other index objects list. */
describe('a damaged index object', () => {
  let dir: string;
  let store: FileVaultStore;
  let keyFile: string;
  let damagedKey: string;
  const snapshots: Record<'a' | 'b', string> = { a: '', b: '' };
  const content = { a: pseudoRandomBytes(200_000, 1), b: pseudoRandomBytes(200_000, 2) };

  beforeAll(async () => {
    dir = await tempDir('damaged-index-object');
    let vault: Vault;
    ({ vault, store, keyFile } = await newTestVault(dir));
    for (const name of ['a', 'b'] as const) {
      const src = path.join(dir, `src-${name}`);
      await fs.mkdir(src);
      await fs.writeFile(path.join(src, `${name}.bin`), content[name]);
      const before = new Set(await listedKeys(store, INDEX_PREFIX));
      snapshots[name] = (await backupDirectory(vault, src)).snapshot.id;
      if (name === 'a') damagedKey = (await listedKeys(store, INDEX_PREFIX)).filter((k) => !before.has(k))[0] as string;
    }
    expect(damagedKey).toMatch(/^index\//);
    const file = store.localPath(damagedKey);
    const bytes = await fs.readFile(file);
    bytes[30] = (bytes[30] as number) ^ 0xff;
    await fs.writeFile(file, bytes);
  });
  afterAll(async () => removeDir(dir));

  /** A fresh instance, as a restore opens the vault: no index loaded before the damage. */
  async function reopened(): Promise<Vault> {
    return openVault(store, (await KeyFileKeyProvider.loadOrCreate(keyFile)).provider);
  }

  it('does not stop the restore of a snapshot whose blobs are in intact index objects: its bytes come back equal', async () => {
    const vault = await reopened();
    const target = path.join(dir, 'restored-b');
    await restoreSnapshot(vault, await vault.loadSnapshot(snapshots.b), target);
    expect((await fs.readFile(path.join(target, 'b.bin'))).equals(content.b)).toBe(true);
    expect((await verifySnapshot(vault, snapshots.b)).problems).toEqual([]);
  });

  it('names the damaged index object and the repair when a needed blob is in no readable index', async () => {
    const vault = await reopened();
    const err = await restoreSnapshot(vault, await vault.loadSnapshot(snapshots.a), path.join(dir, 'restored-a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreIncompleteError);
    const message = (err as Error).message;
    expect(message).toContain('a.bin');
    expect(message).toContain(`index object(s) are damaged and were skipped (${damagedKey})`);
    expect(message).toContain('`lifeboat vault repair index`');
    const check = await verifySnapshot(vault, snapshots.a);
    expect(check.ok).toBe(false);
    expect(check.problems.join('\n')).toContain(damagedKey);
  });

  it('refuses a backup on the index with holes, naming the object and the repair', async () => {
    const vault = await reopened();
    const err = await vault.newSnapshotWriter().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DamagedIndexError);
    expect((err as Error).message).toContain(`object ${damagedKey} is corrupt`);
    expect((err as Error).message).toContain('`lifeboat vault repair index`');
  });
});
