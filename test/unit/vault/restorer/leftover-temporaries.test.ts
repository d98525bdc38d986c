import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit, vaultRestore } from '../../../../cli/commands/vault-commands';
import { type FsPath } from '../../../../vault/platform/posix-calls';
import { type EntryAttributes } from '../../../../vault/restorer/entry-attributes';
import { RestoreTarget } from '../../../../vault/restorer/restore-target';
import { isTempName, tempPathFor } from '../../../../vault/restorer/target-path';
import { pseudoRandomBytes, readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { recordingCliIo } from '../../../support/captured-cli-io';

/**
 * What a killed restore leaves at temporary names (`.<name>.lifeboat-<random>.tmp`, partly written)
 * is removed by the next restore into the same target, and nothing else is: names a user chose
 * that merely look alike stay, byte for byte.
 */
let dir: string;
beforeEach(async () => {
  dir = await tempDir('leftover-temporaries');
});
afterEach(async () => removeDir(dir));

const attributes: EntryAttributes = { mode: 0o644, mtimeNs: 1_700_000_000_000_000_000n, uid: null, gid: null, xattrs: null };

/** A name tempPathFor makes for `name`, as a killed restore would have left it. */
function leftoverName(name: string): string {
  return path.basename(tempPathFor(path.join(dir, name)) as string);
}

/** User files that look like temporary files but are not tempPathFor's: each must survive. */
const LOOK_ALIKES = ['.x.lifeboat-notes.tmp', '.f.txt.lifeboat-0123456789AB.tmp', '.f.txt.lifeboat-0123456789ab.tmp.bak', 'f.txt.lifeboat-0123456789ab.tmp', '.lifeboat-0123456789ab.tmp', '.f.txt.lifeboat-0123456789a.tmp'];

describe('isTempName', () => {
  it('matches every name tempPathFor makes: short, cut to 100 bytes, and not UTF-8', () => {
    const longName = 'é'.repeat(200);
    const notUtf8 = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xff, 0xfe, 0x41])]);
    const temps = [tempPathFor(path.join(dir, 'f.txt')), tempPathFor(path.join(dir, longName)), tempPathFor(notUtf8)];
    const names = temps.map((t) => baseBytes(t));
    expect(names.map((n) => isTempName(n))).toEqual([true, true, true]);
  });

  it('does not match names a user may have chosen that only look alike', () => {
    expect(LOOK_ALIKES.filter((n) => isTempName(Buffer.from(n)))).toEqual([]);
    // A name part longer than the 100 bytes tempPathFor keeps is not one of its names either.
    expect(isTempName(Buffer.from(`.${'a'.repeat(101)}.lifeboat-0123456789ab.tmp`))).toBe(false);
  });
});

