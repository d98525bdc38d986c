import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { s3EntryPath } from '../../../../lambdas/sources/s3-entry-path';
import { vaultLs, vaultRestore } from '../../../../cli/commands/vault-commands';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';
import { ESCAPED_KEY_SEGMENT } from '../../../../vault/manifest/escaped-name';
import { comparePaths } from '../../../../vault/manifest/manifest-entry';
import { type PageRef } from '../../../../vault/manifest/manifest-format';
import { s3KeyOf } from '../../../../vault/manifest/s3-key-path';
import { openVault } from '../../../../vault/repository/vault';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { escapedKeyStem } from '../../../../vault/restorer/folder-marker-include';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { recordingCliIo } from '../../../support/captured-cli-io';
import { newTestVault, pseudoRandomBytes, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r61J: the keys under an S3 prefix stored escaped (`photos//x`, folder markers) were found by reading the whole
 * escaped prefix: `vault ls --prefix photos` failed on a damaged page there that cannot hold photos' keys (F1), and each
 * include read every escaped page up to three times (F3). Both now read only the run of stored paths starting with the
 * prefix's base64url stem. F2: an S3 include with a ".." part was refused in file-path words.
 */
describe('an S3 backup: the escaped keys under a prefix, read from its stem', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('s3-escaped-key-stem');
  });
  afterAll(async () => {
    await CodecPool.shutdownShared();
    await removeDir(dir);
  });

  /** A vault holding one S3 snapshot of `keys`; `pad` bytes of metadata each make a page hold a few entries only. */
  const backup = async (name: string, keys: readonly string[], pad = 0) => {
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
    for await (const ref of (await own.vault.manifest(await own.vault.loadSnapshot(snapshot.id))).pageRefs()) refs.push(ref);
    return { own, id: snapshot.id, refs, access: { vault: path.join(dir, name, 'vault'), keyFile: path.join(dir, name, 'key') } };
  };

  it('the stem is a prefix of the stored path of every key starting with the prefix, whatever its length in bytes', () => {
    const random = pseudoRandomBytes(4000, 61);
    const alphabet = ['a', '/', 'ü', 'ф', '€', '😀', '\0', '.'];
    let n = 0;
    for (let prefixLength = 1; prefixLength <= 7; prefixLength++) {
      for (let round = 0; round < 20; round++) {
        const pick = (count: number): string => Array.from({ length: count }, () => alphabet[(random[n++ % random.length] as number) % alphabet.length]).join('');
        const prefix = pick(prefixLength);
        const stem = escapedKeyStem(prefix);
        // UTF-8 lengths 1 to ~28 bytes: every remainder mod 3, the partial character's bits included.
        // As a key stored escaped is stored (s3EntryPath), whether or not this one would be.
        for (const key of [prefix, `${prefix}/`, `${prefix}//x`, `${prefix}${pick(3)}`]) expect([key, `${ESCAPED_KEY_SEGMENT}/${Buffer.from(key).toString('base64url')}`.startsWith(stem)]).toEqual([key, true]);
      }
    }
    // The partial character: one byte left over gives one character more than the 3-byte-aligned part's.
    expect(escapedKeyStem('abcd')).toBe(`${escapedKeyStem('abc')}${Buffer.from('d').toString('base64url')[0]}`);
  });

  it('F1: vault ls --prefix lists the escaped keys under it when a page elsewhere under the escaped prefix is damaged, exit 0', async () => {
    const keys = ['photos/a', 'photos/b', 'photos//x', ...Array.from({ length: 8 }, (_, i) => `m0${i}/`), 'z1'];
    const b = await backup('ls-damaged', keys, 300_000);
    const markersPage = b.refs.find((ref) => s3KeyOf({ path: ref.first, meta: {} }).startsWith('m0') && !ref.first.startsWith(escapedKeyStem('photos')));
    expect(markersPage).toBeDefined();
    await b.own.store.delete(manifestKey((markersPage as PageRef).id));
    const ls = recordingCliIo();
    const code = await vaultLs(b.id.slice(0, 16), { ...b.access, prefix: 'photos' }, { io: ls });
    expect(ls.errors).toEqual([]);
    expect(code).toBe(0);
    expect(ls.lines.map((line) => line.trim().split(/\s+/).slice(2).join(' '))).toEqual(['photos/a', 'photos/b', `${s3EntryPath('photos//x')} (S3 key "photos//x")`]);
  });

  it('F1: a damaged page that may list the prefix\'s escaped keys is named by its keys, and ls exits 1 as for a damaged plain page', async () => {
    const keys = ['photos/a', ...Array.from({ length: 8 }, (_, i) => `photos//x${i}`), ...Array.from({ length: 8 }, (_, i) => `m0${i}/`)];
    const b = await backup('ls-damaged-own', keys, 300_000);
    const stem = escapedKeyStem('photos');
    const own = b.refs.find((ref) => ref.first.startsWith(stem) && ref.last.startsWith(stem));
    expect(own).toBeDefined();
    await b.own.store.delete(manifestKey((own as PageRef).id));
    const ls = recordingCliIo();
    const code = await vaultLs(b.id.slice(0, 16), { ...b.access, prefix: 'photos' }, { io: ls });
    expect(code).toBe(1);
    const part = own as PageRef;
    expect(ls.errors[0]).toContain(`lifeboat vault: not listed: the manifest's entries from S3 key ${JSON.stringify(s3KeyOf({ path: part.first, meta: {} }))} to S3 key ${JSON.stringify(s3KeyOf({ path: part.last, meta: {} }))} (${part.count} entries, some possibly outside "photos"`);
    expect(ls.errors[0]).toContain('does not exist');
    expect(ls.errors.at(-1)).toContain('the listing under "photos" is incomplete');
    expect(ls.lines.some((line) => line.endsWith('photos/a'))).toBe(true);
  });

  it('F3: a one-file include of a snapshot with many escaped pages reads few manifest pages', async () => {
    const keys = ['photos/a', 'photos//x', ...Array.from({ length: 40 }, (_, i) => `m${String(i).padStart(2, '0')}/`), 'z1'];
    const b = await backup('cost', keys, 300_000);
    const escapedPages = b.refs.filter((ref) => ref.last.startsWith('%lifeboat-escaped-key/')).length;
    expect(escapedPages).toBeGreaterThan(8);
    // A vault opened afresh on a store counting its gets of manifest objects: nothing read before is cached.
    let gets = 0;
    const store = b.own.store;
    const get = store.get.bind(store);
    store.get = async (...args: Parameters<typeof store.get>) => {
      if (args[0].startsWith('manifest/')) gets++;
      return get(...args);
    };
    const vault = await openVault(store, await KeyFileKeyProvider.load(b.access.keyFile));
    const snapshot = await vault.loadSnapshot(b.id);
    gets = 0;
    const target = path.join(dir, 'cost-target');
    const stats = await restoreSnapshot(vault, snapshot, target, { inline: true, include: 'photos' });
    expect(stats.notRestored.map((n) => n.key)).toEqual(['photos//x']);
    expect([...(await readTree(target)).keys()]).toEqual(expect.arrayContaining(['photos/a']));
    // The include's page and the one or two holding photos' stem (and a node or two), not the escaped prefix's every page.
    expect(gets).toBeLessThanOrEqual(6);
  });

  it('F2: an S3 include with a ".." part is refused in keys, naming the workflow\'s --prefix and what each vault ls shows (review r61Y F2); --include / suggests no --include ""', async () => {
    const b = await backup('dotdot', ['photos/a', 'photos/sub/../y', 'photos/sub/../y/z', 'photos/sub/../yz', '/rooted']);
    const short = b.id.slice(0, 12);
    const dotdot = recordingCliIo();
    expect(await vaultRestore(short, { ...b.access, target: path.join(dir, 'dotdot-1'), include: 'photos/sub/../y' }, { io: dotdot })).toBe(1);
    const said = dotdot.errors.join('\n');
    expect(said).toContain('; for an S3 snapshot: an include is a key prefix, taken as given, and a key with a ".." part is one no file path can be');
    expect(said).toContain(`the restore workflow's --prefix "photos/sub/../y", which takes every key starting with "photos/sub/../y"`);
    expect(said).toContain(`\`lifeboat vault ls ${short} --prefix "photos/sub/../y"\` lists only those that are "photos/sub/../y" or start with "photos/sub/../y/", \`lifeboat vault ls ${short}\` every key`);
    // The listings it names show what it says: --prefix the key and those below it, not "photos/sub/../yz"; no prefix all.
    const ls = recordingCliIo();
    expect(await vaultLs(short, { ...b.access, prefix: 'photos/sub/../y' }, { io: ls })).toBe(0);
    expect(ls.lines.join('\n')).toContain('(S3 key "photos/sub/../y")');
    expect(ls.lines.join('\n')).toContain('(S3 key "photos/sub/../y/z")');
    expect(ls.lines.join('\n')).not.toContain('(S3 key "photos/sub/../yz")');
    const all = recordingCliIo();
    expect(await vaultLs(short, { ...b.access }, { io: all })).toBe(0);
    expect(all.lines.join('\n')).toContain('(S3 key "photos/sub/../yz")');

    const root = recordingCliIo();
    expect(await vaultRestore(short, { ...b.access, target: path.join(dir, 'dotdot-2'), include: '/' }, { io: root })).toBe(1);
    expect(root.errors.join('\n')).not.toContain('--include ""');
    // A prefix ending in "/" is what vault ls --prefix lists too.
    expect(root.errors.join('\n')).toContain(`the restore workflow's --prefix "/", which takes every key starting with "/" (a plain string prefix, as S3's); \`lifeboat vault ls ${short} --prefix "/"\` lists them`);
  });

  it('a ".." include is refused before the vault is opened: a vault location that does not exist is not what the error names (f62E)', async () => {
    const io = recordingCliIo();
    const target = path.join(dir, 'dotdot-novault');
    const nowhere = { vault: path.join(dir, 'no-such-vault', 'vault'), keyFile: path.join(dir, 'no-such-vault', 'key') };
    expect(await vaultRestore('latest', { ...nowhere, target, include: 'photos/../y' }, { io })).toBe(1);
    expect(io.errors.join('\n')).toMatch(/^lifeboat vault: --include "photos\/\.\.\/y": an include with a "\.\." part is refused: a directory's snapshot has no path with one/);
    expect(io.errors.join('\n')).toContain('`lifeboat vault ls latest --prefix "photos/../y"`');
    expect(io.errors.join('\n')).not.toMatch(/no-such-vault|vault init/);
  });

  it('an S3 include with an empty part ("a//") is refused, not taken as "a" (review r61Y F3)', async () => {
    const b = await backup('empty-part', ['a/x', 'a//y', 'ab']);
    const short = b.id.slice(0, 12);
    for (const include of ['a//', 'a//y']) {
      const io = recordingCliIo();
      const target = path.join(dir, `empty-part-${include.length}`);
      expect(await vaultRestore(short, { ...b.access, target, include }, { io })).toBe(1);
      expect(io.errors.join('\n')).toContain(`--include ${JSON.stringify(include)} of S3 snapshot ${short}: an S3 include is a key prefix, taken as given, and a key with an empty part ("//") is one no file path can be`);
      expect(io.errors.join('\n')).toContain(`the restore workflow's --prefix ${JSON.stringify(include)}`);
      // Nothing of the bucket was written.
      expect(await fs.readdir(target).catch(() => [])).toEqual([]);
    }
    // The listing named shows those keys.
    const ls = recordingCliIo();
    expect(await vaultLs(short, { ...b.access, prefix: 'a//' }, { io: ls })).toBe(0);
    expect(ls.lines.join('\n')).toContain('(S3 key "a//y")');
    // One trailing "/" is still dropped: "a/" is "a" and what lies below it, "a//y" listed as not restored.
    const one = recordingCliIo();
    const target = path.join(dir, 'empty-part-one');
    expect(await vaultRestore(short, { ...b.access, target, include: 'a/' }, { io: one })).toBe(3);
    expect([...(await readTree(target)).keys()].sort()).toEqual(['a', 'a/x']);
    expect(one.errors.join('\n')).toContain('a//y');
  });

  it('an S3 include with a "." part ("a/./") is refused, not taken as the key "a/." (review r62D F5)', async () => {
    const b = await backup('dot-part', ['a/x', 'a/.', 'a/./b', 'a/.hidden']);
    const short = b.id.slice(0, 12);
    for (const [n, include] of ['a/./', 'a/.', 'a/./b'].entries()) {
      const io = recordingCliIo();
      const target = path.join(dir, `dot-part-${n}`);
      expect(await vaultRestore(short, { ...b.access, target, include }, { io })).toBe(1);
      expect(io.errors.join('\n')).toContain(`--include ${JSON.stringify(include)} of S3 snapshot ${short}: an S3 include is a key prefix, taken as given, and a key with a "." part is one no file path can be`);
      expect(io.errors.join('\n')).toContain(`the restore workflow's --prefix ${JSON.stringify(include)}, which takes every key starting with ${JSON.stringify(include)}`);
      // Nothing of the bucket was written, and no key was listed as not restored: the include was refused.
      expect(await fs.readdir(target).catch(() => [])).toEqual([]);
      expect(io.errors.join('\n')).not.toContain('not restored as recorded');
    }
    // The listing named shows those keys.
    const ls = recordingCliIo();
    expect(await vaultLs(short, { ...b.access, prefix: 'a/./' }, { io: ls })).toBe(0);
    expect(ls.lines.join('\n')).toContain('(S3 key "a/./b")');
    // A name starting with "." is no "." part: restored as any key.
    const hidden = recordingCliIo();
    const target = path.join(dir, 'dot-part-hidden');
    expect(await vaultRestore(short, { ...b.access, target, include: 'a/.hidden' }, { io: hidden })).toBe(0);
    expect(await fs.readFile(path.join(target, 'a', '.hidden'), 'utf8')).toBe('body of a/.hidden\n');
  });

  it('an S3 include of "." is refused, not taken for the whole snapshot (review r61Y F1)', async () => {
    const b = await backup('dot', ['.', './a', '.hidden', 'photos/a', 'q']);
    const short = b.id.slice(0, 12);
    const io = recordingCliIo();
    const target = path.join(dir, 'dot-1');
    expect(await vaultRestore(short, { ...b.access, target, include: '.' }, { io })).toBe(1);
    expect(io.errors.join('\n')).toContain(`--include "." of S3 snapshot ${short}: an S3 include is a key prefix, taken as given`);
    expect(io.errors.join('\n')).toContain('give --include "" (or none) for the whole snapshot');
    // Nothing of the bucket was written.
    expect(await fs.readdir(target).catch(() => [])).toEqual([]);
    // "./." is refused as a key starting with "./", and its hint no longer offers "." in its place.
    const dotSlash = recordingCliIo();
    expect(await vaultRestore(short, { ...b.access, target: path.join(dir, 'dot-2'), include: './.' }, { io: dotSlash })).toBe(1);
    expect(dotSlash.errors.join('\n')).not.toContain('--include ".")');
  });
});
