import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { checkRestoredEntries } from '../../../../lambdas/restore/restored-entry-check';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Vault } from '../../../../vault/repository/vault';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r59E F1, F3 (of 6252ce14): an entry the restorer could not make for a name too long is not a mismatch only when
 * the restorer said so. A symlink whose target it refused (over 4,095 bytes) is absent, not refused on lookup: it failed
 * the restore as "missing in the target" though the report listed it. And a lookup refused as too long passed any entry
 * unread, one the restorer made and said nothing of included (a longer spelling of the root reaches past 4,095 bytes).
 */
const planS3 = mockClient(S3Client);
const CONTENT = 'restored\n';
let dir: string;
let vault: Vault;
let stored: { size: number; content: ManifestEntry['content'] };
beforeAll(async () => {
  dir = await tempDir('entry-check-names-too-long');
  ({ vault } = await newTestVault(dir));
  const writer = await vault.newSnapshotWriter({ inline: true });
  stored = await writer.storeContent(Buffer.from(CONTENT));
  await writer.finish();
  await vault.reloadIndex();
});
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

const file = (p: string): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644 }, size: stored.size, content: [...stored.content] });

it('reports a symlink whose target is too long as not restored, not as missing, and the counts add up (F1)', async () => {
  const writer = await vault.newSnapshotWriter({ inline: true });
  await writer.storeContent(Buffer.from(CONTENT));
  const parts = [await writer.finish()];
  const longTarget = `/${'x/'.repeat(2100)}`;
  const entries: ManifestEntry[] = [file('a.txt'), { path: 'ln', kind: 'symlink', meta: { mode: 0o777, target: longTarget }, size: 0, content: [] }];
  const snapshot = await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries });
  const restoreId = 'r-symlink-target-too-long';
  const plan: RestorePlanDocument = {
    restore: resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: '/restored' } }),
    entries: entries.length,
    bytes: stored.size,
    shards: [{ index: 0, first: 'a.txt', last: 'ln', entries: 2, bytes: stored.size }],
  };
  const planKey = `restore-plans/${restoreId}.json`;
  servePlanObjects(planS3, new Map([[planKey, JSON.stringify(plan)]]));
  const io = mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
  await restoreShard({ restoreId, planKey, shardIndex: 0 }, io);

  const report = await verifyRestore({ planKey }, io);
  expect(report.notRestored).toEqual({
    count: 1,
    first: [{ path: 'ln', what: `not restored: the target's file system refuses its symlink target as too long (ENAMETOOLONG; the target is ${Buffer.byteLength(longTarget)} bytes: most file systems allow 4,095)` }],
  });
  expect(report.verified).toEqual({ entries: 1, mismatches: 0 });
  expect(report.verified.entries + (report.notRestored?.count ?? 0)).toBe(report.entries);
  expect(await fs.readFile(path.join(dir, 'fs', 'restored', 'a.txt'), 'utf8')).toBe(CONTENT);
});

describe('an entry whose lookup is refused as too long, of which its restorer said nothing (F3)', () => {
  const target = { type: 'filesystem' as const, path: '/unused' };
  const where = (root: string) => ({ targetS3: new S3Client({ region: 'us-east-1' }), root, keepSetIdBits: false });
  let root: string;
  let alias: string;
  let corrupted: ManifestEntry;
  beforeAll(async () => {
    // A file that fits under `root` (4,094 bytes) but not under a longer spelling of the same directory, of other bytes (26).
    root = path.join(dir, 't');
    const names: string[] = [];
    while (Buffer.byteLength(path.join(root, ...names, 'd'.repeat(200))) < 3900) names.push('d'.repeat(200));
    await fs.mkdir(path.join(root, ...names), { recursive: true });
    const at = path.join(root, ...names);
    const name = 'f'.repeat(4094 - Buffer.byteLength(`${at}/`));
    await fs.writeFile(path.join(at, name), 'CORRUPTED, not the backup\n');
    await fs.chmod(path.join(at, name), 0o644);
    corrupted = file([...names, name].join('/'));
    alias = path.join(dir, 'alias-of-t');
    await fs.symlink(root, alias);
  });

  it('is a mismatch naming the refused lookup, not passed unread', async () => {
    expect((await checkRestoredEntries(vault, target, where(root), [corrupted])).mismatches).toEqual([expect.stringMatching(/: size 26 instead of 9$/u) as string]);
    expect(await checkRestoredEntries(vault, target, where(alias), [corrupted])).toEqual({
      checked: 1,
      mismatches: [`${JSON.stringify(corrupted.path)}: cannot be looked up in the target, its path refused as too long (ENAMETOOLONG), and its restore did not say it left it out for that`],
      notRestored: [],
    });
  });

  it('is not made when its restorer said so, by its own line or one said once for a directory above it', async () => {
    const own = { path: corrupted.path, what: "not restored: the target's file system refuses its name as too long (ENAMETOOLONG; the name is 300 bytes, the path in the target 4400: most file systems allow names of 255 bytes and paths of 4,095)" };
    expect(await checkRestoredEntries(vault, target, where(alias), [corrupted], [own])).toEqual({ checked: 0, mismatches: [], notRestored: [own] });
    const top = corrupted.path.split('/')[0] ?? '';
    const above = { path: `${top}/other`, what: `not restored: the directory ${JSON.stringify(top)} above it could not be made, the target's file system refusing its name (or path) as too long (ENAMETOOLONG) (and for 1 more entries)`, entries: 2 };
    expect(await checkRestoredEntries(vault, target, where(alias), [corrupted], [above])).toEqual({ checked: 0, mismatches: [], notRestored: [above] });
    // Another line of the entry (its owner, say) does not say it was not made.
    const owner = { path: corrupted.path, what: 'owner not restored: not root' };
    expect((await checkRestoredEntries(vault, target, where(alias), [corrupted], [owner])).mismatches).toHaveLength(1);
  });
});
