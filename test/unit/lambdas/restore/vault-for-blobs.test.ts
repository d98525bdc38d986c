import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultForBlobs } from '../../../../lambdas/restore/vault-for-blobs';
import { backupDirectory, KeyFileKeyProvider, openVault, pruneVault, restoreSnapshot, type Snapshot, type Vault } from '../../../../vault';
import { newTestVault, pseudoRandomBytes, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * A warm restore function keeps its opened vault between invocations. A prune that repacked blobs and
 * deleted their old packs since would leave that vault's index pointing at packs that are gone: the
 * next restore reloads the index once for its run.
 */
let dir: string;
let src: string;
let warm: Vault;
let snapshot: Snapshot;
let keyFile: string;

beforeAll(async () => {
  dir = await tempDir('vault-for-blobs');
  src = path.join(dir, 'src');
  await fs.mkdir(src, { recursive: true });
  for (let i = 0; i < 6; i++) await fs.writeFile(path.join(src, `f${i}.bin`), pseudoRandomBytes(50_000, i + 1));
  ({ vault: warm, keyFile } = await newTestVault(dir));
  // A first snapshot, forgotten below, leaves garbage in the packs the second shares with it.
  const { snapshot: first } = await backupDirectory(warm, src, { parent: null });
  await fs.writeFile(path.join(src, 'f0.bin'), pseudoRandomBytes(50_000, 99));
  ({ snapshot } = await backupDirectory(warm, src, { parent: null }));
  await warm.store.delete(`snapshots/${first.id}`);
});
afterAll(async () => removeDir(dir));

it('a run after a repack reloads the index and restores byte for byte; so does the run that loaded its index before the repack (its reads of swept packs reload it: audit R29 F1)', async () => {
  await vaultForBlobs(warm, () => [], 'restore-1');
  // Another process prunes: the packs are repacked and, a second run later, deleted.
  const other = await openVault(warm.store, await KeyFileKeyProvider.load(keyFile));
  for (let run = 0; run < 2; run++) await pruneVault(other, { graceMs: 0, repackThreshold: 0 });

  const sameRun = await vaultForBlobs(warm, () => [], 'restore-1');
  await restoreSnapshot(sameRun, snapshot, path.join(dir, 'same-run'));
  expect(await readTree(path.join(dir, 'same-run'))).toEqual(await readTree(src));

  const fresh = await vaultForBlobs(warm, () => [], 'restore-2');
  await restoreSnapshot(fresh, snapshot, path.join(dir, 'fresh'));
  expect(await readTree(path.join(dir, 'fresh'))).toEqual(await readTree(src));
});
