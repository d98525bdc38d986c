// The module object itself (the one the walker calls into), so a test can spy on its calls.
import { mkdtempSync, type PathLike, promises as fsPromises, realpathSync, rmSync } from 'node:fs';
import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { newBackupId } from '../../../../lambdas/backup/backup-id';
import { TransientError, classifyError } from '../../../../lambdas/runtime/errors';
import { requireEnv } from '../../../../lambdas/runtime/environment';
import { parseInput } from '../../../../lambdas/runtime/parse-input';
import { shardTaskSchema } from '../../../../lambdas/backup/backup-plan-document';
import { planDirectoryShards, resolveSourceRoot, walkDirectory } from '../../../../lambdas/sources/directory-source';
import { compareKeys } from '../../../../lambdas/sources/s3-bucket-source';
import { addDirectoryShard } from '../../../../lambdas/sources/directory-entries';
import { type EntrySink, type ShardObservations } from '../../../../lambdas/sources/entry-sink';
import { SourceRootNotDirectoryError } from '../../../../lambdas/sources/source-root-errors';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function tree(): Promise<string> {
  const root = mkdtempSync(path.join(tmpdir(), 'lifeboat-src-'));
  dirs.push(root);
  await mkdir(path.join(root, 'big'), { recursive: true });
  await writeFile(path.join(root, 'big', 'a.bin'), Buffer.alloc(50_000, 1));
  await mkdir(path.join(root, 'small', 'inner'), { recursive: true });
  await writeFile(path.join(root, 'small', 'inner', 'b.txt'), 'b');
  await writeFile(path.join(root, 'top.txt'), 'top');
  await mkdir(path.join(root, 'empty'));
  await symlink('top.txt', path.join(root, 'link'));
  return root;
}

