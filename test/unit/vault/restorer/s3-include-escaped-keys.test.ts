import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { s3EntryPath } from '../../../../lambdas/sources/s3-entry-path';
import { vaultRestore } from '../../../../cli/commands/vault-commands';
import { comparePaths } from '../../../../vault/manifest/manifest-entry';
import { type NotRestored } from '../../../../vault/restorer/not-restored';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { recordingCliIo } from '../../../support/captured-cli-io';
import { newTestVault, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Finding f61S: keys no file path can be (`photos/sub//x`, `photos/sub/../y`) are stored escaped, apart from the plain keys
 * under `photos/sub`. `--include photos/sub` restored the plain keys and, by a second read of the escaped prefix, the folder
 * markers, but never met those other keys: not restored and not listed, exit 0, where the restore workflow's
 * `--prefix photos/sub` selects them. An include now meets them as the whole restore does, in the same pass.
 */
describe('an S3 backup restored with --include: the keys under it stored escaped', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('s3-include-escaped-keys');
  });
  afterAll(async () => {
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  /** A vault holding one S3 snapshot of `keys` (a key ending in `/` empty, as a folder marker). */
  const backup = async (name: string, keys: readonly string[]): Promise<{ own: Awaited<ReturnType<typeof newTestVault>>; id: string }> => {
    await fs.mkdir(path.join(dir, name));
    const own = await newTestVault(path.join(dir, name));
    const writer = await own.vault.newSnapshotWriter();
    for (const key of [...keys].sort((a, b) => comparePaths(s3EntryPath(a), s3EntryPath(b)))) {
      const body = Buffer.from(key.endsWith('/') ? '' : `body of ${key}\n`);
      const meta = { key, etag: '"x"', size: body.length, lastModified: new Date(0).toISOString(), metadata: {}, tags: {}, headers: {} };
      await writer.add({ path: s3EntryPath(key), kind: 'object', meta, changeToken: 'x', content: body });
    }
    const snapshot = await own.vault.commitSnapshot({ source: { kind: 's3', id: `s3://${name}/` }, parts: [await writer.finish()] });
    return { own, id: snapshot.id };
  };
  const treeOf = async (target: string): Promise<string[]> => [...(await readTree(target)).entries()].map(([name, what]) => (what === 'dir' ? `${name}/` : name)).sort();
  const byKey = (list: readonly NotRestored[]): Array<[string | undefined, string]> => list.map((n): [string | undefined, string] => [n.key, n.what]).sort(([a], [b]) => String(a).localeCompare(String(b)));
  const under = (key: string | undefined, include: string): boolean => key !== undefined && (key === include || key.startsWith(`${include}/`));

  it('lists each key under the include that no file path can be, as the whole restore lists it, beside its plain keys and markers', async () => {
    const escapedUnder = ['photos/sub//x', 'photos/sub/../y', 'photos/sub/deeper//z', 'photos/sub/bad\0key'];
    const keys = ['photos/sub/a.jpg', 'photos/sub/', 'photos/sub/empty/', ...escapedUnder, 'photos/subway//w', 'photos/other//v', 'photos/cat.jpg', 'z'];
    const { own, id } = await backup('mixed', keys);
    const snapshot = await own.vault.loadSnapshot(id);
    const whole = await restoreSnapshot(own.vault, snapshot, path.join(dir, 'mixed-whole'), { inline: true });
    const expected = byKey(whole.notRestored.filter((n) => under(n.key, 'photos/sub')));
    expect(expected.map(([key]) => key).sort()).toEqual([...escapedUnder].sort());

    const target = path.join(dir, 'mixed-include');
    const stats = await restoreSnapshot(own.vault, snapshot, target, { inline: true, include: 'photos/sub' });
    // Each such key is listed with the whole restore's words (not dropped), and none outside the include (`photos/subway//w`).
    expect(byKey(stats.notRestored)).toEqual(expected);
    // a.jpg, the two markers, the four keys listed.
    expect(stats.entries).toBe(7);
    expect(await treeOf(target)).toEqual(['photos/', 'photos/sub/', 'photos/sub/a.jpg', 'photos/sub/empty/']);
    expect(await fs.readFile(path.join(target, 'photos/sub/a.jpg'), 'utf8')).toBe('body of photos/sub/a.jpg\n');

    // The CLI does not report success: exit 3, each key named.
    const io = recordingCliIo();
    const code = await vaultRestore(id.slice(0, 16), { vault: path.join(dir, 'mixed', 'vault'), keyFile: path.join(dir, 'mixed', 'key'), target: path.join(dir, 'mixed-cli'), include: 'photos/sub' }, { io });
    expect(code).toBe(3);
    const said = io.errors.join('\n');
    for (const key of escapedUnder.filter((k) => !k.includes('\0'))) expect(said).toContain(`S3 key ${JSON.stringify(key)}: not written`);
    expect(said).toContain('S3 key "photos/sub/bad');
    expect(said).not.toContain('photos/subway//w');
  });

  it('takes an include whose only keys are ones no file path can be, and lists them', async () => {
    const { own, id } = await backup('only-escaped', ['only/sub//x', 'only/subway/a', 'z']);
    const snapshot = await own.vault.loadSnapshot(id);
    const stats = await restoreSnapshot(own.vault, snapshot, path.join(dir, 'only-escaped-target'), { inline: true, include: 'only/sub' });
    expect(stats.entries).toBe(1);
    expect(stats.notRestored.map((n) => n.key)).toEqual(['only/sub//x']);
    expect(stats.notRestored[0]?.what).toContain('cannot be a file path');
    // An include given as such a key is taken too (the workflow's --prefix selects it), not refused as matching nothing.
    const exact = await restoreSnapshot(own.vault, snapshot, path.join(dir, 'only-escaped-exact'), { inline: true, include: 'only/sub//x' });
    expect(exact.notRestored.map((n) => n.key)).toEqual(['only/sub//x']);
  });

  it('lists once a manifest page that cannot be read and holds both its plain keys and those stored escaped', async () => {
    const { own, id } = await backup('one-page', ['photos/sub/a.jpg', 'photos/sub//x', 'z']);
    const snapshot = await own.vault.loadSnapshot(id);
    const refs = [];
    for await (const ref of (await own.vault.manifest(snapshot)).pageRefs()) refs.push(ref);
    expect(refs).toHaveLength(1);
    const page = manifestKey(refs[0]?.id ?? '');
    const get = own.store.get.bind(own.store);
    jest.spyOn(own.store, 'get').mockImplementation(async (key, range) => {
      if (key === page) throw new VaultObjectNotFoundError('gone', key);
      return get(key, range);
    });
    const err = await restoreSnapshot(own.vault, snapshot, path.join(dir, 'one-page-target'), { inline: true, include: 'photos/sub' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreIncompleteError);
    const incomplete = err as RestoreIncompleteError;
    expect(incomplete.damaged).toEqual([expect.objectContaining({ entries: 3, partlyOutside: 'photos/sub' })]);
    expect(incomplete.message).toMatch(/^up to 3 entries could not be restored /);
  });
});
