import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestorePlanDocument, type RestoreShard } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { openVault, type Vault } from '../../../../vault/repository/vault';
import { type FileVaultStore } from '../../../../vault/backend/file/file-vault-store';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { VaultIndexTooLargeError } from '../../../../vault/blob-index/index-memory';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { captureTree, type TreeCapture, withoutAttributes } from '../../../support/tree-capture';
import { buildHostileTree } from '../../../support/hostile-fixture-tree';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';

const planS3 = mockClient(S3Client);

describe('the restore workflow’s shard and verify steps on a tree of hostile names, special files, hard links and attributes', () => {
  let dir: string;
  let vault: Vault;
  let store: FileVaultStore;
  let keyFile: string;
  let snapshot: Snapshot;
  let source: TreeCapture;
  let paths: string[];
  let closeSocket: () => Promise<void>;
  beforeAll(async () => {
    dir = await tempDir('restore-shard-fidelity');
    ({ vault, store, keyFile } = await newTestVault(dir));
    const src = path.join(dir, 'src');
    ({ close: closeSocket } = await buildHostileTree(src));
    snapshot = (await backupDirectory(vault, src)).snapshot;
    source = await captureTree(src);
    paths = [];
    for await (const e of vault.entries(snapshot)) paths.push(e.path);
  });
  afterAll(async () => {
    planS3.restore();
    await closeSocket();
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  /** Runs every shard of a plan cut at the given entry indexes, then the verify step; the plan is served by a mocked S3. */
  async function runWorkflowSteps(targetPath: string, cuts: number[], from: Vault = vault) {
    const bounds = [0, ...cuts, paths.length];
    const shards: RestoreShard[] = bounds.slice(1).map((end, i) => ({ index: i, first: paths[bounds[i] as number] as string, last: paths[end - 1] as string, entries: end - (bounds[i] as number), bytes: 0 }));
    const plan: RestorePlanDocument = {
      restore: resolvedFileRestore({ restoreId: `r-${shards.length}`, snapshotId: snapshot.id, target: { type: 'filesystem', path: targetPath } }),
      entries: paths.length,
      bytes: 0,
      shards,
    };
    const planKey = `restore-plans/${plan.restore.restoreId}.json`;
    planS3.reset();
    servePlanObjects(planS3, new Map([[planKey, JSON.stringify(plan)]]));
    const io: RestoreIo = mockedRestoreIo(from, (p) => path.join(dir, 'fs', p));
    const results = [];
    for (const shard of shards) results.push(await restoreShard({ restoreId: plan.restore.restoreId, planKey, shardIndex: shard.index }, io));
    const report = await verifyRestore({ planKey }, io);
    return { results, report, target: io.directory(targetPath) };
  }

  it('brings every entry back as vault restore does (owners aside), reports the socket, and verifies without a mismatch', async () => {
    const { results, report, target } = await runWorkflowSteps('/one-shard', []);
    expect(results[0]?.notRestored).toEqual({ count: 1, first: [{ path: 'socket', what: expect.stringContaining('socket not recreated') as string }] });
    // The socket is not there: reported with the restorer's reason, and not among the entries verified equal (audit R41 F2).
    expect(report.verified).toEqual({ entries: paths.length - 1, mismatches: 0 });
    expect(report.notRestored).toEqual({ count: 1, first: [{ path: 'socket', what: expect.stringMatching(/^socket not recreated: /) as string }] });
    const expected = new Map([...source].filter(([, node]) => node.kind !== 'socket'));
    expect(withoutAttributes(await captureTree(target), ['uid', 'gid'])).toEqual(withoutAttributes(expected, ['uid', 'gid']));
  });

  it('writes a hard link whose first name is in another shard as a file of its own, with the same content', async () => {
    const cut = paths.indexOf('other');
    expect(cut).toBeGreaterThan(paths.indexOf('hard/a'));
    const { report, target } = await runWorkflowSteps('/two-shards', [cut]);
    expect(report.verified.mismatches).toBe(0);
    const [a, b, c] = await Promise.all(['hard/a', 'hard/b', 'other/c'].map((p) => fs.stat(path.join(target, p))));
    expect(b?.ino).toBe(a?.ino);
    expect(c?.ino).not.toBe(a?.ino);
    expect(await fs.readFile(path.join(target, 'other', 'c'), 'utf8')).toBe('one inode, three names\n');
  });

  it('restores from a vault whose whole index is too large for the function, with each shard loading only its blobs', async () => {
    // A function of 0 MB holds no blob of the index: every shard falls back to a view of the vault scoped to its entries.
    const limited = await openVault(store, (await KeyFileKeyProvider.loadOrCreate(keyFile)).provider);
    limited.memoryLimitMb = 0;
    await expect(limited.index()).rejects.toThrow(VaultIndexTooLargeError);
    const { report, target } = await runWorkflowSteps('/index-too-large', [], limited);
    expect(report.verified.mismatches).toBe(0);
    const expected = new Map([...source].filter(([, node]) => node.kind !== 'socket'));
    expect(withoutAttributes(await captureTree(target), ['uid', 'gid'])).toEqual(withoutAttributes(expected, ['uid', 'gid']));
    // Two shards, each with a view of its own blobs: every entry read back equal.
    const split = await runWorkflowSteps('/index-too-large-two-shards', [paths.indexOf('other')], limited);
    expect(split.report.verified).toMatchObject({ entries: paths.length - 1, mismatches: 0 });
  });
});
