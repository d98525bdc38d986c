import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { s3EntryPath } from '../../../../lambdas/sources/s3-entry-path';
import { verifyVault } from '../../../../vault/checker/verify';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Vault } from '../../../../vault/repository/vault';
import { snapshotKey } from '../../../../vault/repository/vault-layout';
import { vaultRestore } from '../../../../cli/commands/vault-commands';
import { recordingCliIo } from '../../../support/captured-cli-io';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { UnsafeEntryPathError } from '../../../../vault/restorer/safe-target-path';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit a58B F5: a manifest recording a path the restorer refuses (`../escape.txt`, absolute, NUL, an escaped `..`, a
 * hard link to one) passed `vault verify --read-data` as OK, and its restore, which stops at that entry, told the
 * operator to clear a conflict in the target. Verify now applies the restorer's own rule to every entry, and the
 * restore says the snapshot is damaged or crafted. Crafted with the vault's own code (commitSnapshot's `entries`).
 */
describe('verifyVault and entry paths no restore writes', () => {
  let dir: string;
  let vault: Vault;
  let parts: Awaited<ReturnType<Awaited<ReturnType<Vault['newSnapshotWriter']>>['finish']>>[];
  let stored: { size: number; content: string[] };

  beforeAll(async () => {
    dir = await tempDir('verify-entry-paths');
    ({ vault } = await newTestVault(dir));
    const writer = await vault.newSnapshotWriter({ inline: true });
    const recorded = await writer.storeContent(Buffer.from('pwned\n'));
    parts = [await writer.finish()];
    stored = { size: recorded.size, content: [...recorded.content] };
  });
  afterAll(async () => {
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  const commit = async (entries: ManifestEntry[]): Promise<string> => (await vault.commitSnapshot({ source: { kind: 'directory', id: '/src' }, parts, entries })).id;
  const file = (p: string, meta: ManifestEntry['meta'] = {}): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644, ...meta }, size: stored.size, content: stored.content });
  const problemsOf = async (id: string, readData: boolean): Promise<string[]> =>
    (await verifyVault(vault, { readData })).problems.filter((p) => p.key === snapshotKey(id)).map((p) => p.message);

  it.each([
    { at: '../escape.txt', reason: 'it contains a ".." segment' },
    { at: '/tmp/abs.txt', reason: 'it is an absolute path' },
    { at: 'a\0b', reason: 'it contains a NUL byte' },
    { at: '%lifeboat-escaped-name-Li4/x.txt', reason: 'the manifest path segment "%lifeboat-escaped-name-Li4" is not a valid escaped name' },
    { at: 'b', hardlink: '../outside/secret', reason: 'it is another name (a hard link) of "../outside/secret", which contains a ".." segment' },
  ])('reports $at (hard link to $hardlink) as a damaged or crafted snapshot, with or without reading data', async ({ at, hardlink, reason }) => {
    const entry = file(at, hardlink === undefined ? {} : { hardlink });
    const id = await commit([entry]);
    for (const readData of [false, true]) {
      const messages = await problemsOf(id, readData);
      expect(messages).toEqual([expect.stringContaining(`1 entries record a path no restore writes (e.g. entry ${JSON.stringify(entry.path)}: ${reason}`)]);
      expect(messages[0]).toMatch(/which Lifeboat never records: the snapshot is damaged or was crafted\. A restore of it stops at the first such entry .*: restore what lies elsewhere with --include, or forget the snapshot$/);
    }
    await vault.store.delete(snapshotKey(id));
  });

  it('passes paths a restore writes', async () => {
    const id = await commit([{ path: 'd', kind: 'dir', meta: {}, size: 0, content: [] }, file('d/a'), file('d/b', { hardlink: 'd/a' })]);
    expect(await problemsOf(id, false)).toEqual([]);
    await vault.store.delete(snapshotKey(id));
  });

  it('a restore stopped by such a path says the snapshot is damaged or crafted, and names verify, not a conflict to clear', async () => {
    const id = await commit([file('../escape.txt')]);
    const target = path.join(dir, 'target');
    const restore = restoreSnapshot(vault, await vault.loadSnapshot(id), target, { inline: true });
    await expect(restore).rejects.toThrow(UnsafeEntryPathError);
    const message = ((await restore.catch((err: unknown) => err)) as Error).message;
    expect(message).toMatch(/^Refusing to restore entry "\.\.\/escape\.txt": it contains a "\.\." segment\. The snapshot records this path, which Lifeboat never records: the snapshot is damaged or was crafted\. Nothing was written for it, and the restore stopped there: .*`lifeboat vault verify` names every such entry of the snapshot: restore what lies elsewhere with --include, or restore another snapshot\.$/);
    expect(message).not.toMatch(/Clear the conflict/);
    await expect(fs.access(path.join(dir, 'escape.txt'))).rejects.toThrow();
    await vault.store.delete(snapshotKey(id));
  });

  // Review r58H F7: a file (or any entry but a directory) whose path names the target itself passed verify, and its restore
  // stopped telling the operator to clear a conflict in the target, which holds none.
  it.each(['.', './', ''])('a file at %j: verify reports it, and the restore says the snapshot is damaged or crafted', async (at) => {
    const entries = [...(at === '' ? [] : [file(at)]), file('z.txt')];
    // '' is no path a manifest page may hold: a hard link's first name carries it.
    if (at === '') entries[0] = file('z.txt', { hardlink: '' });
    const id = await commit(entries);
    const example = at === '' ? 'entry "z.txt": it is another name (a hard link) of "", which names the target directory itself, and it is not a directory' : `entry ${JSON.stringify(at)}: it names the target directory itself, and it is not a directory`;
    for (const readData of [false, true]) expect(await problemsOf(id, readData)).toEqual([expect.stringContaining(`1 entries record a path no restore writes (e.g. ${example})`)]);
    const target = await fs.mkdtemp(path.join(dir, 'itself-'));
    const restore = restoreSnapshot(vault, await vault.loadSnapshot(id), target, { inline: true });
    const message = ((await restore.catch((err: unknown) => err)) as Error).message;
    expect(message).toContain('The snapshot records this path, which Lifeboat never records: the snapshot is damaged or was crafted.');
    expect(message).not.toMatch(/Clear the conflict/);
    expect((await fs.stat(target)).isDirectory()).toBe(true);
    await vault.store.delete(snapshotKey(id));
  });

  // Review r58H F2: the directory restorer's rule was applied to every kind, so an S3 backup of a legitimate key holding a
  // segment that begins with the reserved prefix was reported as a crafted snapshot to forget. An S3 object is restored at
  // its key (meta.key) and a DynamoDB page as its items: no path rule of a directory applies to them.
  it('an S3 backup as the backup workflow writes it, keys with a segment like an escaped name among them, is no problem', async () => {
    const writer = await vault.newSnapshotWriter();
    const keys = ['reports/%lifeboat-escaped-name-q3 summary.csv', 'reports/%lifeboat-escaped-name-Li4/x', 'a//b', '../up', 'plain.txt'];
    for (const key of keys) {
      await writer.add({ path: s3EntryPath(key), kind: 'object', meta: { key, etag: '"x"', size: 5, lastModified: new Date(0).toISOString(), metadata: {}, tags: {}, headers: {} }, changeToken: 'x', content: Buffer.from('hello') });
    }
    const { id } = await vault.commitSnapshot({ source: { kind: 's3', id: 's3://bucket/' }, parts: [await writer.finish()] });
    for (const readData of [false, true]) expect(await problemsOf(id, readData)).toEqual([]);
    const pages = await commit([{ path: 'items/%lifeboat-escaped-name-0001', kind: 'page', meta: {}, size: stored.size, content: stored.content }]);
    expect(await problemsOf(pages, false)).toEqual([]);
    // An object entry the directory restorer would write over the target is still refused.
    const itself = await commit([{ path: '.', kind: 'object', meta: { key: 'k' }, size: stored.size, content: stored.content }]);
    expect(await problemsOf(itself, false)).toEqual([expect.stringContaining('1 entries record a path no restore writes (e.g. entry ".": it names the target directory itself, and it is not a directory)')]);
    for (const snapshot of [id, pages, itself]) await vault.store.delete(snapshotKey(snapshot));
  });

  // Review r59B F1: the rule went by each entry's own `kind`, which a crafted manifest sets: an `object` entry at any path passed
  // verify in a directory snapshot, whose restore refused it saying verify names every such entry. The snapshot's source decides.
  it.each([
    { at: '../escape.txt', reason: 'it contains a ".." segment' },
    { at: '/tmp/abs', reason: 'it is an absolute path' },
    { at: 'a//b', reason: 'it contains an empty segment' },
    { at: '%lifeboat-escaped-name-Li4/x.txt', reason: 'the manifest path segment "%lifeboat-escaped-name-Li4" is not a valid escaped name' },
  ])('an object or page entry at $at of a directory snapshot: verify reports it, and the restore refuses it, writing nothing outside', async ({ at, reason }) => {
    for (const kind of ['object', 'page'] as const) {
      const id = await commit([{ path: at, kind, meta: { key: 'k' }, size: stored.size, content: stored.content }]);
      for (const readData of [false, true]) {
        expect(await problemsOf(id, readData)).toEqual([expect.stringContaining(`1 entries record a path no restore writes (e.g. entry ${JSON.stringify(at)}: ${reason}`)]);
      }
      const target = await fs.mkdtemp(path.join(dir, 'crafted-object-'));
      const restore = restoreSnapshot(vault, await vault.loadSnapshot(id), target, { inline: true });
      await expect(restore).rejects.toThrow(/the snapshot is damaged or was crafted.*`lifeboat vault verify` names every such entry/);
      await expect(fs.access(path.join(dir, 'escape.txt'))).rejects.toThrow();
      await vault.store.delete(snapshotKey(id));
    }
  });

  // Review r59B F2: a legitimate key like 'reports/%lifeboat-escaped-name-q3 summary.csv' passed verify but stopped the restore of
  // that S3 backup into a directory as a crafted path. Each key is taken literally; one that cannot be a file path is listed as
  // not restored (exit 3) and the restore goes on; nothing is written outside the target.
  it('an S3 backup restored into a directory: every key taken literally, keys no file path can be listed as not restored', async () => {
    const writer = await vault.newSnapshotWriter();
    const keys = ['reports/%lifeboat-escaped-name-q3 summary.csv', '%lifeboat-escaped-key/literal', 'a//b', '../up.txt', '/abs.txt', 'dir/./x', 'plain.txt'];
    for (const [i, key] of keys.entries()) {
      await writer.add({ path: s3EntryPath(key), kind: 'object', meta: { key, etag: '"x"', size: 6, lastModified: new Date(0).toISOString(), metadata: {}, tags: {}, headers: {} }, changeToken: 'x', content: Buffer.from(`body${i}\n`) });
    }
    const { id } = await vault.commitSnapshot({ source: { kind: 's3', id: 's3://bucket/' }, parts: [await writer.finish()] });
    for (const readData of [false, true]) expect(await problemsOf(id, readData)).toEqual([]);
    const target = await fs.mkdtemp(path.join(dir, 's3-into-dir-'));
    const stats = await restoreSnapshot(vault, await vault.loadSnapshot(id), target, { inline: true });
    expect(await fs.readFile(path.join(target, 'reports', '%lifeboat-escaped-name-q3 summary.csv'), 'utf8')).toBe('body0\n');
    expect(await fs.readFile(path.join(target, '%lifeboat-escaped-key', 'literal'), 'utf8')).toBe('body1\n');
    expect(await fs.readFile(path.join(target, 'plain.txt'), 'utf8')).toBe('body6\n');
    expect(stats.files).toBe(3);
    const reasons = new Map(stats.notRestored.map((n) => [n.path, n.what]));
    expect([...reasons.keys()].sort()).toEqual(['a//b', '../up.txt', '/abs.txt', 'dir/./x'].map(s3EntryPath).sort());
    expect(reasons.get(s3EntryPath('a//b'))).toBe('not written: the S3 key "a//b" cannot be a file path (it contains an empty segment ("//", or a "/" at its end)); restore this backup into a bucket to get the object back');
    expect(reasons.get(s3EntryPath('../up.txt'))).toContain('the S3 key "../up.txt" cannot be a file path (it contains a ".." segment)');
    await expect(fs.access(path.join(path.dirname(target), 'up.txt'))).rejects.toThrow();
    // The CLI: the restore completes, lists them, and exits 3 as for other entries not restored.
    const io = recordingCliIo();
    const cliTarget = path.join(dir, 's3-into-dir-cli');
    expect(await vaultRestore(id.slice(0, 16), { vault: path.join(dir, 'vault'), keyFile: path.join(dir, 'key'), target: cliTarget }, { io })).toBe(3);
    expect(io.errors.join('\n')).toContain('cannot be a file path');
    expect(await fs.readFile(path.join(cliTarget, 'reports', '%lifeboat-escaped-name-q3 summary.csv'), 'utf8')).toBe('body0\n');
    await vault.store.delete(snapshotKey(id));
  });
});
