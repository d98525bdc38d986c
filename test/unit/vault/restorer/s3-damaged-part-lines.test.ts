import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { s3EntryPath } from '../../../../lambdas/sources/s3-entry-path';
import { vaultLs, vaultRestore } from '../../../../cli/commands/vault-commands';
import { ESCAPED_KEY_SEGMENT } from '../../../../vault/manifest/escaped-name';
import { type PageRef } from '../../../../vault/manifest/manifest-format';
import { comparePaths, underPrefix } from '../../../../vault/manifest/manifest-entry';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { IncludeMatchesNothingError, RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
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
  /** What every line of a damaged part says of the order its ends are in (review r61E F2, F4). */
  const ORDER = 'in the manifest\'s order, not S3\'s: "/" sorts first, and keys stored escaped, as folder markers are, sort together by their base64url';
  const access = (name: string): { vault: string; keyFile: string } => ({ vault: path.join(dir, name, 'vault'), keyFile: path.join(dir, name, 'key') });
  const treeOf = async (target: string): Promise<string[]> => [...(await readTree(target)).entries()].map(([name, what]) => (what === 'dir' ? `${name}/` : name)).sort();
  /** Makes reading the manifest pages `ids` fail as a missing object would. */
  const losePages = (own: Awaited<ReturnType<typeof newTestVault>>, ids: readonly string[]): void => {
    const gone = new Set(ids.map((id) => manifestKey(id)));
    const get = own.store.get.bind(own.store);
    jest.spyOn(own.store, 'get').mockImplementation(async (key, range) => {
      if (gone.has(key)) throw new VaultObjectNotFoundError('gone', key);
      return get(key, range);
    });
  };

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
    expect(incomplete.message).toContain(`\n  the manifest's entries from S3 key "фото/" to S3 key "m01/" (${escapedOnly.count} entries; ${ORDER}): `);
    expect(incomplete.message).toContain(`\n  the manifest's entries from S3 key "m02/" to S3 key "f00" (${mixed.count} entries; ${ORDER}): `);
    expect(incomplete.message).not.toMatch(/S3 keys "/);
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
    expect((err as RestoreIncompleteError).message).toContain(`\n  the manifest's entries from S3 key "!a" to S3 key "z1" (5 entries; ${ORDER}): `);
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
  it("a part of plain keys is named by its ends in the manifest's order, not as a range of S3 keys", async () => {
    // S3 lists `p/2024-old` and `p/2024.zip` before `p/2024/a` (UTF-8 bytes); the manifest sorts a `/` first.
    const { own, id, refs } = await backup('plain-order', ['p/2024/a', 'p/2024/b', 'p/2024-old', 'p/2024.zip', 'p/2025', 'p/2026', 'p/2027'], 400_000);
    const first = refs[0] as PageRef;
    losePages(own, [first.id]);
    const err = await restoreSnapshot(own.vault, await own.vault.loadSnapshot(id), path.join(dir, 'plain-order-target'), { inline: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreIncompleteError);
    const message = (err as RestoreIncompleteError).message;
    expect(message).toContain(`\n  the manifest's entries from S3 key "p/2024/a" to S3 key ${JSON.stringify(first.last)} (${first.count} entries; ${ORDER}): `);
    expect(message).not.toMatch(/S3 keys "/);
    expect((err as RestoreIncompleteError).damaged[0]).toEqual(expect.objectContaining({ path: first.first, through: first.last }));
  });

  it('--include of a folder that exists only through a deeper marker (photos/sub/deeper/) makes it; a key prefix matching nothing is refused in keys', async () => {
    const { id } = await backup('deeper', ['photos/cat.jpg', 'photos/sub/deeper/', 'z']);
    const target = path.join(dir, 'deeper-target');
    const io = recordingCliIo();
    expect(await vaultRestore(id.slice(0, 16), { ...access('deeper'), target, include: 'photos/sub' }, { io })).toBe(0);
    expect(io.errors.join('\n')).not.toContain('has no');
    expect(await treeOf(target)).toEqual(['photos/', 'photos/sub/', 'photos/sub/deeper/']);
    // A typo: refused, told in keys and `vault ls`, not as file paths of a directory that was backed up.
    const typo = recordingCliIo();
    const typoTarget = path.join(dir, 'deeper-typo-target');
    expect(await vaultRestore(id.slice(0, 16), { ...access('deeper'), target: typoTarget, include: 'photos/sbu' }, { io: typo })).not.toBe(0);
    const refusal = typo.errors.join('\n');
    expect(refusal).toContain(`S3 snapshot ${id.slice(0, 12)} has no key at or under "photos/sbu" (the key itself or keys starting with "photos/sbu/"), nor a folder marker there, so nothing was restored`);
    expect(refusal).toContain(`\`lifeboat vault ls ${id.slice(0, 12)}\` lists the keys`);
    expect(refusal).not.toContain('directory that was backed up');
    expect(await fs.readdir(typoTarget).catch(() => [])).toEqual([]);
  });

  it('--include of a stored path under the escaped prefix is not taken through a folder marker the restore would not make (review r61E F1)', async () => {
    // The key `%lifeboat-escaped-key/xyz/` is stored escaped (`%lifeboat-escaped-key/JWxp…`): nothing is stored under the
    // include, which sorts between it and the markers `Ȁ0/` … (`%lifeboat-escaped-key/yIAw…`), on pages after the marker's.
    const marker = s3EntryPath(`${ESCAPED_KEY_SEGMENT}/xyz/`);
    const keys = [`${ESCAPED_KEY_SEGMENT}/w1/`, `${ESCAPED_KEY_SEGMENT}/w2/`, `${ESCAPED_KEY_SEGMENT}/xyz/`, ...Array.from({ length: 6 }, (_, i) => `Ȁ${i}/`), 'z0'];
    const { own, id, refs } = await backup('escaped-include', keys, 400_000);
    const markerPage = refs.find((r) => comparePaths(r.first, marker) <= 0 && comparePaths(marker, r.last) <= 0 && comparePaths(r.last, `${ESCAPED_KEY_SEGMENT}/xyz`) < 0);
    if (markerPage === undefined) throw new Error(`the pages are not as this test needs: ${JSON.stringify(refs.map((r) => [r.first, r.last]))}`);
    const target = path.join(dir, 'escaped-include-target');
    const io = recordingCliIo();
    expect(await vaultRestore(id.slice(0, 16), { ...access('escaped-include'), target, include: `${ESCAPED_KEY_SEGMENT}/xyz` }, { io })).not.toBe(0);
    expect(io.errors.join('\n')).toContain(`S3 snapshot ${id.slice(0, 12)} has no entry stored at or under "${ESCAPED_KEY_SEGMENT}/xyz", so nothing was restored; under ${ESCAPED_KEY_SEGMENT}/ --include takes the stored paths`);
    expect(io.lines.join('\n')).not.toMatch(/Restored 0 entries/);
    expect(await fs.readdir(target).catch(() => [])).toEqual([]);
    // With the marker's page unreadable: refused the same, not taken as "may hold one" and then never read nor listed.
    losePages(own, [markerPage.id]);
    const damagedTarget = path.join(dir, 'escaped-include-damaged-target');
    await expect(restoreSnapshot(own.vault, await own.vault.loadSnapshot(id), damagedTarget, { inline: true, include: `${ESCAPED_KEY_SEGMENT}/xyz` })).rejects.toThrow(IncludeMatchesNothingError);
    expect(await fs.readdir(damagedTarget).catch(() => [])).toEqual([]);
  });

  it('--include of an S3 key prefix with a leading "/" is refused, not restored as the key without it (review r61E F5)', async () => {
    const { id } = await backup('leading-slash', ['/photos/sub/', 'photos/sub/', 'z']);
    const target = path.join(dir, 'leading-slash-target');
    const io = recordingCliIo();
    expect(await vaultRestore(id.slice(0, 16), { ...access('leading-slash'), target, include: '/photos/sub' }, { io })).not.toBe(0);
    expect(io.errors.join('\n')).toContain(`--include "/photos/sub" of S3 snapshot ${id.slice(0, 12)}: an S3 include is a key prefix, taken as given, and a key starting with "/" or "./" is one no file path can be`);
    expect(await fs.readdir(target).catch(() => [])).toEqual([]);
  });

  it("vault ls --prefix shows the folder markers under it, and a key's backslash escaped once (review r61E F6, F7)", async () => {
    const { id } = await backup('ls-markers', ['photos/sub/', 'photos/sub/a.jpg', 'photos/subx/', 'a\\b/', 'z']);
    const ls = recordingCliIo();
    expect(await vaultLs(id.slice(0, 16), { ...access('ls-markers'), prefix: 'photos/sub' }, { io: ls })).toBe(0);
    expect(ls.lines).toHaveLength(2);
    expect(ls.lines[0]).toMatch(/ {2}photos\/sub\/a\.jpg$/);
    expect(ls.lines[1]).toContain(`  ${s3EntryPath('photos/sub/')} (S3 key "photos/sub/")`);
    const all = recordingCliIo();
    expect(await vaultLs(id.slice(0, 16), access('ls-markers'), { io: all })).toBe(0);
    expect(all.lines.find((line) => line.includes(s3EntryPath('a\\b/')))).toMatch(/ \(S3 key "a\\\\b\/"\)$/);
  });
});
