import { appendFile, lstat, mkdir, symlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type AttributeValue } from '@aws-sdk/client-dynamodb';
import { addDirectoryShard } from '../../../../lambdas/sources/directory-entries';
import { dynamoDbPagePath, isPageBoundary } from '../../../../lambdas/sources/dynamodb-page-entries';
import { newObservations } from '../../../../lambdas/sources/entry-sink';
import { ESCAPED_KEY_SEGMENT, s3EntryPath, s3KeyOfEntryPath } from '../../../../lambdas/sources/s3-entry-path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type FsPath } from '../../../../vault/platform/posix-calls';
import { readEntry } from '../../../../vault/restorer/restore';
import { checkEntryPath } from '../../../../vault/archiver/snapshot-writer';
import { type Vault } from '../../../../vault/repository/vault';
import { buildHostileTree } from '../../../support/hostile-fixture-tree';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

async function scratch(label: string): Promise<string> {
  const dir = await tempDir(label);
  dirs.push(dir);
  return dir;
}

describe('S3 keys as manifest paths', () => {
  const keys = ['plain/key.txt', 'with space %25 + plus', '../up', 'a/../b', 'a//b', 'folder/', '/lead', './dot', '.', '..', '', 'nul\u0000byte', `${ESCAPED_KEY_SEGMENT}/x`, ESCAPED_KEY_SEGMENT, '📦/ünï'];

  it('keeps every key the vault accepts as is, escapes the others into valid paths, and maps back exactly', () => {
    const paths = keys.map(s3EntryPath);
    expect(s3EntryPath('plain/key.txt')).toBe('plain/key.txt');
    expect(s3EntryPath('📦/ünï')).toBe('📦/ünï');
    expect(s3EntryPath('folder/').startsWith(`${ESCAPED_KEY_SEGMENT}/`)).toBe(true);
    for (const p of paths) expect(() => checkEntryPath(p)).not.toThrow();
    expect(paths.map(s3KeyOfEntryPath)).toEqual(keys);
    // Injective: no two keys share a path, including keys that look escaped.
    expect(new Set(paths).size).toBe(keys.length);
  });
});

describe('DynamoDB pages', () => {
  it('names pages segment-0000/page-000000', () => {
    expect(dynamoDbPagePath(3, 42)).toBe('segment-0003/page-000042');
  });

  it('places page boundaries by item key alone, so changing an attribute never moves one', () => {
    const item = (i: number, extra: string): Record<string, AttributeValue> => ({ pk: { S: `k-${i}` }, data: { S: extra } });
    const before = Array.from({ length: 2000 }, (_, i) => isPageBoundary(item(i, 'a'), ['pk']));
    const after = Array.from({ length: 2000 }, (_, i) => isPageBoundary(item(i, 'changed'), ['pk']));
    expect(after).toEqual(before);
    const count = before.filter(Boolean).length;
    // About one boundary per 64 items.
    expect(count).toBeGreaterThan(10);
    expect(count).toBeLessThan(80);
  });
});

