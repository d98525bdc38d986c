import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { IncompleteIndexError } from '../../../../vault/prune/prune-errors';
import { pruneVault } from '../../../../vault/prune/prune-vault';
import { repairIndex } from '../../../../vault/repair/repair-index';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { INDEX_PREFIX } from '../../../../vault/repository/vault-layout';
import { restoreSnapshot, RestoreIncompleteError } from '../../../../vault/restorer/restore';
import { listedKeys, newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit a58B F2: with an index object a snapshot lists gone, its restore said only that the files' blobs are "in no
 * index", as if the data were lost, though `vault repair index` rebuilds the index from the packs and recovers it all.
 * The restore now names the missing object and the repair; prune refuses meanwhile; after the repair the files restore.
 */
describe('a missing index object a snapshot lists', () => {
  let dir: string;
  let store: FileVaultStore;
  let keyFile: string;
  let snapshot: string;
  let missing: string;
  const files = new Map([
    ['a.bin', pseudoRandomBytes(150_000, 1)],
    ['b.bin', pseudoRandomBytes(120_000, 2)],
    ['c.bin', pseudoRandomBytes(90_000, 3)],
  ]);

  beforeAll(async () => {
    dir = await tempDir('missing-index-object');
    let vault: Vault;
    ({ vault, store, keyFile } = await newTestVault(dir));
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    for (const [name, bytes] of files) await fs.writeFile(path.join(src, name), bytes);
    snapshot = (await backupDirectory(vault, src)).snapshot.id;
    const indexes = await listedKeys(store, INDEX_PREFIX);
    expect(indexes).toHaveLength(1);
    missing = indexes[0] as string;
    await store.delete(missing);
  });
  afterAll(async () => removeDir(dir));

  /** A fresh instance, as a restore opens the vault. */
  async function reopened(): Promise<Vault> {
    return openVault(store, await KeyFileKeyProvider.load(keyFile));
  }

  it('a restore names the missing object and the repair once, at the first file in no index', async () => {
    const vault = await reopened();
    const err = await restoreSnapshot(vault, await vault.loadSnapshot(snapshot), path.join(dir, 'before-repair')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreIncompleteError);
    const damaged = (err as RestoreIncompleteError).damaged;
    expect(damaged.map((d) => d.path)).toEqual(['a.bin', 'b.bin', 'c.bin']);
    expect(damaged[0]?.error.message).toMatch(
      new RegExp(
        `is in no index; the snapshot lists 1 index object\\(s\\) the vault does not hold \\(${missing}\\), and the packs they listed may still hold it: run \`lifeboat vault repair index\` .* first, which rebuilds the index from the packs' own headers, then restore again \\(so for every file here whose blob is in no index\\)`,
      ),
    );
    for (const d of damaged.slice(1)) expect(d.error.message).toMatch(/is in no index$/);
  });

  it('a prune refuses, deleting nothing, while the blobs are in no index', async () => {
    const before = await listedKeys(store, 'data/');
    await expect(pruneVault(await reopened(), { graceMs: 0 })).rejects.toThrow(IncompleteIndexError);
    expect(await listedKeys(store, 'data/')).toEqual(before);
  });

  it('after `vault repair index` every file restores equal to the source', async () => {
    const report = await repairIndex(await reopened());
    expect(report.packsLeftOut).toEqual([]);
    const vault = await reopened();
    const target = path.join(dir, 'after-repair');
    await restoreSnapshot(vault, await vault.loadSnapshot(snapshot), target);
    for (const [name, bytes] of files) expect((await fs.readFile(path.join(target, name))).equals(bytes)).toBe(true);
  });
});
