import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { type ShardCheck, shardCheckKey } from '../../../../lambdas/restore/shard-checks';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r58K F4: a name the target's file system refuses as too long (ENAMETOOLONG: over 255 bytes here, as a CIFS
 * share's backup may hold) is listed by the restore shards as not restored, a directory's said once for every entry below
 * it. The verify step then read those entries back, found them missing and counted each as a mismatch: the restore that
 * honestly said "not restored: 6 entries (name too long)" failed as if its data were corrupt. Entries the restore said it
 * could not make are not mismatches: the report lists them with their reasons, and its counts add up to the plan's.
 */
const planS3 = mockClient(S3Client);
let dir: string;
const made: string[] = [];
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  for (const each of made) await removeDir(each);
});

it('reports entries under a directory whose name is too long as not restored, not as mismatches, and the counts add up', async () => {
  dir = await tempDir('verify-names-too-long');
  made.push(dir);
  const { vault } = await newTestVault(dir);
  const CONTENT = 'restored\n';
  const writer = await vault.newSnapshotWriter({ inline: true });
  const stored = await writer.storeContent(Buffer.from(CONTENT));
  const parts = [await writer.finish()];
  await vault.reloadIndex();
  const file = (p: string): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644 }, size: stored.size, content: [...stored.content] });
  const directory = (p: string): ManifestEntry => ({ path: p, kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] });
  const longDir = 'd'.repeat(300);
  const tooLong = 'x'.repeat(256);
  const entries = [file('a.txt'), directory(longDir), file(`${longDir}/one`), directory(`${longDir}/sub`), file(`${longDir}/sub/three`), file(`${longDir}/two`), file(tooLong), file('z.txt')];
  const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/cifs-share' }, parts, entries });

  const restoreId = 'r-names-too-long';
  const plan: RestorePlanDocument = {
    restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: '/restored' } }),
    entries: entries.length,
    bytes: stored.size * 6,
    // The directory's entries over two shards: each shard's restorer meets the refused name on its own.
    shards: [
      { index: 0, first: 'a.txt', last: `${longDir}/one`, entries: 3, bytes: stored.size * 2 },
      { index: 1, first: `${longDir}/sub`, last: 'z.txt', entries: 5, bytes: stored.size * 4 },
    ],
  };
  const planKey = `restore-plans/${restoreId}.json`;
  servePlanObjects(planS3, new Map([[planKey, JSON.stringify(plan)]]));
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  for (const shardIndex of [0, 1]) await restoreShard({ restoreId, planKey, shardIndex }, io);

  const report = await verifyRestore({ planKey }, io);
  const ownName = expect.stringMatching(/^not restored: the target's file system refuses its name as too long \(ENAMETOOLONG; the name is (300|256) bytes/) as string;
  const above = `not restored: the directory ${JSON.stringify(longDir)} above it could not be made, the target's file system refusing its name (or path) as too long (ENAMETOOLONG)`;
  expect(report.notRestored).toEqual({
    count: 6,
    first: [
      { path: longDir, what: ownName },
      { path: `${longDir}/one`, what: above },
      { path: `${longDir}/sub`, what: `${above} (and for 2 more entries)`, entries: 3 },
      { path: tooLong, what: ownName },
    ],
  });
  expect(report.verified).toEqual({ entries: 2, mismatches: 0 });
  expect(report.verified.entries + (report.notRestored?.count ?? 0)).toBe(report.entries);
  const out = path.join(dir, 'fs', 'restored');
  expect((await fs.readdir(out)).sort()).toEqual(['a.txt', 'z.txt']);
  for (const name of ['a.txt', 'z.txt']) expect(await fs.readFile(path.join(out, name), 'utf8')).toBe(CONTENT);
});

/**
 * Review r59J F1: the line said once for a directory names it for display (a name that is not UTF-8 with replacement
 * characters, one stored escaped as it is on disk), and the verify step read that text back as the manifest's path: never
 * equal to `%lifeboat-escaped-name-…`, so every entry below such a directory was a mismatch and the restore failed as
 * corrupt. Two names not UTF-8 that show alike are two directories, each line naming its own.
 */
