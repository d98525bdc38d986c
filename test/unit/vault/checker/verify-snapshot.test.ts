import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { verifySnapshot } from '../../../../vault/checker/verify-snapshot';
import { loadManifestRoot } from '../../../../vault/manifest/manifest-root';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { damageStoredBlob, newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

describe('verifySnapshot (the one backup verification of the runbook and the demo)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('verify-snapshot');
  });
  afterAll(async () => removeDir(dir));

  it('passes a sound snapshot, and with readData names the entry whose blob was damaged', async () => {
    const { vault, store } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(30_000, 4));
    await fs.writeFile(path.join(src, 'b.txt'), 'b\n');
    const { snapshot } = await backupDirectory(vault, src);

    const sound = await verifySnapshot(vault, snapshot.id, { readData: true, expectedRootHash: snapshot.manifest, expectedEntries: 2 });
    expect(sound).toEqual({ snapshotId: snapshot.id, entries: 2, bytes: 30_002, blobs: sound.blobs, ok: true, problems: [] });

    const wrong = await verifySnapshot(vault, snapshot.id, { expectedRootHash: '0'.repeat(64), expectedEntries: 3 });
    expect(wrong.problems).toEqual([`manifest root ${snapshot.manifest} is not the recorded root hash ${'0'.repeat(64)}`, '2 entries, the catalog records 3']);

    const entry = await (await vault.manifest(snapshot)).find('a.bin');
    await damageStoredBlob(vault, store, entry?.content[0] as string);
    expect((await verifySnapshot(vault, snapshot.id)).ok).toBe(true);
    const damaged = await verifySnapshot(vault, snapshot.id, { readData: true });
    expect(damaged.ok).toBe(false);
    expect(damaged.problems).toHaveLength(1);
    expect(damaged.problems[0]).toMatch(/^"a\.bin": VaultCorruptionError: .* is corrupt: blob [0-9a-f]{64}: authentication failed/);
  });
  it('reads entries back side by side and names every damaged one, in manifest order', async () => {
    const own = path.join(dir, 'many');
    await fs.mkdir(own);
    const { vault, store } = await newTestVault(own);
    const src = path.join(own, 'src');
    await fs.mkdir(src);
    const names = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}.bin`);
    for (const [i, name] of names.entries()) await fs.writeFile(path.join(src, name), pseudoRandomBytes(20_000, 100 + i));
    const { snapshot } = await backupDirectory(vault, src);
    for (const name of ['f17.bin', 'f03.bin', 'f09.bin']) {
      const entry = await (await vault.manifest(snapshot)).find(name);
      await damageStoredBlob(vault, store, entry?.content[0] as string);
    }
    const damaged = await verifySnapshot(vault, snapshot.id, { readData: true });
    expect({ entries: damaged.entries, bytes: damaged.bytes }).toEqual({ entries: 20, bytes: 400_000 });
    expect(damaged.problems.map((p) => p.split(':')[0])).toEqual(['"f03.bin"', '"f09.bin"', '"f17.bin"']);
  });

  it('names the snapshot whose manifest needs a missing page, and what to do', async () => {
    const own = path.join(dir, 'missing-page');
    await fs.mkdir(own);
    const { vault, store } = await newTestVault(own);
    const src = path.join(own, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'a.txt'), 'a\n');
    const { snapshot } = await backupDirectory(vault, src);
    const root = await loadManifestRoot(store, vault.keys, snapshot.manifest);
    if (root.v !== 1) throw new Error('a one-page snapshot was meant to have a one-level root');
    const page = manifestKey(root.pages[0]?.id as string);
    await store.delete(page);
    const check = await verifySnapshot(vault, snapshot.id);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([
      `VaultObjectNotFoundError: ${store.location}: object ${page} does not exist; the manifest of snapshot ${snapshot.id} needs it: its restore cannot read the entries under it; ` +
        'copy it again from the other vault (primary or DR: the same name holds the same bytes there)',
    ]);
  });
});
