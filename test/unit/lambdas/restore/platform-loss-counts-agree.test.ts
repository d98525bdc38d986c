import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultRestore } from '../../../../cli/commands/vault-commands';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { shardCheckKey } from '../../../../lambdas/restore/shard-checks';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { entriesNotRestored } from '../../../../vault/restorer/not-restored';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r58D: without the platform calls (in AWS) no extended attribute is set, and the restore says so once for
 * every entry it struck. F1: a hard link's later names are linked, not written, so the restorer never tried their
 * attributes and left them out of that count, while the workflow's entry check counted every name: `lifeboat vault
 * restore` and a shard's result said 2 where the report said 5, for one snapshot. F4: a filtered restore counted the
 * parents it made on the way to its path, so `notRestored.count` (3) exceeded `entries` (1) and `verified` (1).
 */
const saved = process.env.LIFEBOAT_PLATFORM_CALLS;
// platformCalls() loads on first use, and this file's module registry is its own: off for every restore below.
process.env.LIFEBOAT_PLATFORM_CALLS = 'off';
const LOSS = 'extended attributes not restored: platform calls are turned off (LIFEBOAT_PLATFORM_CALLS=off)';
const XATTRS = { 'user.tag': Buffer.from('x').toString('base64') };

const planS3 = mockClient(S3Client);
let dir: string;
let vault: Vault;
let keyFile: string;
let content: { size: number; content: string[] };

beforeAll(async () => {
  dir = await tempDir('platform-loss-counts');
  ({ vault, keyFile } = await newTestVault(dir));
  const writer = await vault.newSnapshotWriter({ inline: true });
  const stored = await writer.storeContent(Buffer.from('tagged\n'));
  content = { size: stored.size, content: [...stored.content] };
  await vault.commitSnapshot({ source: { kind: 'directory', id: '/unused' }, parts: [await writer.finish()], entries: [] });
  await vault.reloadIndex();
});
afterAll(async () => {
  if (saved === undefined) delete process.env.LIFEBOAT_PLATFORM_CALLS;
  else process.env.LIFEBOAT_PLATFORM_CALLS = saved;
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

const file = (p: string, meta: ManifestEntry['meta'] = {}): ManifestEntry => ({ path: p, kind: 'file', ...content, meta: { mode: 0o644, ...meta } });
const dirEntry = (p: string): ManifestEntry => ({ path: p, kind: 'dir', size: 0, content: [], meta: { mode: 0o755, xattrs: XATTRS } });

async function snapshotOf(entries: ManifestEntry[]): Promise<Snapshot> {
  const writer = await vault.newSnapshotWriter({ inline: true });
  return vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts: [await writer.finish()], entries: entries.sort((a, b) => (a.path < b.path ? -1 : 1)) });
}

/** The restore workflow's path: one shard over `selected` (of `plan.restore`), then the verify step. */
async function restoreInWorkflow(restoreId: string, snapshot: Snapshot, selected: ManifestEntry[], prefix?: string) {
  const plan: RestorePlanDocument = {
    restore: { ...resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: `/${restoreId}` } }), ...(prefix !== undefined ? { prefix } : {}) },
    entries: selected.length,
    bytes: content.size * selected.length,
    shards: [{ index: 0, first: selected[0]?.path ?? '', last: selected.at(-1)?.path ?? '', entries: selected.length, bytes: content.size * selected.length }],
  };
  const planKey = `restore-plans/${restoreId}.json`;
  const objects = new Map([[planKey, JSON.stringify(plan)]]);
  servePlanObjects(planS3, objects);
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  const shard = await restoreShard({ restoreId, planKey, shardIndex: 0 }, io);
  const check = JSON.parse(objects.get(shardCheckKey(restoreId, 0)) ?? '{}') as { notRestoredCount?: number };
  const report = await verifyRestore({ planKey }, io);
  return { shard, check, report, root: path.join(dir, 'fs', restoreId) };
}

it('F1: every name of a hard link that lacks its extended attributes is counted alike by vault restore, the shard, its check and the report', async () => {
  const entries = [file('f0', { xattrs: XATTRS }), ...['f0-l0', 'f0-l1', 'f0-l2'].map((p) => file(p, { xattrs: XATTRS, hardlink: 'f0' })), file('g1', { xattrs: XATTRS }), file('plain')];
  const snapshot = await snapshotOf(entries);
  // `lifeboat vault restore`'s restorer, and its stderr line.
  const stats = await restoreSnapshot(vault, snapshot, path.join(dir, 'cli'), { owner: 'never' });
  expect(stats.links).toBe(3);
  expect(stats.notRestored).toEqual([{ path: 'f0', what: `${LOSS} (and for 4 more entries)`, entries: 5 }]);
  const err: string[] = [];
  expect(await vaultRestore(snapshot.id, { vault: path.join(dir, 'vault'), keyFile, target: path.join(dir, 'cli-command') }, { io: { out: () => undefined, err: (l) => err.push(l) } })).toBe(3);
  expect(err.slice(1)).toEqual(['lifeboat vault: restore completed, but 5 entries (or attributes of entries) were not restored as recorded:', `  f0: ${LOSS} (and for 4 more entries)`]);
  // The workflow: one shard, linked as the CLI links.
  const { shard, check, report, root } = await restoreInWorkflow('r-links', snapshot, entries);
  expect((await fs.stat(path.join(root, 'f0-l2'))).ino).toBe((await fs.stat(path.join(root, 'f0'))).ino);
  expect(shard.notRestored).toEqual({ count: 5, first: [{ path: 'f0', what: `${LOSS} (and for 4 more entries)`, entries: 5 }] });
  expect(check.notRestoredCount).toBe(5);
  expect(report.notRestored).toEqual({ count: 5, first: [{ path: 'f0', what: `${LOSS} (and for 4 more entries)`, entries: 5 }] });
  expect(report.verified).toEqual({ entries: 1, mismatches: 0 });
  expect(entriesNotRestored(report.notRestored?.first ?? [])).toBe(report.notRestored?.count);
});

it("F4: a filtered restore's parents get their mode and are read back, but what they lack is not counted in its notRestored", async () => {
  const entries = [dirEntry('p'), dirEntry('p/q'), dirEntry('p/q/r'), file('p/q/r/file'), file('p/q/r/tagged', { xattrs: XATTRS })];
  const snapshot = await snapshotOf(entries);
  const selected = entries.filter((e) => e.path === 'p/q/r/file' || e.path === 'p/q/r/tagged');
  const { report, root } = await restoreInWorkflow('r-parents', snapshot, selected, 'p/q/r/');
  expect(report.entries).toBe(2);
  expect(report.verified).toEqual({ entries: 1, mismatches: 0 });
  expect(report.notRestored).toEqual({ count: 1, first: [{ path: 'p/q/r/tagged', what: LOSS }] });
  expect(report.notRestored?.count).toBeLessThanOrEqual(report.entries - report.verified.entries);
  expect((await fs.stat(path.join(root, 'p', 'q'))).mode & 0o7777).toBe(0o755);
});

it("r58I F4: lifeboat vault restore --include gives its parents their mode, but counts only what its own entries lack, as the workflow does", async () => {
  const entries = [dirEntry('p'), dirEntry('p/q'), dirEntry('p/q/r'), file('p/q/r/file'), file('p/q/r/tagged', { xattrs: XATTRS })];
  const snapshot = await snapshotOf(entries);
  const target = path.join(dir, 'cli-include');
  const stats = await restoreSnapshot(vault, snapshot, target, { owner: 'never', include: 'p/q/r/' });
  // p and p/q are no entries of this restore (it made them on the way to p/q/r/): their loss is not its own.
  expect(stats.notRestored).toEqual([{ path: 'p/q/r/tagged', what: LOSS }]);
  expect((await fs.stat(path.join(target, 'p', 'q'))).mode & 0o7777).toBe(0o755);
  expect((await fs.stat(path.join(target, 'p'))).mode & 0o7777).toBe(0o755);
  // The workflow's report of the same selection says the same.
  const { report } = await restoreInWorkflow('r-parents-cli', snapshot, entries.filter((e) => e.path.startsWith('p/q/r/')), 'p/q/r/');
  expect(report.notRestored).toEqual({ count: 1, first: stats.notRestored });
  // The command restores the directory it is given too (`--include p/q/r/` is p/q/r and what lies below it): its loss is its own.
  const err: string[] = [];
  expect(await vaultRestore(snapshot.id, { vault: path.join(dir, 'vault'), keyFile, target: path.join(dir, 'cli-include-command'), include: 'p/q/r/' }, { io: { out: () => undefined, err: (l) => err.push(l) } })).toBe(3);
  // What its parents lack is a note apart, outside the count (review r59A F5).
  expect(err.slice(1)).toEqual([
    `Note: the parent directories made on the way to p/q/r lack what could not be set on them (not counted above): p: ${LOSS} (and for 1 more entries)`,
    'lifeboat vault: restore completed, but 2 entries (or attributes of entries) were not restored as recorded:',
    `  p/q/r: ${LOSS} (and for 1 more entries)`,
  ]);
});
