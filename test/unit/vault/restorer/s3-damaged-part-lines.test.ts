import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { s3EntryPath } from '../../../../lambdas/sources/s3-entry-path';
import { vaultLs, vaultRestore } from '../../../../cli/commands/vault-commands';
import { ESCAPED_KEY_SEGMENT } from '../../../../vault/manifest/escaped-name';
import { type PageRef } from '../../../../vault/manifest/manifest-format';
import { comparePaths, underPrefix } from '../../../../vault/manifest/manifest-entry';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { recordingCliIo } from '../../../support/captured-cli-io';
import { newTestVault, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r60M F3: a damaged manifest part of an S3 backup was named "S3 keys X to Y", X and Y its first and last stored
 * paths' keys. But keys no file path can be (folder markers) are stored escaped, ordered by their base64url before the
 * plain keys after `%`: a part from the escaped `фото/` to the plain `f00` read as a key range it is not. F5: a folder
 * that exists only as its marker (`photos/sub/`) was refused by `--include photos/sub` ("has no entry").
 */
describe('an S3 backup restored into a directory: damaged parts named by keys, folders only their markers', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('s3-damaged-part-lines');
  });
  afterAll(async () => {
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  /** A vault holding one S3 snapshot of `keys`; with `pad`, metadata so large that a page lists a few entries. */
  const backup = async (name: string, keys: readonly string[], pad = 0): Promise<{ own: Awaited<ReturnType<typeof newTestVault>>; id: string; refs: PageRef[] }> => {
    await fs.mkdir(path.join(dir, name));
    const own = await newTestVault(path.join(dir, name));
    const writer = await own.vault.newSnapshotWriter();
    const metadata: Record<string, string> = pad > 0 ? { pad: 'p'.repeat(pad) } : {};
    for (const key of [...keys].sort((a, b) => comparePaths(s3EntryPath(a), s3EntryPath(b)))) {
      const body = Buffer.from(key.endsWith('/') ? '' : `body of ${key}\n`);
      const meta = { key, etag: '"x"', size: body.length, lastModified: new Date(0).toISOString(), metadata, tags: {}, headers: {} };
      await writer.add({ path: s3EntryPath(key), kind: 'object', meta, changeToken: 'x', content: body });
    }
    const snapshot = await own.vault.commitSnapshot({ source: { kind: 's3', id: `s3://${name}/` }, parts: [await writer.finish()] });
    const refs: PageRef[] = [];
    for await (const ref of (await own.vault.manifest(snapshot)).pageRefs()) refs.push(ref);
    return { own, id: snapshot.id, refs };
  };
  const escaped = (stored: string): boolean => underPrefix(stored, ESCAPED_KEY_SEGMENT);

  it('a part of keys stored escaped, and one from those to plain keys, are not named as a range of keys', async () => {
    // Stored escaped, `фото/` (0YTQvtGC0L4v) sorts before `m00/` (bTAwLw), though the key sorts after it.
    const keys = ['фото/', 'm00/', 'm01/', 'm02/', 'm03/', ...Array.from({ length: 9 }, (_, i) => `f0${i}`)];
    const { own, id, refs } = await backup('lines', keys, 400_000);
    const escapedOnly = refs.find((r) => escaped(r.first) && escaped(r.last));
    const mixed = refs.find((r) => escaped(r.first) && !escaped(r.last));
    if (escapedOnly === undefined || mixed === undefined) throw new Error(`the pages are not as this test needs: ${JSON.stringify(refs.map((r) => [r.first, r.last]))}`);
    const gone = new Set([manifestKey(escapedOnly.id), manifestKey(mixed.id)]);
    const get = own.store.get.bind(own.store);
    jest.spyOn(own.store, 'get').mockImplementation(async (key, range) => {
      if (gone.has(key)) throw new VaultObjectNotFoundError('gone', key);
      return get(key, range);
    });
    const target = path.join(dir, 'lines-target');
    const err = await restoreSnapshot(own.vault, await own.vault.loadSnapshot(id), target, { inline: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreIncompleteError);
    const incomplete = err as RestoreIncompleteError;
    const escapedWhat = 'S3 keys stored escaped (folder markers and keys no file path can be)';
    expect(incomplete.message).toContain(`\n  ${escapedWhat}, the first "фото/", the last "m01/" (${escapedOnly.count} entries): `);
    expect(incomplete.message).toContain(`\n  ${escapedWhat}, the first "m02/", and plain S3 keys up to "f00" (${mixed.count} entries): `);
    expect(incomplete.message).not.toMatch(/S3 keys "фото\/" to|S3 keys "m02\/" to/);
    // The items keep the stored paths, exact.
    expect(incomplete.damaged.map((d) => [d.path, d.through])).toEqual([
      [escapedOnly.first, escapedOnly.last],
      [mixed.first, mixed.last],
    ]);
    for (const key of keys.filter((k) => !k.endsWith('/') && k !== 'f00')) expect(await fs.readFile(path.join(target, key), 'utf8')).toBe(`body of ${key}\n`);
  });

  it('a part of plain keys on either side of the keys stored escaped says it lists those too', async () => {
    const keys = ['!a', '!b', 'm00/', 'z0', 'z1'];
    const { own, id, refs } = await backup('straddle', keys);
    expect(refs).toHaveLength(1);
    const page = refs[0] as PageRef;
    const get = own.store.get.bind(own.store);
    jest.spyOn(own.store, 'get').mockImplementation(async (key, range) => {
      if (key === manifestKey(page.id)) throw new VaultObjectNotFoundError('gone', key);
      return get(key, range);
    });
    const err = await restoreSnapshot(own.vault, await own.vault.loadSnapshot(id), path.join(dir, 'straddle-target'), { inline: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreIncompleteError);
    expect((err as RestoreIncompleteError).message).toContain(
      '\n  plain S3 keys "!a" to "z1", and all S3 keys stored escaped (folder markers and keys no file path can be) (5 entries): ',
    );
  });

  it('--include of a folder that exists only as its marker (photos/sub/) makes that empty folder, and the markers below it', async () => {
    const { id } = await backup('marker-only', ['photos/', 'photos/sub/', 'photos/sub/deeper/', 'photos/cat.jpg', 'photos/subx/', 'z']);
    const target = path.join(dir, 'marker-only-target');
    const io = recordingCliIo();
    const code = await vaultRestore(id.slice(0, 16), { vault: path.join(dir, 'marker-only', 'vault'), keyFile: path.join(dir, 'marker-only', 'key'), target, include: 'photos/sub' }, { io });
    expect(io.errors.join('\n')).not.toContain('has no entry');
    expect(code).toBe(0);
    const tree = [...(await readTree(target)).entries()].map(([name, what]) => (what === 'dir' ? `${name}/` : name)).sort();
    expect(tree).toEqual(['photos/', 'photos/sub/', 'photos/sub/deeper/']);
    // `vault ls` names the marker by its key too, beside the stored path an include of it may give.
    const ls = recordingCliIo();
    expect(await vaultLs(id.slice(0, 16), { vault: path.join(dir, 'marker-only', 'vault'), keyFile: path.join(dir, 'marker-only', 'key') }, { io: ls })).toBe(0);
    expect(ls.lines.find((line) => line.includes(s3EntryPath('photos/sub/')))).toMatch(/ \(S3 key "photos\/sub\/"\)$/);
    expect(ls.lines.find((line) => line.endsWith('  photos/cat.jpg'))).toBeDefined();
  });
});
