import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as path from 'node:path';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { shardCheckKey, SHARD_CHECK_LISTED } from '../../../../lambdas/restore/shard-checks';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r59A F2: a shard's check record lists its first SHARD_CHECK_LISTED entries not restored, by path, and the verify
 * step took a drill's or failover's reasons (`kinds`) from those: 120 sockets under a/ took the list, and the extended
 * attributes lost under b/ (said once, at b/f00) were never named. Each record now carries the reasons of all its items.
 */
const saved = process.env.LIFEBOAT_PLATFORM_CALLS;
// platformCalls() loads on first use, and this file's module registry is its own: off for the whole restore below.
process.env.LIFEBOAT_PLATFORM_CALLS = 'off';
const SOCKETS = 120;
const FILES = 50;
const SOCKET = 'socket not recreated';
const XATTRS = 'extended attributes not restored';

const planS3 = mockClient(S3Client);
let dir: string;
let stored: Map<string, string>;
let planKey: string;
let io: ReturnType<typeof mockedRestoreIo>;
const restoreId = 'r-record-kinds';

beforeAll(async () => {
  dir = await tempDir('shard-record-kinds');
  const { vault } = await newTestVault(dir);
  const writer = await vault.newSnapshotWriter({ inline: true });
  const content = await writer.storeContent(Buffer.from('tagged\n'));
  const parts = [await writer.finish()];
  await vault.reloadIndex();
  const xattrs = { 'user.tag': Buffer.from('x').toString('base64') };
  const entries: ManifestEntry[] = [
    { path: 'a', kind: 'dir', size: 0, content: [], meta: { mode: 0o755 } },
    ...Array.from({ length: SOCKETS }, (_, i): ManifestEntry => ({ path: `a/s${String(i).padStart(3, '0')}`, kind: 'special', size: 0, content: [], meta: { type: 'socket' } })),
    { path: 'b', kind: 'dir', size: 0, content: [], meta: { mode: 0o755 } },
    ...Array.from({ length: FILES }, (_, i): ManifestEntry => ({ path: `b/f${String(i).padStart(2, '0')}`, kind: 'file', size: content.size, content: [...content.content], meta: { mode: 0o644, xattrs } })),
  ];
  entries.sort((x, y) => (x.path < y.path ? -1 : 1));
  const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries });
  const plan: RestorePlanDocument = {
    restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: '/restored' } }),
    entries: entries.length,
    bytes: content.size * FILES,
    shards: [{ index: 0, first: 'a', last: `b/f${FILES - 1}`, entries: entries.length, bytes: content.size * FILES }],
  };
  planKey = `restore-plans/${restoreId}.json`;
  stored = new Map([[planKey, JSON.stringify(plan)]]);
  servePlanObjects(planS3, stored);
  io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  await restoreShard({ restoreId, planKey, shardIndex: 0 }, io);
});

afterAll(async () => {
  if (saved === undefined) delete process.env.LIFEBOAT_PLATFORM_CALLS;
  else process.env.LIFEBOAT_PLATFORM_CALLS = saved;
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

const kindOf = (what: string): string => what.slice(0, what.indexOf(': '));

it("a shard's record lists its first entries by path and names the reasons of all of them; a drill's or failover's source names both", async () => {
  const record = JSON.parse(stored.get(shardCheckKey(restoreId, 0)) ?? '{}') as { notRestored: { path: string; what: string }[]; notRestoredCount: number; notRestoredKinds?: string[] };
  // The list is the sockets' alone: the loss under b/ sorts after them.
  expect(record.notRestored).toHaveLength(SHARD_CHECK_LISTED);
  expect(new Set(record.notRestored.map((n) => kindOf(n.what)))).toEqual(new Set([SOCKET]));
  expect(record.notRestoredCount).toBe(SOCKETS + FILES);
  expect(record.notRestoredKinds).toEqual([SOCKET, XATTRS]);

  const report = await verifyRestore({ planKey, reportIn: 'parent-state', reportSources: 1 }, io);
  expect(report.notRestored?.count).toBe(SOCKETS + FILES);
  expect(report.notRestored?.kinds).toEqual([SOCKET, XATTRS]);
});

it('a record of an older shard, without reasons of its own, gives its listed items\' reasons as before', async () => {
  const key = shardCheckKey(restoreId, 0);
  const { notRestoredKinds: _dropped, ...older } = JSON.parse(stored.get(key) ?? '{}') as Record<string, unknown>;
  stored.set(key, JSON.stringify(older));
  const report = await verifyRestore({ planKey, reportIn: 'parent-state', reportSources: 1 }, io);
  expect(report.notRestored?.kinds).toEqual([SOCKET]);
});
