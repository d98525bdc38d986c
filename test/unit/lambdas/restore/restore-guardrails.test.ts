import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { failoverTargetOf } from '../../../../lambdas/failover/failover-targets';
import { scratchTargetOf } from '../../../../lambdas/drill/scratch-targets';
import { openDirectoryRestorer } from '../../../../lambdas/restore/directory-writer';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { parseRestoreRequest, type RestoreTarget } from '../../../../lambdas/restore/restore-request';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { checkTargetAllowed } from '../../../../lambdas/restore/restore-target-policy';
import { checkTargetState } from '../../../../lambdas/restore/restore-target-state';
import { mountRootOf, openTargetDirectory } from '../../../../lambdas/restore/target-directory';
import { PathOutsideFileSystemRootError, resolveSourceRoot } from '../../../../lambdas/sources/directory-source';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { UnsafeEntryPathError } from '../../../../vault/restorer/safe-target-path';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';

/**
 * Issue 13, item 4: the guardrails of file-system restore targets. Each is refused with an error
 * naming the field (`target.path`, or the entry), and nothing is written outside the target.
 */
const BACKUP = '20261124T100000Z-1a2b3c4d';
const files: SourceConfig = { type: 'filesystem', name: 'files', path: '/mnt/lifeboat/files' };
const photos: SourceConfig = { type: 'filesystem', name: 'photos', path: '/mnt/lifeboat/media/photos' };
const sources: SourceConfig[] = [{ type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' }, files, photos];
const PREFIX = 'lifeboat-dev-restore-';
const dirTarget = (p: string): RestoreTarget => ({ type: 'filesystem', path: p });

describe('target.path in the request', () => {
  it.each([
    ['/mnt/lifeboat/restored/../../../etc', '".." segments'],
    ['/mnt/lifeboat/..', '".." segments'],
    ['/mnt/lifeboat/./restored', '"." or ".." segments'],
    ['/mnt/lifeboat/rest\0ored', 'NUL byte'],
  ])('refuses %j as InvalidInputError naming target.path', (p, reason) => {
    expect(() => parseRestoreRequest({ source: 'files', backupId: BACKUP, target: dirTarget(p) }, sources)).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringMatching(/target\.path: must not contain/) }),
    );
    expect(() => parseRestoreRequest({ source: 'files', backupId: BACKUP, target: dirTarget(p) }, sources)).toThrow(reason);
  });
});

describe('where a directory target may be (checkTargetAllowed)', () => {
  const refused = (target: string, mountPath: string | undefined, message: string, source: SourceConfig = files) => {
    expect(() => checkTargetAllowed(PREFIX, source, dirTarget(target), mountPath, sources)).toThrow(
      expect.objectContaining({ name: 'RestoreTargetNotAllowedError', message: expect.stringContaining(`target.path: ${message}`) }),
    );
  };

  it('refuses the mount root: `/` locally (the local cloud’s fs/ root), the mount path in AWS', () => {
    refused('/', undefined, '"/" is the root of the file system (/)');
    refused('/mnt/lifeboat', '/mnt/lifeboat', '"/mnt/lifeboat" is the root of the file system (/mnt/lifeboat)');
    refused('/mnt/lifeboat/', '/mnt/lifeboat', '"/mnt/lifeboat/" is the root of the file system (/mnt/lifeboat)');
  });

  it('refuses a target at or inside another source’s directory, and inside the restored source’s own', () => {
    refused('/mnt/lifeboat/media/photos', '/mnt/lifeboat', '"/mnt/lifeboat/media/photos" is the directory of source "photos"');
    refused('/mnt/lifeboat/media/photos/restored', '/mnt/lifeboat', '"/mnt/lifeboat/media/photos/restored" is inside the directory of source "photos" (/mnt/lifeboat/media/photos)');
    refused('/mnt/lifeboat/files/restored', undefined, '"/mnt/lifeboat/files/restored" is inside the directory of the source being restored "files"');
  });

  it('refuses a target that holds a source’s directory (a restore there could write into it)', () => {
    refused('/mnt/lifeboat/media', '/mnt/lifeboat', '"/mnt/lifeboat/media" holds the directory of source "photos"');
    refused('/mnt', undefined, '"/mnt" holds the directory of source "files"');
  });

  it('lets through the source’s own directory (overwrite is asked by parseRestoreRequest), siblings, the failover’s and the drill’s targets', () => {
    for (const mountPath of [undefined, '/mnt/lifeboat']) {
      const allowed = [
        '/mnt/lifeboat/files',
        '/mnt/lifeboat/files-restored',
        '/mnt/lifeboat/media/photos-2',
        '/mnt/lifeboat/restored/files',
        failoverTargetOf(files, PREFIX, 'failover'),
        failoverTargetOf(photos, PREFIX, 'failover'),
        scratchTargetOf(files, 'lifeboat-dev-drill-1a2b3c4d-files', { configured: mountPath ?? '/', real: '/unused' }),
      ].map((t) => (typeof t === 'string' ? dirTarget(t) : t));
      for (const target of allowed) expect(() => checkTargetAllowed(PREFIX, files, target, mountPath, sources)).not.toThrow();
    }
    // The drill's scratch directory locally is directly in the fs root: not the root, not in a source.
    expect(scratchTargetOf(files, 'lifeboat-dev-drill-1a2b3c4d-files', { configured: '/', real: '/unused' })).toEqual(dirTarget('/lifeboat-dev-drill-1a2b3c4d-files'));
  });
});

