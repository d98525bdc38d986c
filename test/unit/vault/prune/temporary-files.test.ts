import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { reclaimTemporaryFiles, TEMP_FILE_MIN_AGE_MS } from '../../../../vault/prune/temporary-files';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

const HOUR = 3_600_000;

describe('reclaimTemporaryFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('temporary-files');
  });
  afterEach(async () => removeDir(dir));

  /** Writes a `.tmp-*` file of `bytes` whose last write was `ageMs` ago. */
  async function tempFile(root: string, key: string, bytes: number, ageMs: number): Promise<string> {
    const file = path.join(root, ...key.split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, Buffer.alloc(bytes, 1));
    const at = new Date(Date.now() - ageMs);
    await fs.utimes(file, at, at);
    return file;
  }

  it('removes .tmp-* files older than the grace, keeps younger ones, and counts their bytes', async () => {
    const { store } = await newTestVault(dir);
    const old = await tempFile(store.root, 'data/ab/.tmp-00112233aabbccdd', 700, 30 * HOUR);
    const oldIndex = await tempFile(store.root, 'index/.tmp-0000000000000001', 50, 26 * HOUR);
    const fresh = await tempFile(store.root, 'data/ab/.tmp-ffeeddccbbaa9988', 300, 0);
    const recent = await tempFile(store.root, '.tmp-1234123412341234', 10, 2 * HOUR);

    const report = await reclaimTemporaryFiles(store, { graceMs: 25 * HOUR });
    expect(report).toEqual({ files: 2, bytes: 750, kept: 2, olderThanMs: 25 * HOUR });
    await expect(fs.stat(old)).rejects.toThrow(/ENOENT/);
    await expect(fs.stat(oldIndex)).rejects.toThrow(/ENOENT/);
    expect((await fs.stat(fresh)).size).toBe(300);
    expect((await fs.stat(recent)).size).toBe(10);
  });

  it('with a grace of 0 keeps files younger than an hour (a live writer may own one)', async () => {
    const { store } = await newTestVault(dir);
    const halfHour = await tempFile(store.root, 'data/cd/.tmp-aaaaaaaaaaaaaaaa', 100, HOUR / 2);
    const twoHours = await tempFile(store.root, 'data/cd/.tmp-bbbbbbbbbbbbbbbb', 200, 2 * HOUR);
    const report = await reclaimTemporaryFiles(store, { graceMs: 0 });
    expect(report).toEqual({ files: 1, bytes: 200, kept: 1, olderThanMs: TEMP_FILE_MIN_AGE_MS });
    expect(await fs.stat(halfHour)).toBeTruthy();
    await expect(fs.stat(twoHours)).rejects.toThrow(/ENOENT/);
  });

  it('in a dry run counts what it would remove and removes nothing; a store without files has none', async () => {
    const { store } = await newTestVault(dir);
    const old = await tempFile(store.root, 'manifest/.tmp-cccccccccccccccc', 64, 48 * HOUR);
    expect(await reclaimTemporaryFiles(store, { graceMs: HOUR, dryRun: true })).toEqual({ files: 1, bytes: 64, kept: 0, olderThanMs: HOUR });
    expect(await fs.stat(old)).toBeTruthy();
    expect(await reclaimTemporaryFiles(new MemoryVaultStore(), { graceMs: 0 })).toEqual({ files: 0, bytes: 0, kept: 0, olderThanMs: HOUR });
  });
});