describe('directory shards', () => {
  async function tree(): Promise<string> {
    const root = path.join(await scratch('fs-src'), 'root');
    await mkdir(path.join(root, 'a', 'empty'), { recursive: true });
    await writeFile(path.join(root, 'a', 'one.txt'), 'one');
    await writeFile(path.join(root, 'a', 'zero.txt'), '');
    await mkdir(path.join(root, 'b'));
    await writeFile(path.join(root, 'b', 'two.bin'), Buffer.alloc(70_000, 2), { mode: 0o600 });
    await writeFile(path.join(root, 'top.txt'), 'top');
    await symlink('a/one.txt', path.join(root, 'link'));
    return root;
  }

  async function shardEntries(vault: Vault, root: string, shards: string[][], beforeRead?: (abs: FsPath, attempt: number) => Promise<void>) {
    const parts = [];
    const observations = newObservations();
    for (const names of shards) {
      const writer = await vault.newSnapshotWriter({ parent: null });
      await addDirectoryShard(root, names, writer, observations, beforeRead ? { beforeRead } : {});
      parts.push(await writer.finish());
    }
    const snapshot = await vault.commitSnapshot({ source: { kind: 'filesystem', id: 'files' }, parts });
    const entries: ManifestEntry[] = [];
    for await (const e of vault.entries(snapshot)) entries.push(e);
    return { snapshot, entries, observations };
  }

  it('writes exactly the entries of the vault’s own directory backup, whatever the sharding', async () => {
    const root = await tree();
    const { vault } = await newTestVault(await scratch('fs-vault'));
    const reference = (await backupDirectory(vault, root, { parent: null })).snapshot;
    const expected: ManifestEntry[] = [];
    for await (const e of vault.entries(reference)) expected.push(e);
    const { entries } = await shardEntries(vault, root, [['b'], ['a', 'link', 'top.txt']]);
    expect(entries).toEqual(expected);
  });

  it('writes exactly the entries of the vault’s own backup for a tree of names that are not UTF-8, special files, hard links and extended attributes', async () => {
    const root = path.join(await scratch('fs-hostile'), 'root');
    const { close } = await buildHostileTree(root);
    try {
      const { vault } = await newTestVault(await scratch('fs-vault'));
      const reference = (await backupDirectory(vault, root, { parent: null })).snapshot;
      const expected: ManifestEntry[] = [];
      for await (const e of vault.entries(reference)) expected.push(e);
      const topLevel = expected.map((e) => e.path).filter((p) => !p.includes('/'));
      // The hard-link group (hard/, other/) stays in one shard; the escaped directory name travels as the plan carries it.
      const linked = ['hard', 'other'];
      const { entries } = await shardEntries(vault, root, [linked, topLevel.filter((n) => !linked.includes(n))]);
      expect(entries).toEqual(expected);
      expect(entries.find((e) => e.path === 'other/c')?.meta['hardlink']).toBe('hard/a');

      // Split across shards, each shard stores its names as files of their own (the same blobs).
      const split = await shardEntries(vault, root, [['hard'], ['other']]);
      const c = split.entries.find((e) => e.path === 'other/c');
      expect(c?.meta['hardlink']).toBeUndefined();
      expect(c?.content).toEqual(split.entries.find((e) => e.path === 'hard/a')?.content);
    } finally {
      await close();
    }
  });

  it('re-reads a file that changed while it was read, and keeps the settled content', async () => {
    const root = await tree();
    const { vault } = await newTestVault(await scratch('fs-vault'));
    const file = path.join(root, 'top.txt');
    const { snapshot, entries, observations } = await shardEntries(vault, root, [['top.txt']], async (abs, attempt) => {
      if (abs === file && attempt === 0) await appendFile(file, ' appended while read');
    });
    expect(observations.changedDuringRead).toEqual([]);
    expect(entries.find((e) => e.path === 'top.txt')?.size).toBe(Buffer.byteLength('top appended while read'));
    const chunks: Buffer[] = [];
    for await (const c of readEntry(vault, snapshot, 'top.txt')) chunks.push(c);
    expect(Buffer.concat(chunks).toString()).toBe('top appended while read');
  });

  it('reports a file that keeps changing, with a change token that makes the next backup read it again', async () => {
    const root = await tree();
    const { vault } = await newTestVault(await scratch('fs-vault'));
    const file = path.join(root, 'a', 'one.txt');
    const { entries, observations } = await shardEntries(vault, root, [['a']], async (abs) => {
      if (abs === file) await appendFile(file, '+');
    });
    expect(observations.changedDuringRead).toEqual(['a/one.txt']);
    const entry = entries.find((e) => e.path === 'a/one.txt');
    // The token is from before the last read: the file on disk no longer matches it.
    const now = await lstat(file, { bigint: true });
    expect(entry?.changeToken).not.toBe(`${now.size}:${now.mtimeNs}:${now.ctimeNs}:${now.ino}`);
  });

  it('skips entries that vanish between planning and reading', async () => {
    const root = await tree();
    const { vault } = await newTestVault(await scratch('fs-vault'));
    const { entries, observations } = await shardEntries(vault, root, [['gone', 'top.txt']]);
    expect(observations.vanished).toEqual(['gone']);
    expect(entries.map((e) => e.path)).toEqual(['top.txt']);
  });
});