describe('directory source', () => {
  it('walks files, directories and symlinks without following links', async () => {
    const root = await tree();
    const entries = [];
    for await (const e of walkDirectory(root, '')) entries.push(e);
    expect(entries.map((e) => `${e.type}:${e.path}`)).toEqual([
      'directory:',
      'directory:big',
      'file:big/a.bin',
      'directory:empty',
      'symlink:link',
      'directory:small',
      'directory:small/inner',
      'file:small/inner/b.txt',
      'file:top.txt',
    ]);
    expect(entries.find((e) => e.path === 'link')?.linkTarget).toBe('top.txt');
    expect(entries.find((e) => e.path === 'big/a.bin')?.size).toBe(50_000);
  });

  it('deals top-level subtrees to shards so that every entry is covered exactly once', async () => {
    const root = await tree();
    const shards = await planDirectoryShards({ type: 'filesystem', name: 'files', path: root }, root, { maxShards: 3, firstIndex: 5 });
    expect(shards.map((s) => s.index)).toEqual([5, 6, 7]);
    const covered = shards.flatMap((s) => (s.kind === 'filesystem' ? s.paths : []));
    expect(covered.sort()).toEqual(['big', 'empty', 'link', 'small', 'top.txt']);
    // The largest subtree gets a shard to itself.
    expect(shards.find((s) => s.kind === 'filesystem' && s.paths.includes('big'))).toMatchObject({ paths: ['big'] });
    expect(shards.filter((s) => s.kind === 'filesystem' && s.includeRoot)).toHaveLength(1);
  });

  it('keeps top-level hard links of one file in one shard, as one unit weighed once, the same plan every time', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'lifeboat-src-'));
    dirs.push(root);
    // Each name alone would be dealt to its own shard (the biggest units first onto the least-loaded shard).
    await writeFile(path.join(root, 'a-linked'), Buffer.alloc(30_000, 1));
    await link(path.join(root, 'a-linked'), path.join(root, 'm-linked'));
    await link(path.join(root, 'a-linked'), path.join(root, 'z-linked'));
    await writeFile(path.join(root, 'other-1'), Buffer.alloc(20_000, 2));
    await writeFile(path.join(root, 'other-2'), Buffer.alloc(20_000, 3));
    await mkdir(path.join(root, 'dir'));
    await writeFile(path.join(root, 'dir', 'inside'), Buffer.alloc(25_000, 4));
    const source = { type: 'filesystem' as const, name: 'files', path: root };
    const shards = await planDirectoryShards(source, root, { maxShards: 4, firstIndex: 0 });
    const pathsOf = shards.map((s) => (s.kind === 'filesystem' ? s.paths : []));
    expect(pathsOf).toEqual([['a-linked', 'm-linked', 'z-linked'], ['dir'], ['other-1'], ['other-2']]);
    expect(await planDirectoryShards(source, root, { maxShards: 4, firstIndex: 0 })).toEqual(shards);
    // Fewer shards than units: the three names still travel together.
    const two = await planDirectoryShards(source, root, { maxShards: 2, firstIndex: 0 });
    expect(two.map((s) => (s.kind === 'filesystem' ? s.paths : []))).toEqual([['a-linked', 'm-linked', 'other-2', 'z-linked'], ['dir', 'other-1']]);
  });

  it('plans a live directory whose files vanish while it is walked, or that holds a directory it cannot list (the shards record them)', async () => {
    const root = await tree();
    await mkdir(path.join(root, 'spool'));
    await writeFile(path.join(root, 'spool', 'gone.tmp'), 'x');
    // Root ignores permissions, so both problems are injected where the walker meets them: a file deleted between
    // listing and lstat, and a directory whose listing is refused.
    const vanishing = path.join(root, 'spool', 'gone.tmp');
    const unlistable = path.join(root, 'small', 'inner');
    const realLstat = fsPromises.lstat;
    const realReaddir = fsPromises.readdir;
    const lstatSpy = jest.spyOn(fsPromises, 'lstat').mockImplementation(((p: PathLike, ...rest: unknown[]) =>
      String(p) === vanishing ? Promise.reject(Object.assign(new Error(`ENOENT: no such file or directory, lstat '${vanishing}'`), { code: 'ENOENT' })) : (realLstat as (...a: unknown[]) => unknown)(p, ...rest)) as typeof fsPromises.lstat);
    const readdirSpy = jest.spyOn(fsPromises, 'readdir').mockImplementation(((p: PathLike, ...rest: unknown[]) =>
      String(p) === unlistable ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, scandir '${unlistable}'`), { code: 'EACCES' })) : (realReaddir as (...a: unknown[]) => unknown)(p, ...rest)) as typeof fsPromises.readdir);
    try {
      const shards = await planDirectoryShards({ type: 'filesystem', name: 'files', path: root }, root, { maxShards: 2, firstIndex: 0 });
      expect(shards.flatMap((s) => (s.kind === 'filesystem' ? s.paths : [])).sort()).toEqual(['big', 'empty', 'link', 'small', 'spool', 'top.txt']);
      expect(lstatSpy.mock.calls.some(([p]) => String(p) === vanishing)).toBe(true);
      expect(readdirSpy.mock.calls.some(([p]) => String(p) === unlistable)).toBe(true);
    } finally {
      lstatSpy.mockRestore();
      readdirSpy.mockRestore();
    }
  });

  it('refuses a source path that is, or lies under, a symlink, and one that is missing or a file, naming the path as configured', async () => {
    // A local file-system root, as the local cloud has: the source path /mnt/data is at <fsRoot>/mnt/data.
    const fsRoot = realpathSync(mkdtempSync(path.join(tmpdir(), 'lifeboat-fsroot-')));
    const outside = mkdtempSync(path.join(tmpdir(), 'lifeboat-outside-'));
    dirs.push(fsRoot, outside);
    await writeFile(path.join(outside, 'secret.txt'), 'not under the mount');
    await mkdir(path.join(fsRoot, 'mnt'));
    await symlink(outside, path.join(fsRoot, 'mnt', 'data'));
    await symlink(outside, path.join(fsRoot, 'mnt', 'linked-parent'));
    await writeFile(path.join(fsRoot, 'mnt', 'file.txt'), 'a file');
    const plan = (configuredPath: string) => {
      const source = { type: 'filesystem' as const, name: 'files', path: configuredPath };
      return planDirectoryShards(source, resolveSourceRoot(configuredPath, { LIFEBOAT_FS_ROOT: fsRoot }), { maxShards: 2, firstIndex: 0 });
    };
    await expect(plan('/mnt/data')).rejects.toThrow(SourceRootNotDirectoryError);
    await expect(plan('/mnt/data')).rejects.toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(`source files: /mnt/data is a symlink (to ${outside})`) }));
    // A symlink above the root leads out just as well; under a real directory beyond it, the root itself is one.
    await mkdir(path.join(outside, 'inner'));
    await expect(plan('/mnt/linked-parent/inner')).rejects.toThrow(expect.objectContaining({ message: expect.stringContaining('a directory on its path, /mnt/linked-parent is a symlink') }));
    // Written with a trailing or doubled slash, which config validation accepts (review r16: lstat of `link/` follows it).
    await expect(plan('/mnt/data/')).rejects.toThrow(expect.objectContaining({ message: expect.stringContaining('/mnt/data is a symlink') }));
    await expect(plan('/mnt/linked-parent/inner/')).rejects.toThrow(expect.objectContaining({ message: expect.stringContaining('a directory on its path, /mnt/linked-parent is a symlink') }));
    await expect(planDirectoryShards({ type: 'filesystem', name: 'files', path: `${fsRoot}/mnt//linked-parent/inner` }, `${fsRoot}/mnt//linked-parent/inner`, { maxShards: 2, firstIndex: 0 })).rejects.toThrow(SourceRootNotDirectoryError);
    await expect(plan('/mnt/missing')).rejects.toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining('source files: /mnt/missing does not exist') }));
    // A missing path is not told about symlinks: create it, or correct the path.
    await expect(plan('/mnt/missing')).rejects.toThrow(expect.objectContaining({ message: expect.not.stringContaining('symlink') }));
    await expect(plan('/mnt/missing')).rejects.toThrow(expect.objectContaining({ message: expect.stringContaining("create it, or correct the source's path (/mnt/missing)") }));
    await expect(plan('/mnt/file.txt')).rejects.toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining('/mnt/file.txt is not a directory') }));
    // A shard knows only the resolved root: it refuses the root swapped for a symlink after the plan.
    const observations: ShardObservations = { vanished: [], skipped: [], changedDuringRead: [] };
    const sink = { add: () => Promise.reject(new Error('nothing may be read')), canReuse: () => Promise.resolve(null) } as unknown as EntrySink;
    await expect(addDirectoryShard(path.join(fsRoot, 'mnt', 'data'), ['secret.txt'], sink, observations)).rejects.toThrow(SourceRootNotDirectoryError);
    await expect(addDirectoryShard(`${path.join(fsRoot, 'mnt', 'data')}/`, ['secret.txt'], sink, observations)).rejects.toThrow(SourceRootNotDirectoryError);
    // A real directory under the mount is planned as before.
    await mkdir(path.join(fsRoot, 'mnt', 'real', 'sub'), { recursive: true });
    expect((await plan('/mnt/real')).flatMap((s) => (s.kind === 'filesystem' ? s.paths : []))).toEqual(['sub']);
  });

  it('maps a configured mount path under LIFEBOAT_FS_ROOT locally and leaves it alone in AWS', () => {
    expect(resolveSourceRoot('/mnt/data', { LIFEBOAT_FS_ROOT: '/tmp/x' })).toBe('/tmp/x/mnt/data');
    expect(resolveSourceRoot('/mnt/data', {})).toBe('/mnt/data');
  });
});

