import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { manifestKey } from '../../../../vault/repository/vault-layout';
import { IncludeIsAmbiguousError, IncludeMatchesNothingError, RestoreIncompleteError, restoreSnapshot } from '../../../../vault/restorer/restore';
import { shellWordsAfterSpaces } from '../../../../lambdas/runtime/shell-word';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r59D F5: `lifeboat vault restore --include` of a name that starts with `%lifeboat-escaped-`, which a backup
 * stores as `%lifeboat-escaped-name-<base64url>`, matched nothing by the name as it is on disk, and the refusal did not
 * say names are stored escaped, as the restore workflow's filter has since audit a58A F2. It now tries the path with
 * its names escaped so, and the refusal names the escaped form and the path it tried.
 */
const RESERVED = '%lifeboat-escaped-notes';
const RESERVED_STORED = `%lifeboat-escaped-name-${Buffer.from(RESERVED).toString('base64url')}`;

let dir: string;
let vault: Vault;
let snapshot: Snapshot;

beforeAll(async () => {
  dir = await tempDir('include-escaped-names');
  ({ vault } = await newTestVault(dir));
  const src = path.join(dir, 'src');
  await fs.mkdir(path.join(src, RESERVED, 'inner'), { recursive: true });
  await fs.writeFile(path.join(src, RESERVED, 'inner', 'a.txt'), pseudoRandomBytes(2000, 1));
  await fs.mkdir(path.join(src, 'plain'));
  await fs.writeFile(path.join(src, 'plain', 'b.txt'), pseudoRandomBytes(300, 2));
  snapshot = (await backupDirectory(vault, src)).snapshot;
});
afterAll(async () => {
  await CodecPool.shutdownShared();
  await removeDir(dir);
});

it('restores a directory whose name starts with %lifeboat-escaped- by that name, equal to the source', async () => {
  const target = path.join(dir, 'by-name');
  const stats = await restoreSnapshot(vault, snapshot, target, { include: `${RESERVED}/inner` });
  expect(stats.files).toBe(1);
  expect(await fs.readFile(path.join(target, RESERVED, 'inner', 'a.txt'))).toEqual(pseudoRandomBytes(2000, 1));
  await expect(fs.stat(path.join(target, 'plain'))).rejects.toMatchObject({ code: 'ENOENT' });
});

it('restores it by its stored form too', async () => {
  const target = path.join(dir, 'by-stored-form');
  await restoreSnapshot(vault, snapshot, target, { include: RESERVED_STORED });
  expect(await fs.readFile(path.join(target, RESERVED, 'inner', 'a.txt'))).toEqual(pseudoRandomBytes(2000, 1));
});

