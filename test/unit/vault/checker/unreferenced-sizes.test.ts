import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { initVault } from '../../../../vault/repository/vault';
import { MANIFEST_PREFIX, packKey, snapshotKey } from '../../../../vault/repository/vault-layout';
import { pseudoRandomBytes, removeDir, SMALL_TUNING, tempDir } from '../../../support/vault-test-helpers';

/**
 * `vault verify` on a store without files (S3, here the memory store with the same listing): the sizes of
 * unreferenced packs and manifest objects come from the listings (VaultStore.listWithSizes), not "unknown".
 */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('unreferenced-sizes');
});
afterAll(async () => removeDir(dir));

it('names each unreferenced pack and manifest object of a memory vault with its size in bytes', async () => {
  const store = new MemoryVaultStore('sizes');
  const vault = await initVault(store, new PassphraseKeyProvider('sizes', { N: 1024, r: 8, p: 1 }), SMALL_TUNING);
  const src = path.join(dir, 'src');
  await fs.mkdir(src, { recursive: true });
  await fs.writeFile(path.join(src, 'a.bin'), pseudoRandomBytes(3000, 1));
  const { snapshot } = await backupDirectory(vault, src, { parent: null });
  // The snapshot is gone, as if never committed: its manifest objects are reached by nothing.
  await store.delete(snapshotKey(snapshot.id));
  const orphan = 'cd'.repeat(32);
  await store.put(packKey(orphan), Buffer.alloc(4321, 7));

  const report = await verifyVault(vault);
  expect(report.ok).toBe(true);
  const manifestSizes = new Map<string, number>();
  for await (const key of store.list(MANIFEST_PREFIX)) manifestSizes.set(key, (await store.get(key)).length);
  expect(report.unreferenced.filter((o) => o.kind === 'pack')).toEqual([{ key: packKey(orphan), kind: 'pack', bytes: 4321 }]);
  const manifests = report.unreferenced.filter((o) => o.kind === 'manifest');
  expect(manifests.length).toBeGreaterThan(0);
  for (const m of manifests) expect(m.bytes).toBe(manifestSizes.get(m.key));
  expect(report.unreferencedBytes).toBe(4321 + [...manifestSizes.values()].reduce((a, b) => a + b, 0));
});
