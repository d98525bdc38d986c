import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { verifyVault } from '../../../../vault/checker/verify';
import { manifestObjectIds } from '../../../../vault/manifest/manifest-root';
import { indexKey, manifestKey, packKey, snapshotKey } from '../../../../vault/repository/vault-layout';
import { VaultObjectArchivedError } from '../../../../vault/vault-errors';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

describe('verifyVault on a damaged vault', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('verify');
  });
  afterAll(async () => removeDir(dir));

  /** A vault with one backup of `files` (name → bytes). */
  async function backedUp(label: string, files: Map<string, Buffer>): Promise<Awaited<ReturnType<typeof newTestVault>> & { snapshotId: string; indexes: readonly string[] }> {
    const root = await fs.mkdtemp(path.join(dir, `${label}-`));
    const made = await newTestVault(root);
    const src = path.join(root, 'src');
    await fs.mkdir(src);
    for (const [name, body] of files) await fs.writeFile(path.join(src, name), body);
    const { snapshot } = await backupDirectory(made.vault, src);
    return { ...made, snapshotId: snapshot.id, indexes: snapshot.indexes };
  }

  it('reports an unreadable snapshot object by name, with what to do, and still checks the others', async () => {
    const v = await backedUp('bad-snapshot', new Map([['a.txt', Buffer.from('a\n')]]));
    const key = snapshotKey(v.snapshotId);
    await fs.truncate(v.store.localPath(key), 7);
    const report = await verifyVault(v.vault);
    expect(report.ok).toBe(false);
    expect(report.snapshots).toBe(0);
    expect(report.problems).toEqual([
      {
        key,
        message: `cannot be read: its SHA-256 does not match its name; delete ${key} from the vault (no other object depends on it) or copy it again from the DR vault; \`lifeboat vault verify\` lists every damaged object`,
      },
    ]);
  });

  it('names a missing index object once, and counts the blobs it held once per snapshot, not per entry', async () => {
    const same = pseudoRandomBytes(1000, 7); // below the minimum chunk size: one blob whatever the key
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 33; i++) files.set(`copy-${String(i).padStart(2, '0')}.bin`, same);
    const v = await backedUp('missing-index', files);
    expect(v.indexes).toHaveLength(1);
    const missing = v.indexes[0] as string;
    await v.store.delete(indexKey(missing));
    const report = await verifyVault(v.vault);
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(2);
    expect(report.problems[0]).toEqual({
      key: indexKey(missing),
      message: `does not exist, but snapshot(s) ${v.snapshotId} list it: the blobs it indexed cannot be found; copy it again from the DR vault (the same name holds the same bytes there)`,
    });
    expect(report.problems[1]?.key).toBe(snapshotKey(v.snapshotId));
    expect(report.problems[1]?.message).toMatch(
      new RegExp(`^33 entries reference 1 blob\\(s\\) that no index lists \\(e\\.g\\. entry "copy-00\\.bin", blob [0-9a-f]{64}\\); they are probably in ${indexKey(missing)}, reported above$`),
    );
  });

  it('reports an orphan pack and temporary files as unreferenced, with their sizes, without failing', async () => {
    const v = await backedUp('garbage', new Map([['a.bin', pseudoRandomBytes(3000, 1)]]));
    const orphan = 'ab'.repeat(32);
    await v.store.put(packKey(orphan), Buffer.alloc(1234, 1));
    const vaultDir = path.dirname(v.store.localPath('config'));
    await fs.writeFile(path.join(vaultDir, 'data', 'ab', '.tmp-0011223344556677'), Buffer.alloc(100));
    await fs.writeFile(path.join(vaultDir, 'index', '.tmp-8899aabbccddeeff'), Buffer.alloc(10));
    const report = await verifyVault(v.vault, { readData: true });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.unreferenced).toEqual([
      { key: 'data/ab/.tmp-0011223344556677', kind: 'temp', bytes: 100 },
      { key: `data/ab/${orphan}`, kind: 'pack', bytes: 1234 },
      { key: 'index/.tmp-8899aabbccddeeff', kind: 'temp', bytes: 10 },
    ]);
    expect(report.unreferencedBytes).toBe(1344);
  });

  it('reports the manifest objects of a snapshot that was never committed as unreferenced', async () => {
    const v = await backedUp('uncommitted', new Map([['a.txt', Buffer.from('a\n')]]));
    const rootId = (await v.vault.loadSnapshot(v.snapshotId)).manifest;
    const ids: string[] = [];
    for await (const id of manifestObjectIds(v.store, v.vault.keys, rootId)) ids.push(id);
    await v.store.delete(snapshotKey(v.snapshotId));
    const report = await verifyVault(v.vault);
    expect(report.ok).toBe(true);
    const manifests = report.unreferenced.filter((o) => o.kind === 'manifest').map((o) => o.key);
    expect(manifests).toEqual(ids.map(manifestKey).sort());
  });

  it('does not read packs in an archive storage class: listed as not read, not as problems', async () => {
    const v = await backedUp('archived', new Map([['a.bin', pseudoRandomBytes(5000, 3)], ['b.bin', pseudoRandomBytes(7000, 4)]]));
    const packs: string[] = [];
    for await (const key of v.store.list('data/')) packs.push(key);
    const get = v.store.get.bind(v.store);
    jest.spyOn(v.store, 'get').mockImplementation((key, range) => (key.startsWith('data/') ? Promise.reject(new VaultObjectArchivedError(v.store.location, key, 'GLACIER')) : get(key, range)));
    for (const readData of [false, true]) {
      const report = await verifyVault(v.vault, { readData });
      expect([readData, report.ok, report.problems, report.archivedNotRead]).toEqual([readData, true, [], packs.sort()]);
    }
  });
});