describe('RestoreTarget leftoverTemporaries', () => {
  async function plant(root: string): Promise<{ leftovers: FsPath[]; userFiles: Map<string, Buffer>; tempNamedDir: string }> {
    await fs.mkdir(path.join(root, 'd'), { recursive: true });
    const leftovers: FsPath[] = [path.join(root, 'd', leftoverName('f.txt')), path.join(root, leftoverName('top.bin'))];
    for (const [i, p] of leftovers.entries()) await fs.writeFile(p, pseudoRandomBytes(5000, i + 1), { mode: 0o600 });
    // A temporary symlink and a temporary name that is not UTF-8 are leftovers too.
    const link = path.join(root, 'd', leftoverName('l'));
    await fs.symlink('/nowhere', link);
    leftovers.push(link);
    const notUtf8 = tempPathFor(Buffer.concat([Buffer.from(`${root}/d/`), Buffer.from([0xff, 0x41])]));
    await fs.writeFile(notUtf8, 'partial');
    leftovers.push(notUtf8);
    const userFiles = new Map<string, Buffer>();
    for (const [i, name] of LOOK_ALIKES.entries()) {
      const p = path.join(root, 'd', name);
      userFiles.set(p, pseudoRandomBytes(300 + i, 100 + i));
      await fs.writeFile(p, userFiles.get(p) as Buffer);
    }
    // A directory at a temporary name is not the restore's: it stays.
    const tempNamedDir = leftoverName('sub');
    await fs.mkdir(path.join(root, 'd', tempNamedDir));
    // A killed restore's files are old: unchanged for longer than LEFTOVER_TEMPORARY_AGE_MS.
    for (const p of [...leftovers, ...userFiles.keys()]) await makeOld(p);
    return { leftovers, userFiles, tempNamedDir };
  }

  async function restoreInto(target: RestoreTarget): Promise<Buffer> {
    const content = pseudoRandomBytes(20_000, 7);
    await target.makeDirectory('');
    await target.makeDirectory('d');
    await target.writeFile('d/f.txt', attributes, content.length, async (fh) => (await fh.write(content, 0, content.length, 0)).bytesWritten);
    return content;
  }

  it('removes the leftovers of a killed restore from directories that were there, leaving look-alikes and directories', async () => {
    const root = path.join(dir, 't');
    const { leftovers, userFiles, tempNamedDir } = await plant(root);
    const removed: FsPath[] = [];
    const target = new RestoreTarget(root, { owner: 'never', overwrite: true, leftoverTemporaries: { removed: (p) => removed.push(p) } });
    const content = await restoreInto(target);

    expect(await fs.readFile(path.join(root, 'd', 'f.txt'))).toEqual(content);
    expect(removed.map(String).sort()).toEqual(leftovers.map(String).sort());
    for (const p of leftovers) await expect(fs.lstat(p)).rejects.toMatchObject({ code: 'ENOENT' });
    for (const [p, bytes] of userFiles) expect(await fs.readFile(p)).toEqual(bytes);
    // Of temporary names only the directory is left: none of this restore's own files either.
    const names = (await fs.readdir(path.join(root, 'd'))).filter((n) => isTempName(Buffer.from(n)));
    expect(names).toEqual([tempNamedDir]);
    expect((await fs.lstat(path.join(root, 'd', tempNamedDir))).isDirectory()).toBe(true);
  });

  it('leaves one changed within LEFTOVER_TEMPORARY_AGE_MS: another restore into the target may be writing it (review 40f)', async () => {
    const root = path.join(dir, 't');
    const { leftovers } = await plant(root);
    const live = path.join(root, 'd', leftoverName('big.bin'));
    await fs.writeFile(live, pseudoRandomBytes(4000, 42), { mode: 0o600 });
    const removed: FsPath[] = [];
    const recent: FsPath[] = [];
    await restoreInto(new RestoreTarget(root, { owner: 'never', overwrite: true, leftoverTemporaries: { removed: (p) => removed.push(p), leftRecent: (p) => recent.push(p) } }));
    expect(recent.map(String)).toEqual([live]);
    expect(await fs.readFile(live)).toEqual(pseudoRandomBytes(4000, 42));
    expect(removed.map(String).sort()).toEqual(leftovers.map(String).sort());
  });

  it('leaves them when not asked (the restore workflow, whose shards write side by side)', async () => {
    const root = path.join(dir, 't');
    const { leftovers } = await plant(root);
    await restoreInto(new RestoreTarget(root, { owner: 'never', overwrite: true }));
    for (const p of leftovers) expect(await fs.lstat(p)).toBeTruthy();
  });
});

describe('lifeboat vault restore --overwrite after a killed restore', () => {

  it('removes the leftovers, says how many, keeps a look-alike user file and restores byte for byte', async () => {
    const vault = path.join(dir, 'vault');
    const keyFile = path.join(dir, 'key');
    const src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'sub'), { recursive: true });
    await fs.writeFile(path.join(src, 'sub', 'data.bin'), pseudoRandomBytes(300_000, 3));
    await fs.writeFile(path.join(src, 'note.txt'), 'restored note\n');
    const io = recordingCliIo();
    expect(await vaultInit({ vault, keyFile }, { io })).toBe(0);
    expect(await vaultBackup(src, { vault, keyFile }, { io })).toBe(0);

    const target = path.join(dir, 'restored');
    await fs.mkdir(path.join(target, 'sub'), { recursive: true });
    const leftovers = [path.join(target, 'sub', leftoverName('data.bin')), path.join(target, leftoverName('note.txt'))];
    for (const p of leftovers) await fs.writeFile(p, pseudoRandomBytes(1000, 9), { mode: 0o600 });
    const userFile = path.join(target, 'sub', '.x.lifeboat-notes.tmp');
    await fs.writeFile(userFile, 'my notes\n');
    for (const p of [...leftovers, userFile]) await makeOld(p);

    const run = recordingCliIo();
    expect(await vaultRestore('latest', { vault, keyFile, target, overwrite: true }, { io: run })).toBe(0);
    expect(run.errors.join('\n')).toContain('Removed 2 temporary file(s) (.<name>.lifeboat-<random>.tmp) that an interrupted restore had left in the target');
    for (const p of leftovers) await expect(fs.lstat(p)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await fs.readFile(userFile, 'utf8')).toBe('my notes\n');
    await fs.rm(userFile);
    expect(await readTree(target)).toEqual(await readTree(src));
  });
});

function baseBytes(p: FsPath): Buffer {
  const bytes = typeof p === 'string' ? Buffer.from(p) : p;
  return bytes.subarray(bytes.lastIndexOf(0x2f) + 1);
}

/** Sets `p`'s times (a symlink's own) to two hours ago: a killed restore's leftover, unchanged since. */
async function makeOld(p: FsPath): Promise<void> {
  const then = (Date.now() - 2 * 3_600_000) / 1000;
  await fs.lutimes(p, then, then);
}
