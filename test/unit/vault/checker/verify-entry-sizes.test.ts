import { verifyVault } from '../../../../vault/checker/verify';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Vault } from '../../../../vault/repository/vault';
import { snapshotKey } from '../../../../vault/repository/vault-layout';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * An entry whose recorded size is not what its blobs hold: a restore refuses it as damaged, and verify says so before
 * a restore is needed. Crafted with the vault's own code (commitSnapshot's `entries`): no backup records one.
 */
describe('verifyVault and entries whose size their blobs do not hold', () => {
  let dir: string;
  let vault: Vault;
  let parts: Awaited<ReturnType<Awaited<ReturnType<Vault['newSnapshotWriter']>>['finish']>>[];
  let stored: { size: number; content: string[] };

  beforeAll(async () => {
    dir = await tempDir('verify-entry-sizes');
    ({ vault } = await newTestVault(dir));
    const writer = await vault.newSnapshotWriter({ inline: true });
    const recorded = await writer.storeContent(Buffer.from('eleven byte'));
    parts = [await writer.finish()];
    stored = { size: recorded.size, content: [...recorded.content] };
  });
  afterAll(async () => {
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  const commit = (entries: ManifestEntry[]): Promise<{ id: string }> => vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries });
  const file = (p: string, size: number): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644 }, size, content: stored.content });

  it('passes entries whose sizes are their blobs’ (directories and symlinks hold none)', async () => {
    await commit([{ path: 'd', kind: 'dir', meta: {}, size: 0, content: [] }, file('d/ok.txt', stored.size), { path: 'l', kind: 'symlink', meta: { target: 'd' }, size: 0, content: [] }]);
    const report = await verifyVault(vault, { readData: true });
    expect(report.problems).toEqual([]);
  });

  it.each([false, true])('reports, under each snapshot that reaches it, an entry recording more than its blobs hold (readData: %s)', async (readData) => {
    const damaged = [file('big.bin', 100000), file('ok.txt', stored.size)];
    // Two snapshots of the same entries share their manifest pages: the page is read once, and both are told.
    const first = await commit(damaged);
    const second = await commit(damaged);
    const report = await verifyVault(vault, { readData });
    expect(stored.size).toBe(11);
    const message =
      '1 entries record a size their blobs do not hold by the index (e.g. entry "big.bin" records 100000 bytes, its blobs hold 11): a restore refuses such files as damaged and recreates every other entry (an S3 or DynamoDB restore\'s read-back reports them); unless a problem above explains it (an index or pack that disagrees), the snapshot recorded them so: back up the source again';
    expect(report.problems).toEqual(expect.arrayContaining([{ key: snapshotKey(first.id), message }, { key: snapshotKey(second.id), message }]));
    expect(report.ok).toBe(false);
  });
});