it('excuses the entries below a directory whose name is not UTF-8 (or stored escaped) and too long', async () => {
  dir = await tempDir('verify-escaped-names-too-long');
  made.push(dir);
  const { vault } = await newTestVault(dir);
  const CONTENT = 'restored\n';
  const writer = await vault.newSnapshotWriter({ inline: true });
  const stored = await writer.storeContent(Buffer.from(CONTENT));
  const parts = [await writer.finish()];
  await vault.reloadIndex();
  const file = (p: string): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644 }, size: stored.size, content: [...stored.content] });
  const directory = (p: string): ManifestEntry => ({ path: p, kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] });
  const escaped = (name: Buffer): string => `%lifeboat-escaped-name-${name.toString('base64url')}`;
  // Latin-1 é and ê, 300 bytes each: both show as 300 replacement characters.
  const notUtf8 = [escaped(Buffer.alloc(300, 0xe9)), escaped(Buffer.alloc(300, 0xea))];
  // A UTF-8 name that starts with the escape's prefix is stored escaped too, and shows as it is on disk.
  const reserved = escaped(Buffer.from(`%lifeboat-escaped-${'r'.repeat(280)}`));
  const longDirs = [...notUtf8, reserved];
  const entries = [file('a.txt'), ...longDirs.flatMap((d) => [directory(d), file(`${d}/one`), file(`${d}/two`)]), file('z.txt')].sort((a, b) => (a.path < b.path ? -1 : 1));
  const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/cifs-share' }, parts, entries });

  const restoreId = 'r-escaped-names-too-long';
  const plan: RestorePlanDocument = {
    restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: '/restored' } }),
    entries: entries.length,
    bytes: stored.size * 8,
    shards: [{ index: 0, first: entries[0]?.path ?? '', last: entries.at(-1)?.path ?? '', entries: entries.length, bytes: stored.size * 8 }],
  };
  const planKey = `restore-plans/${restoreId}.json`;
  servePlanObjects(planS3, new Map([[planKey, JSON.stringify(plan)]]));
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  await restoreShard({ restoreId, planKey, shardIndex: 0 }, io);

  const report = await verifyRestore({ planKey }, io);
  expect(report.verified).toEqual({ entries: 2, mismatches: 0 });
  expect(report.notRestored?.count).toBe(9);
  const saidOnce = (report.notRestored?.first ?? []).filter((item) => item.entries === 2);
  // One line for each directory, said for its two entries, the first named.
  expect(saidOnce.map((item) => item.path).sort()).toEqual(longDirs.map((d) => `${d}/one`).sort());
  const out = path.join(dir, 'fs', 'restored');
  expect((await fs.readdir(out)).sort()).toEqual(['a.txt', 'z.txt']);
  for (const name of ['a.txt', 'z.txt']) expect(await fs.readFile(path.join(out, name), 'utf8')).toBe(CONTENT);
});

/**
 * Review r59J F3: when any shard's check record listed only some of its lines (SHARD_CHECK_LISTED), the verify step let
 * every entry of the restore refused as too long through unread, whichever shard restored it. Only an entry in the range
 * of a shard whose list was cut may be one of the lines left out: another shard's list is whole, and an entry of its range
 * refused as too long of which it says nothing is a mismatch.
 */
it('lets a refused entry through unread only in the range of a shard whose list was cut', async () => {
  dir = await tempDir('verify-names-too-long-cut');
  made.push(dir);
  const { vault } = await newTestVault(dir);
  const writer = await vault.newSnapshotWriter({ inline: true });
  const stored = await writer.storeContent(Buffer.from('restored\n'));
  const parts = [await writer.finish()];
  await vault.reloadIndex();
  const file = (p: string): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644 }, size: stored.size, content: [...stored.content] });
  const directory = (p: string): ManifestEntry => ({ path: p, kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] });
  // 101 sockets (never made, each listed): shard 0's record lists 100 of them.
  const sockets = Array.from({ length: 101 }, (_, i): ManifestEntry => ({ path: `a/s${String(i).padStart(3, '0')}`, kind: 'special', meta: { mode: 0o755, type: 'socket' }, size: 0, content: [] }));
  const longDir = 'd'.repeat(300);
  const entries = [directory('a'), ...sockets, directory(longDir), file(`${longDir}/one`), file('z.txt')];
  const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries });
  const restoreId = 'r-names-too-long-cut';
  const plan: RestorePlanDocument = {
    restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: '/restored' } }),
    entries: entries.length,
    bytes: stored.size * 2,
    shards: [
      { index: 0, first: 'a', last: 'a/s100', entries: 102, bytes: 0 },
      { index: 1, first: longDir, last: 'z.txt', entries: 3, bytes: stored.size * 2 },
    ],
  };
  const planKey = `restore-plans/${restoreId}.json`;
  const objects = new Map([[planKey, JSON.stringify(plan)]]);
  servePlanObjects(planS3, objects);
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  for (const shardIndex of [0, 1]) await restoreShard({ restoreId, planKey, shardIndex }, io);
  const zero = JSON.parse(objects.get(shardCheckKey(restoreId, 0)) ?? '{}') as ShardCheck;
  expect(zero.notRestored.length).toBeLessThan(zero.notRestoredCount);
  // Shard 1's whole list, without its lines for the refused directory (as a shard that failed to say them would write it).
  const recordKey = shardCheckKey(restoreId, 1);
  const record = JSON.parse(objects.get(recordKey) ?? '{}') as ShardCheck;
  const kept = record.notRestored.filter((item) => !item.what.startsWith('not restored:'));
  objects.set(recordKey, JSON.stringify({ ...record, notRestored: kept, notRestoredCount: kept.length }));

  await expect(verifyRestore({ planKey }, io)).rejects.toThrow(`${JSON.stringify(longDir)}: cannot be looked up in the target, its path refused as too long (ENAMETOOLONG), and its restore did not say it left it out for that`);
});
