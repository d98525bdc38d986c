import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestorePlanDocument, type RestoreShard } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Vault } from '../../../../vault/repository/vault';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { expectWrittenNotLinked as writtenNotLinked } from '../../../support/written-not-linked';

const planS3 = mockClient(S3Client);

/**
 * A hard link's first name in the restore workflow may have been placed by another shard, or be a path a crafted snapshot
 * reaches through one of its own symlinks: the link is never made through a symlink, so it never becomes another name of a
 * file outside the target. Snapshots crafted with the vault's own code (commitSnapshot's `entries`).
 */
describe('the restore workflow’s shards and a hard link whose first name lies behind a symlink', () => {
  let dir: string;
  let vault: Vault;
  let outside: string;
  let content: { size: number; content: string[] };
  let parts: Awaited<ReturnType<Awaited<ReturnType<Vault['newSnapshotWriter']>>['finish']>>[];
  const BACKED_UP = 'inside the backup\n';
  const SECRET = 'outside the target\n';

  beforeAll(async () => {
    dir = await tempDir('restore-shard-hard-link');
    ({ vault } = await newTestVault(dir));
    outside = path.join(dir, 'outside');
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'secret'), SECRET);
    const writer = await vault.newSnapshotWriter({ inline: true });
    const recorded = await writer.storeContent(Buffer.from(BACKED_UP));
    parts = [await writer.finish()];
    content = { size: recorded.size, content: [...recorded.content] };
    await vault.reloadIndex();
  });
  afterAll(async () => {
    planS3.restore();
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  const file = (p: string, meta: ManifestEntry['meta'] = {}): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644, ...meta }, ...content });
  const symlink = (p: string): ManifestEntry => ({ path: p, kind: 'symlink', meta: { target: outside }, size: 0, content: [] });

  /**
   * Commits `entries`, cuts them into shards at `cuts`, and runs the shards in `order` (an overwrite restore once `prepare`
   * has put the target's own files in place); resolves with the target directory.
   */
  async function restoreInShards(name: string, entries: ManifestEntry[], cuts: number[], order: number[], prepare?: (target: string) => Promise<void>): Promise<string> {
    const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries });
    const bounds = [0, ...cuts, entries.length];
    const shards: RestoreShard[] = bounds.slice(1).map((end, i) => {
      const start = bounds[i] as number;
      return { index: i, first: entries[start]?.path as string, last: entries[end - 1]?.path as string, entries: end - start, bytes: 0 };
    });
    const restore = { ...resolvedFileRestore({ restoreId: name, snapshotId: snapshot.id, target: { type: 'filesystem', path: `/${name}` } }), overwrite: prepare !== undefined };
    const plan: RestorePlanDocument = { restore, entries: entries.length, bytes: 0, shards };
    const planKey = `restore-plans/${name}.json`;
    planS3.reset();
    servePlanObjects(planS3, new Map([[planKey, JSON.stringify(plan)]]));
    const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
    if (prepare) {
      await fs.mkdir(io.directory(`/${name}`), { recursive: true });
      await prepare(io.directory(`/${name}`));
    }
    for (const shardIndex of order) await restoreShard({ restoreId: name, planKey, shardIndex }, io);
    return io.directory(`/${name}`);
  }

  const expectWrittenNotLinked = (restored: string): Promise<void> => writtenNotLinked(restored, BACKED_UP, path.join(outside, 'secret'), SECRET);

  it('one shard, 16 entries at a time: the symlink comes after the shard’s other entries, and the later name is written as a file', async () => {
    const fillers = Array.from({ length: 20 }, (_, i) => file(`f${String(i).padStart(2, '0')}`));
    const target = await restoreInShards('one-shard', [symlink('a'), ...fillers, file('z', { hardlink: 'a/secret' })], [], [0]);
    await expectWrittenNotLinked(path.join(target, 'z'));
    expect(await fs.readlink(path.join(target, 'a'))).toBe(outside);
  });

  it('a first name in the shard’s range reached through a symlink another shard made: the content is written', async () => {
    // Shard 1 (the link `x`) runs first; shard 0's `m` names "x/secret", which sorts after `m`, so it lies in shard 0's range.
    const target = await restoreInShards('two-shards', [file('m', { hardlink: 'x/secret' }), symlink('x')], [1], [1, 0]);
    await expectWrittenNotLinked(path.join(target, 'm'));
  });

  // Audit a58B F1: the shard linked to whatever the target held at a first name in its range that the snapshot does not hold.
  it('a first name in the shard’s range that the snapshot does not hold: the target’s own file there gets no second name', async () => {
    // "b" lies in the shard's range (from "a"), the snapshot holds no "b", and the target holds its own.
    const target = await restoreInShards('first-not-in-snapshot', [file('a'), file('c', { hardlink: 'b' })], [], [0], async (at) => {
      await fs.writeFile(path.join(at, 'b'), SECRET);
      await fs.chmod(path.join(at, 'b'), 0o600);
    });
    await writtenNotLinked(path.join(target, 'c'), BACKED_UP, path.join(target, 'b'), SECRET);
  });

  it('a first name in another shard: the content is written', async () => {
    const entries = [file('a'), file('m'), file('z', { hardlink: 'a' })];
    const snapshotTarget = await restoreInShards('first-in-other-shard', entries, [2], [1, 0]);
    const [a, z] = await Promise.all([fs.stat(path.join(snapshotTarget, 'a')), fs.stat(path.join(snapshotTarget, 'z'))]);
    expect(z.ino).not.toBe(a.ino);
    expect(await fs.readFile(path.join(snapshotTarget, 'z'), 'utf8')).toBe(BACKED_UP);
  });

  it('still links a later name to a first name of the same shard', async () => {
    const target = await restoreInShards('first-in-shard', [file('a'), file('m'), file('z', { hardlink: 'a' })], [], [0]);
    const [a, z] = await Promise.all([fs.stat(path.join(target, 'a')), fs.stat(path.join(target, 'z'))]);
    expect(z.ino).toBe(a.ino);
  });
});
