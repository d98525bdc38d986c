import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { MANIFEST_PREFIX, manifestKey } from '../../../../vault/repository/vault-layout';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { listedKeys, newTestVault, pseudoRandomBytes, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';

/** Audit R10 F3: a damaged parent snapshot only costs reading everything again, never the backup. */
describe('a backup whose parent snapshot is damaged', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await tempDir('damaged-parent');
  });
  afterEach(async () => removeDir(dir));

  /** A vault with one snapshot of a small tree, and a fresh instance of it (nothing cached). */
  async function vaultWithParent(): Promise<{ store: FileVaultStore; reopen: () => Promise<Vault>; src: string; parentId: string; rootKey: string }> {
    const { vault, store, keyFile } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'sub'), { recursive: true });
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(50_000, 1));
    await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'bee\n');
    const parent = (await backupDirectory(vault, src)).snapshot;
    const reopen = async (): Promise<Vault> => openVault(store, (await KeyFileKeyProvider.loadOrCreate(keyFile)).provider);
    return { store, reopen, src, parentId: parent.id, rootKey: manifestKey(parent.manifest) };
  }

  async function flip(store: FileVaultStore, key: string): Promise<void> {
    const file = store.localPath(key);
    const bytes = await fs.readFile(file);
    bytes[40] = (bytes[40] as number) ^ 0xff;
    await fs.writeFile(file, bytes);
  }

  it.each([
    ['its manifest root', (rootKey: string, keys: string[]) => keys.filter((k) => k === rootKey)],
    ['a page of its manifest', (rootKey: string, keys: string[]) => keys.filter((k) => k !== rootKey)],
  ])('with %s damaged: warns naming the object, reads every file and commits a complete snapshot', async (_what, damaged) => {
    const { store, reopen, src, parentId, rootKey } = await vaultWithParent();
    const targets = damaged(rootKey, await listedKeys(store, MANIFEST_PREFIX));
    expect(targets).toHaveLength(1);
    const target = targets[0] as string;
    await flip(store, target);
    await fs.writeFile(path.join(src, 'c.txt'), 'new\n');

    const vault = await reopen();
    const warnings: string[] = [];
    const { snapshot } = await backupDirectory(vault, src, { onParentUnreadable: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`the parent snapshot ${parentId} is damaged (${target}: its SHA-256 does not match its name)`);
    expect(warnings[0]).toContain("reads every entry's content");
    expect(snapshot.stats.bytesScanned).toBe(50_000 + 4 + 4);

    const out = path.join(dir, 'out');
    await restoreSnapshot(vault, snapshot, out);
    expect(await readTree(out)).toEqual(await readTree(src));
  });

  // Audit R14 F1: an entry added for reuse whose parent the writer has dropped meanwhile was recorded as 0 bytes.
  it('refuses a file or object entry with a change token but no content it can reuse, instead of recording it empty', async () => {
    const { reopen } = await vaultWithParent();
    const writer = await (await reopen()).newSnapshotWriter({ parent: null });
    for (const kind of ['file', 'object'] as const) {
      await expect(writer.add({ path: `${kind}.txt`, kind, meta: {}, changeToken: 'same-as-parent' })).rejects.toThrow(
        `SnapshotWriter.add: ${kind} "${kind}.txt" has neither content nor stored content, and its parent entry cannot be reused`,
      );
    }
    // Entries that have no content (a directory) and files without a change token (nothing to reuse) are recorded as before.
    await writer.add({ path: 'dir', kind: 'dir', meta: {} });
    await writer.add({ path: 'empty.txt', kind: 'file', meta: {} });
    expect(writer.stats.entries).toBe(2);
  });
});