it('refuses a path that matches nothing either way, saying names are stored escaped and naming the form it tried', async () => {
  const target = path.join(dir, 'nothing');
  const refused = restoreSnapshot(vault, snapshot, target, { include: `${RESERVED}/missing` });
  await expect(refused).rejects.toBeInstanceOf(IncludeMatchesNothingError);
  await expect(refused).rejects.toThrow(
    `; a name that is not UTF-8, or that starts with %lifeboat-escaped-, is stored escaped, as %lifeboat-escaped-name-<base64url of its bytes>: give that segment as the backup stores it ` +
      `(the path with its names escaped so, "${RESERVED_STORED}/missing", was tried too and matches nothing either)`,
  );
  await expect(fs.stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
});

/**
 * Review r59L F2: when the path as given and its escaped form both select entries (a directory stored escaped, and
 * another literally named like that stored form on disk), `vault restore --include` took the first silently, where the
 * workflow's `--prefix` refuses the path as ambiguous. It now refuses too, before the target is touched, naming both.
 */
describe('a path that selects entries both as given and with its names escaped', () => {
  const ON_DISK_STORED = `%lifeboat-escaped-name-${Buffer.from(RESERVED_STORED).toString('base64url')}`;
  let both: Snapshot;

  beforeAll(async () => {
    const src = path.join(dir, 'src-both');
    await fs.mkdir(path.join(src, RESERVED), { recursive: true });
    await fs.writeFile(path.join(src, RESERVED, 'a.txt'), pseudoRandomBytes(500, 3));
    // A directory whose name on disk is the first one's stored form: the backup stores it escaped once more.
    await fs.mkdir(path.join(src, RESERVED_STORED));
    await fs.writeFile(path.join(src, RESERVED_STORED, 'b.txt'), pseudoRandomBytes(700, 4));
    both = (await backupDirectory(vault, src)).snapshot;
  });

  it('is refused before the target is touched, naming both forms and how to give each', async () => {
    const target = path.join(dir, 'ambiguous');
    const refused = restoreSnapshot(vault, both, target, { include: RESERVED_STORED });
    await expect(refused).rejects.toBeInstanceOf(IncludeIsAmbiguousError);
    await expect(refused).rejects.toThrow(
      `--include ${RESERVED_STORED} of snapshot ${both.id.slice(0, 12)} is ambiguous, so nothing was restored and the target was not touched: ` +
        `it selects entries in two ways: as the backup stores names, the path stored as "${RESERVED_STORED}" (a name that is not UTF-8, or that starts with %lifeboat-escaped-, stored escaped), ` +
        `and, read as names on disk, the path "${RESERVED_STORED}" itself, which the backup stores as "${ON_DISK_STORED}". ` +
        `To restore the second, give \`--include ${ON_DISK_STORED}\`; to restore the first, give the names as they are on disk, \`--include ${RESERVED}\``,
    );
    await expect(fs.stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('restores each directory alone by the form the refusal names for it, equal to the source', async () => {
    const second = path.join(dir, 'second');
    await restoreSnapshot(vault, both, second, { include: ON_DISK_STORED });
    expect(await fs.readFile(path.join(second, RESERVED_STORED, 'b.txt'))).toEqual(pseudoRandomBytes(700, 4));
    await expect(fs.stat(path.join(second, RESERVED))).rejects.toMatchObject({ code: 'ENOENT' });

    const first = path.join(dir, 'first');
    await restoreSnapshot(vault, both, first, { include: RESERVED });
    expect(await fs.readFile(path.join(first, RESERVED, 'a.txt'))).toEqual(pseudoRandomBytes(500, 3));
    await expect(fs.stat(path.join(first, RESERVED_STORED))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

/**
 * Review r60C F1: a form whose manifest page could not be read counted as selecting entries, so with one damaged page
 * `--include` of a path holding `%lifeboat-escaped-` was refused as ambiguous and nothing was restored, even a file on
 * a readable page. Only entries actually read make a path ambiguous: a file on a readable page is restored, and a
 * directory partly on the damaged page is restored as far as it can be, the damage listed.
 */
describe('a path whose other form lies on a damaged manifest page', () => {
  // A directory whose name on disk is the byte 0x80 (not UTF-8): the path as given is its stored form.
  const NOT_UTF8 = 'd/%lifeboat-escaped-name-gA';
  const CONTENT = Buffer.from('restored\n');
  let damaged: Snapshot;

  beforeAll(async () => {
    const writer = await vault.newSnapshotWriter({ inline: true });
    const stored = await writer.storeContent(CONTENT);
    const parts = [await writer.finish()];
    await vault.reloadIndex();
    // A page closes at about 1 MiB of entries' JSON: three of these fill one.
    const pad = 'p'.repeat(400_000);
    const file = (p: string): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644, note: pad }, size: stored.size, content: [...stored.content] });
    const dirEntry = (p: string): ManifestEntry => ({ path: p, kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] });
    damaged = await vault.commitSnapshot({
      source: { kind: 'directory', id: '/src-damaged-page' },
      parts,
      entries: [dirEntry('d'), ...['!a', '!b', '!c'].map((name) => file(`d/${name}`)), dirEntry(NOT_UTF8), ...Array.from({ length: 9 }, (_, i) => file(`${NOT_UTF8}/f${i}`))],
    });
    const refs = [];
    for await (const ref of (await vault.manifest(damaged)).pageRefs()) refs.push(ref);
    expect(refs.map((r) => [r.first, r.last])).toEqual([
      ['d', 'd/!c'],
      [NOT_UTF8, `${NOT_UTF8}/f2`],
      [`${NOT_UTF8}/f3`, `${NOT_UTF8}/f5`],
      [`${NOT_UTF8}/f6`, `${NOT_UTF8}/f8`],
    ]);
    // The second page holds the directory's first files and is the page where its escaped-again form would sort after
    // `d/!c`: by its first path, after that form's, it cannot hold it (review r60G F1 weighs a damaged page so).
    const pageFile = path.join(dir, 'vault', ...manifestKey((refs[1] as { id: string }).id).split('/'));
    const bytes = await fs.readFile(pageFile);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
    await fs.writeFile(pageFile, bytes);
  });

  it('restores a file on a readable page, equal to the source', async () => {
    const target = path.join(dir, 'damaged-one-file');
    const stats = await restoreSnapshot(vault, damaged, target, { include: `${NOT_UTF8}/f5` });
    expect(stats.files).toBe(1);
    const restored = await fs.readdir(path.join(target, 'd'), { encoding: 'buffer' });
    expect(restored).toEqual([Buffer.from([0x80])]);
    expect(await fs.readFile(Buffer.concat([Buffer.from(path.join(target, 'd') + '/'), Buffer.from([0x80]), Buffer.from('/f5')]))).toEqual(CONTENT);
  });

  it('restores what it can of a directory partly on the damaged page and lists the damage', async () => {
    const target = path.join(dir, 'damaged-directory');
    const restore = restoreSnapshot(vault, damaged, target, { include: NOT_UTF8 });
    await expect(restore).rejects.toBeInstanceOf(RestoreIncompleteError);
    const err = (await restore.catch((e: unknown) => e)) as RestoreIncompleteError;
    expect(err.damaged).toEqual([expect.objectContaining({ path: NOT_UTF8, through: `${NOT_UTF8}/f2` })]);
    expect(err.stats).toMatchObject({ files: 6 });
    const dirBytes = Buffer.concat([Buffer.from(path.join(target, 'd') + '/'), Buffer.from([0x80])]);
    const names = (await fs.readdir(dirBytes)).sort();
    expect(names).toEqual(['f3', 'f4', 'f5', 'f6', 'f7', 'f8']);
  });
});

/**
 * Review r60G F1, F5: a path whose other form lay on a damaged page alone was taken as given: the restore never read
 * that page, restored the form it read with exit 0 and said nothing of the other form's entries; with the page of the
 * form as given damaged, it failed for that page and left the other form's readable entries out without a word. A form
 * a damaged page may hold (its reference reaches where the form's paths sort) now makes the path ambiguous, as the
 * workflow's `--prefix` refuses it, and a spelling the refusal could not check is said to be so.
 */
describe('a path whose other form may lie on a damaged manifest page', () => {
  const GIVEN = 'd/%lifeboat-escaped-name-gA';
  const ESCAPED = `d/%lifeboat-escaped-name-${Buffer.from('%lifeboat-escaped-name-gA').toString('base64url')}`;
  const CONTENT = Buffer.from('either form\n');

  /** A snapshot of GIVEN's and ESCAPED's directories (and `extra` files before both, or directories ending in `/`), with its page `damage` (by index) damaged. */
  async function damagedSnapshot(id: string, extra: string[], damage: number, pages: string[][]): Promise<Snapshot> {
    const writer = await vault.newSnapshotWriter({ inline: true });
    const stored = await writer.storeContent(CONTENT);
    const parts = [await writer.finish()];
    await vault.reloadIndex();
    // A page closes at about 1 MiB of entries' JSON: three padded files fill one.
    const pad = 'p'.repeat(400_000);
    const file = (p: string, padded = true): ManifestEntry => ({ path: p, kind: 'file', meta: { mode: 0o644, ...(padded ? { note: pad } : {}) }, size: stored.size, content: [...stored.content] });
    const dirEntry = (p: string): ManifestEntry => ({ path: p, kind: 'dir', meta: { mode: 0o755 }, size: 0, content: [] });
    const snapshot = await vault.commitSnapshot({
      source: { kind: 'directory', id },
      parts,
      entries: [dirEntry('d'), ...extra.map((name) => (name.endsWith('/') ? dirEntry(`d/${name.slice(0, -1)}`) : file(`d/${name}`))), dirEntry(ESCAPED), ...['e0', 'e1', 'e2'].map((n) => file(`${ESCAPED}/${n}`)), dirEntry(GIVEN), file(`${GIVEN}/g0`, false), ...['g1', 'g2', 'g3', 'g4'].map((n) => file(`${GIVEN}/${n}`))],
    });
    const refs = [];
    for await (const ref of (await vault.manifest(snapshot)).pageRefs()) refs.push(ref);
    expect(refs.map((r) => [r.first, r.last])).toEqual(pages);
    const pageFile = path.join(dir, 'vault', ...manifestKey((refs[damage] as { id: string }).id).split('/'));
    const bytes = await fs.readFile(pageFile);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
    await fs.writeFile(pageFile, bytes);
    return snapshot;
  }

  const refusedUntouched = async (snapshot: Snapshot, name: string): Promise<IncludeIsAmbiguousError> => {
    const target = path.join(dir, name);
    const refused = await restoreSnapshot(vault, snapshot, target, { include: GIVEN }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IncludeIsAmbiguousError);
    await expect(fs.stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    return refused as IncludeIsAmbiguousError;
  };

  it('refuses it when the other form sits alone on the damaged page, and its parent restores the rest listing the page', async () => {
    const snapshot = await damagedSnapshot('/src-other-form-alone', ['!a', '!b', '!c'], 1, [
      ['d', 'd/!c'],
      [ESCAPED, `${ESCAPED}/e2`],
      [GIVEN, `${GIVEN}/g3`],
      [`${GIVEN}/g4`, `${GIVEN}/g4`],
    ]);
    const refused = await refusedUntouched(snapshot, 'other-form-alone');
    expect(refused.message).toContain(`it may select entries in two ways (whether the path stored as ${JSON.stringify(ESCAPED)} has entries could not be checked: a damaged manifest page)`);
    expect(refused.message).toContain('to restore the first, restore the directory above it, `--include d`');
    expect(refused.message).toContain('Of the damaged manifest page: `lifeboat vault verify` names it');
    // The parent it suggests restores both forms as far as they read, and lists the page.
    const parent = path.join(dir, 'other-form-parent');
    const restore = await restoreSnapshot(vault, snapshot, parent, { include: 'd' }).catch((e: unknown) => e);
    expect(restore).toBeInstanceOf(RestoreIncompleteError);
    expect((restore as RestoreIncompleteError).damaged).toEqual([expect.objectContaining({ path: ESCAPED, through: `${ESCAPED}/e2` })]);
    const given = Buffer.concat([Buffer.from(path.join(parent, 'd') + '/'), Buffer.from([0x80])]);
    expect((await fs.readdir(given)).sort()).toEqual(['g0', 'g1', 'g2', 'g3', 'g4']);
    expect(await fs.readFile(Buffer.concat([given, Buffer.from('/g4')]))).toEqual(CONTENT);
  });

  it('refuses it when the form as given is on the damaged page and the other form reads', async () => {
    const snapshot = await damagedSnapshot('/src-given-form-damaged', [], 1, [
      ['d', `${ESCAPED}/e2`],
      [GIVEN, `${GIVEN}/g3`],
      [`${GIVEN}/g4`, `${GIVEN}/g4`],
    ]);
    const refused = await refusedUntouched(snapshot, 'given-form-damaged');
    expect(refused.message).toContain(`whether the path stored as ${JSON.stringify(GIVEN)} has entries could not be checked: a damaged manifest page`);
  });

  it('says a spelling it could not check is so, not that it does not pick its form alone', async () => {
    const snapshot = await damagedSnapshot('/src-both-on-damaged', [], 0, [
      ['d', `${ESCAPED}/e2`],
      [GIVEN, `${GIVEN}/g3`],
      [`${GIVEN}/g4`, `${GIVEN}/g4`],
    ]);
    const refused = await refusedUntouched(snapshot, 'both-on-damaged');
    expect(refused.message).toContain(`To restore the second, the spelling \`--include ${ESCAPED}\` could not be checked (a damaged manifest page), so it is not suggested;`);
    expect(refused.message).not.toContain('does not pick it alone either');
  });

  it('says so of a spelling whose own other form is on the damaged page, where both forms of the path read', async () => {
    // ESCAPED's own escaped form, a third directory, alone on the damaged page: whether ESCAPED picks its directory alone cannot be told.
    const again = `%lifeboat-escaped-name-${Buffer.from(ESCAPED.slice(2)).toString('base64url')}`;
    const snapshot = await damagedSnapshot('/src-spelling-unchecked', ['!a', '!b', '!c', `${again}/`, `${again}/e0`, `${again}/e1`, `${again}/e2`], 1, [
      ['d', 'd/!c'],
      [`d/${again}`, `d/${again}/e2`],
      [ESCAPED, `${ESCAPED}/e2`],
      [GIVEN, `${GIVEN}/g3`],
      [`${GIVEN}/g4`, `${GIVEN}/g4`],
    ]);
    const refused = await refusedUntouched(snapshot, 'spelling-unchecked');
    expect(refused.message).toContain('it selects entries in two ways:');
    expect(refused.message).toContain(`To restore the second, the spelling \`--include ${ESCAPED}\` could not be checked (a damaged manifest page), so it is not suggested;`);
    expect(refused.message).toContain('Of the damaged manifest page: `lifeboat vault verify` names it');
  });
});

/**
 * Review r60C F3: the refusal quoted the spellings it suggests as JSON, whose `$`, backquotes and `'` a shell expands
 * when they are pasted; they are quoted for the shell now, and read back by one they pick their own directory.
 */
describe('an ambiguous path whose names on disk hold shell characters', () => {
  const SHELLY = "%lifeboat-escaped-it's $HOME `id`";
  const SHELLY_STORED = `%lifeboat-escaped-name-${Buffer.from(SHELLY).toString('base64url')}`;
  let shelly: Snapshot;

  beforeAll(async () => {
    const src = path.join(dir, 'src-shelly');
    await fs.mkdir(path.join(src, SHELLY), { recursive: true });
    await fs.writeFile(path.join(src, SHELLY, 'a.txt'), pseudoRandomBytes(400, 8));
    await fs.mkdir(path.join(src, SHELLY_STORED));
    await fs.writeFile(path.join(src, SHELLY_STORED, 'b.txt'), pseudoRandomBytes(600, 9));
    shelly = (await backupDirectory(vault, src)).snapshot;
  });

  it('suggests each spelling quoted for the shell, and read back so it restores its own directory alone', async () => {
    const refused = await restoreSnapshot(vault, shelly, path.join(dir, 'shelly-refused'), { include: SHELLY_STORED }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IncludeIsAmbiguousError);
    const quoted = `'%lifeboat-escaped-it'\\''s $HOME \`id\`'`;
    expect((refused as Error).message).toContain(`to restore the first, give the names as they are on disk, \`--include ${quoted}\``);
    expect(shellWordsAfterSpaces(` ${quoted}`)).toEqual([SHELLY]);
    const first = path.join(dir, 'shelly-first');
    await restoreSnapshot(vault, shelly, first, { include: SHELLY });
    expect(await fs.readdir(first)).toEqual([SHELLY]);
    expect(await fs.readFile(path.join(first, SHELLY, 'a.txt'))).toEqual(pseudoRandomBytes(400, 8));
  });
});

/**
 * Review r60C F2: with three crafted names (a directory whose name is the byte 0x80, one named like its stored form,
 * and one named like that one's stored form) the two refusals named each other: the spelling one suggested was
 * refused as ambiguous by the other. A spelling is suggested now only when it picks its directory alone.
 */
describe('three names each named like the stored form of the one before', () => {
  const NOT_UTF8 = Buffer.from([0x80]);
  const A = `%lifeboat-escaped-name-${NOT_UTF8.toString('base64url')}`;
  const B = `%lifeboat-escaped-name-${Buffer.from(A).toString('base64url')}`;
  let crafted: Snapshot;

  beforeAll(async () => {
    const src = path.join(dir, 'src-crafted');
    await fs.mkdir(src);
    const raw = Buffer.concat([Buffer.from(`${src}/`), NOT_UTF8]);
    await fs.mkdir(raw);
    await fs.writeFile(Buffer.concat([raw, Buffer.from('/raw.txt')]), 'raw');
    await fs.mkdir(path.join(src, A));
    await fs.writeFile(path.join(src, A, 'named-a.txt'), 'A');
    await fs.mkdir(path.join(src, B));
    await fs.writeFile(path.join(src, B, 'named-b.txt'), 'B');
    crafted = (await backupDirectory(vault, src)).snapshot;
  });

  it('names no other crafted name as the spelling of a form: the one that would pick it alone, else the whole snapshot', async () => {
    const refusal = async (include: string): Promise<string> => ((await restoreSnapshot(vault, crafted, path.join(dir, 'crafted-refused'), { include }).catch((e: unknown) => e)) as Error).message;
    // A's directory on disk is stored as B, which B's own directory on disk makes ambiguous: no spelling picks it alone.
    expect(await refusal(A)).toContain(
      'To restore the second, restore the whole snapshot (no --include), as that spelling does not pick it alone either; to restore the first, restore the whole snapshot (no --include), as a name that is not UTF-8 has no other spelling',
    );
    // B's names on disk are A, which is ambiguous: suggested, it was refused in turn, naming B.
    expect(await refusal(B)).toContain(`to restore the first, restore the whole snapshot (no --include), as its names on disk, ${A}, do not pick it alone either`);
  });

  it.each([A, B])('no spelling the refusal of %s suggests is refused as ambiguous in turn', async (include) => {
    const refused = await restoreSnapshot(vault, crafted, path.join(dir, `crafted-${include.length}`), { include }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IncludeIsAmbiguousError);
    const suggested = [...(refused as Error).message.matchAll(/`--include ([^`]+)`/g)].map((m) => shellWordsAfterSpaces(` ${m[1] ?? ''}`)?.[0]);
    for (const spelling of suggested) {
      if (spelling === undefined) throw new Error(`a suggested spelling does not read back as one shell word: ${(refused as Error).message}`);
      const target = path.join(dir, `crafted-${include.length}-${spelling.length}`);
      await expect(restoreSnapshot(vault, crafted, target, { include: spelling })).resolves.toMatchObject({ files: 1 });
    }
  });
});