describe('the local file-system root (resolveSourceRoot)', () => {
  it('keeps every configured path inside LIFEBOAT_FS_ROOT: a ".." segment is an InvalidInputError naming the path', () => {
    expect(resolveSourceRoot('/mnt/x', { LIFEBOAT_FS_ROOT: '/data/fs' })).toBe('/data/fs/mnt/x');
    for (const p of ['/../../x', '/mnt/../../x', '/..']) {
      expect(() => resolveSourceRoot(p, { LIFEBOAT_FS_ROOT: '/data/fs' })).toThrow(PathOutsideFileSystemRootError);
      expect(() => resolveSourceRoot(p, { LIFEBOAT_FS_ROOT: '/data/fs' })).toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(`path: ${JSON.stringify(p)} has a ".." segment`) }));
    }
  });
});

/** Every path under `root` with its type, to prove that nothing was written outside a target. */
async function listing(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await fs.readdir(dir)).sort()) {
      const p = path.join(dir, name);
      const st = await fs.lstat(p);
      out.push(`${path.relative(root, p)}${st.isDirectory() ? '/' : st.isSymbolicLink() ? '@' : ''}`);
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(root);
  return out;
}

describe('on disk: links on the way to the target, entries naming the target, a writer racing the restore', () => {
  const planS3 = mockClient(S3Client);
  let dir: string;
  let fsRoot: string;
  let outside: string;
  let vault: Vault;
  let snapshot: Snapshot;
  let src: string;
  let entries: ManifestEntry[];
  beforeAll(async () => {
    dir = await tempDir('restore-guardrails');
    await fs.mkdir(path.join(dir, 'vault'));
    ({ vault } = await newTestVault(path.join(dir, 'vault')));
    src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'sub'), { recursive: true });
    await fs.writeFile(path.join(src, 'a.txt'), 'alpha\n');
    await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'beta\n');
    snapshot = (await backupDirectory(vault, src)).snapshot;
    entries = [];
    for await (const e of vault.entries(snapshot)) entries.push(e);
  });
  beforeEach(async () => {
    fsRoot = path.join(dir, `fs-${Math.random().toString(16).slice(2)}`);
    outside = path.join(dir, `outside-${Math.random().toString(16).slice(2)}`);
    await fs.mkdir(path.join(fsRoot, 'mnt'), { recursive: true });
    await fs.mkdir(outside);
  });
  afterAll(async () => {
    planS3.restore();
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });
  const directory = (p: string) => path.join(fsRoot, p);
  const root = () => mountRootOf(undefined, directory);

  function io(targetPath: string): RestoreIo {
    const paths = entries.map((e) => e.path);
    const plan: RestorePlanDocument = {
      restore: resolvedFileRestore({ restoreId: 'r-1', snapshotId: snapshot.id, target: dirTarget(targetPath), backupId: BACKUP }),
      entries: paths.length,
      bytes: 0,
      shards: [{ index: 0, first: paths[0] ?? '', last: paths[paths.length - 1] ?? '', entries: paths.length, bytes: 0 }],
    };
    planS3.reset();
    planS3.on(GetObjectCommand).callsFake(() => ({ Body: { transformToString: () => Promise.resolve(JSON.stringify(plan)) } as unknown as GetObjectCommandOutput['Body'] }));
    return mockedRestoreIo(vault, directory);
  }

  it('refuses a target.path through a symlink at Validate (checkTargetState) and in the shard, writing nothing where it points', async () => {
    await fs.symlink(outside, path.join(fsRoot, 'mnt', 'linked'));
    const before = await listing(dir);
    const deps = { s3: new S3Client({ region: 'us-east-1' }), dynamodb: new DynamoDBClient({ region: 'us-east-1' }), directory };
    for (const overwrite of [false, true]) {
      await expect(checkTargetState(dirTarget('/mnt/linked/restored'), overwrite, deps)).rejects.toMatchObject({
        name: 'RestoreTargetNotAllowedError',
        message: expect.stringContaining('target.path: /mnt/linked is a symlink'),
      });
    }
    await expect(restoreShard({ restoreId: 'r-1', planKey: 'restore-plans/r-1.json', shardIndex: 0 }, io('/mnt/linked/restored'))).rejects.toMatchObject({
      name: 'RestoreTargetNotAllowedError',
      message: expect.stringContaining('target.path: /mnt/linked is a symlink'),
    });
    // The target itself a link: refused the same way.
    await expect(restoreShard({ restoreId: 'r-1', planKey: 'restore-plans/r-1.json', shardIndex: 0 }, io('/mnt/linked'))).rejects.toMatchObject({ name: 'RestoreTargetNotAllowedError' });
    expect(await fs.readdir(outside)).toEqual([]);
    expect(await listing(dir)).toEqual(before);
  });

  it('restores into a plain target as before (the walk makes the missing directories)', async () => {
    await restoreShard({ restoreId: 'r-1', planKey: 'restore-plans/r-1.json', shardIndex: 0 }, io('/mnt/new/restored'));
    expect(await readTree(path.join(fsRoot, 'mnt', 'new', 'restored'))).toEqual(await readTree(src));
  });

  it('refuses a file where a directory of target.path goes, as RestoreTargetNotEmptyError naming target.path', async () => {
    await fs.writeFile(path.join(fsRoot, 'mnt', 'file'), 'live\n');
    await expect(restoreShard({ restoreId: 'r-1', planKey: 'restore-plans/r-1.json', shardIndex: 0 }, io('/mnt/file/restored'))).rejects.toMatchObject({
      name: 'RestoreTargetNotEmptyError',
      message: expect.stringContaining('target.path: /mnt/file exists and is not a directory'),
    });
    expect(await fs.readFile(path.join(fsRoot, 'mnt', 'file'), 'utf8')).toBe('live\n');
  });

  it('writes through the directory it checked: a writer that swaps the target for a symlink mid-restore does not redirect the writes', async () => {
    const opened = await openTargetDirectory(root(), '/mnt/target', { create: true });
    if (!opened) throw new Error('not opened');
    try {
      // Another writer on the file system moves the checked directory away and puts a link to `outside` in its place.
      await fs.rename(path.join(fsRoot, 'mnt', 'target'), path.join(fsRoot, 'mnt', 'moved'));
      await fs.symlink(outside, path.join(fsRoot, 'mnt', 'target'));
      const restorer = await openDirectoryRestorer(vault, opened.path, () => true);
      for (const entry of entries) await restorer.restoreEntry(entry);
    } finally {
      await opened.close();
    }
    expect(await fs.readdir(outside)).toEqual([]);
    expect(await readTree(path.join(fsRoot, 'mnt', 'moved'))).toEqual(await readTree(src));
  });

  it.each(['.', './', ''])('refuses a file entry whose path %j names the target itself, writing nothing beside the target', async (entryPath) => {
    const file = entries.find((e) => e.kind === 'file');
    if (!file) throw new Error('no file entry');
    const opened = await openTargetDirectory(root(), '/mnt/target', { create: true });
    if (!opened) throw new Error('not opened');
    const before = await listing(dir);
    try {
      const restorer = await openDirectoryRestorer(vault, opened.path, () => true);
      const refused = restorer.restoreEntry({ ...file, path: entryPath });
      await expect(refused).rejects.toThrow(UnsafeEntryPathError);
      await expect(refused).rejects.toThrow(`Refusing to restore entry ${JSON.stringify(entryPath)}: it names the target directory itself, and it is not a directory`);
    } finally {
      await opened.close();
    }
    expect(await listing(dir)).toEqual(before);
    expect(await fs.readdir(path.join(fsRoot, 'mnt', 'target'))).toEqual([]);
  });

  it('refuses a symlink entry naming the target itself too', async () => {
    const symlink = { ...(entries[0] as ManifestEntry), kind: 'symlink' as const, path: '.', meta: { ...(entries[0] as ManifestEntry).meta, target: '/etc' } };
    const opened = await openTargetDirectory(root(), '/mnt/target', { create: true });
    if (!opened) throw new Error('not opened');
    const before = await listing(dir);
    try {
      const restorer = await openDirectoryRestorer(vault, opened.path, () => true);
      await expect(restorer.restoreEntry(symlink)).rejects.toThrow('it names the target directory itself');
    } finally {
      await opened.close();
    }
    expect(await listing(dir)).toEqual(before);
  });
});