describe('backup ids, keys and errors', () => {
  it('makes sortable, unique backup ids', () => {
    const a = newBackupId(new Date('2026-11-24T10:00:00.123Z'));
    const b = newBackupId(new Date('2026-11-24T10:00:00.123Z'));
    expect(a).toMatch(/^20261124T100000Z-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(newBackupId(new Date('2026-11-24T10:00:01Z')) > a).toBe(true);
  });

  it('orders keys as S3 does, by UTF-8 bytes', () => {
    // JS sorts by UTF-16 code units, which puts U+1F4E6 (a surrogate pair) before U+FF5E; UTF-8 bytes do the opposite.
    const keys = ['b', 'a', '\u{1F4E6}', '\uFF5E', 'a/b'];
    const sorted = [...keys].sort(compareKeys);
    expect(sorted).toEqual(['a', 'a/b', 'b', '\uFF5E', '\u{1F4E6}']);
    expect(['\uFF5E', '\u{1F4E6}'].sort()).toEqual(['\u{1F4E6}', '\uFF5E']);
  });

  it('classifies throttling and 5xx as transient and leaves other errors alone', () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    expect(classifyError(throttled)).toBeInstanceOf(TransientError);
    const server = Object.assign(new Error('boom'), { name: 'InternalFailure', $metadata: { httpStatusCode: 503 } });
    expect((classifyError(server) as Error).name).toBe('TransientError');
    const denied = Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(classifyError(denied)).toBe(denied);
  });

  it('names the bad fields of an input and the missing environment variable', () => {
    expect(() => parseInput(shardTaskSchema, { backupId: '../x', shardIndex: -1 }, 'shard task')).toThrow(
      /Invalid shard task: backupId: must be a Lifeboat backup id; planKey: .*; shardIndex: .*/,
    );
    expect(() => requireEnv('VAULT_BUCKET', {})).toThrow('Environment variable VAULT_BUCKET is not set');
  });
});
