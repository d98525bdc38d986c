import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { walkIdentities, walkTree } from '../../../../vault/archiver/tree-walker';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * The archiver's `exclude`: paths left out of a backup with all they hold — above all the vault the
 * backup writes to, when it lies inside the directory backed up — compared by device and inode, so a
 * path named through a symlink is caught wherever the walk meets it.
 */
describe('a backup told to leave paths out', () => {
  let dir: string;
  let src: string;
  beforeEach(async () => {
    dir = await tempDir('excluded-paths');
    src = path.join(dir, 'src');
    await fs.mkdir(path.join(src, 'docs'), { recursive: true });
    await fs.writeFile(path.join(src, 'docs', 'a.txt'), 'a\n');
    await fs.writeFile(path.join(src, 'big.bin'), pseudoRandomBytes(40_000, 5));
  });
  afterEach(async () => removeDir(dir));

  it('leaves out the vault it writes to, named through a symlink from outside the source, and says so', async () => {
    // The vault (and its key file) in src/backups: a vault kept next to the data it protects.
    await fs.mkdir(path.join(src, 'backups'));
    const { vault } = await newTestVault(path.join(src, 'backups'));
    const link = path.join(dir, 'vault-link');
    await fs.symlink(path.join(src, 'backups', 'vault'), link);

    const first = await backupDirectory(vault, src, { exclude: [link] });
    const second = await backupDirectory(vault, src, { exclude: [link] });
    for (const { snapshot, excluded, skipped } of [first, second]) {
      const paths: string[] = [];
      for await (const e of vault.entries(snapshot)) paths.push(e.path);
      expect(paths).toEqual(['backups', 'backups/key', 'big.bin', 'docs', 'docs/a.txt']);
      expect(excluded).toEqual([{ path: 'backups/vault', excludedAs: link }]);
      expect(skipped).toEqual([]);
    }
  });

  it('refuses a source that is, or lies inside, a path to leave out, naming both', async () => {
    const { vault } = await newTestVault(dir);
    const vaultDir = path.join(dir, 'vault');
    const inside = path.join(vaultDir, 'inside');
    await fs.mkdir(inside);
    await expect(backupDirectory(vault, vaultDir, { exclude: [vaultDir] })).rejects.toThrow(`the backup source ${vaultDir} is ${vaultDir}, which this backup is told to leave out: back up a directory outside it`);
    await expect(backupDirectory(vault, inside, { exclude: [vaultDir] })).rejects.toThrow(
      `the backup source ${inside} lies inside ${vaultDir}, which this backup is told to leave out: back up a directory outside it`,
    );
    // A path that does not exist leaves nothing out.
    const { excluded, snapshot } = await backupDirectory(vault, src, { exclude: [path.join(dir, 'no-such-dir')] });
    expect(excluded).toEqual([]);
    const paths: string[] = [];
    for await (const e of vault.entries(snapshot)) paths.push(e.path);
    expect(paths).toEqual(['big.bin', 'docs', 'docs/a.txt']);
  });
});

describe('walkTree with exclude', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('walk-exclude');
  });
  afterEach(async () => removeDir(dir));

  it('leaves out an entry by identity however it is named: a directory, and a file with every hard link to it, also in a walk of named subtrees', async () => {
    await fs.mkdir(path.join(dir, 'root', 'keep', 'skip-me', 'deep'), { recursive: true });
    await fs.writeFile(path.join(dir, 'root', 'keep', 'skip-me', 'deep', 'x'), 'x');
    await fs.writeFile(path.join(dir, 'root', 'keep', 'secret'), 's');
    await fs.link(path.join(dir, 'root', 'keep', 'secret'), path.join(dir, 'root', 'secret-link'));
    await fs.writeFile(path.join(dir, 'root', 'z'), 'z');
    const exclude = await walkIdentities([path.join(dir, 'root', 'keep', 'skip-me'), path.join(dir, 'root', 'keep', 'secret')]);
    const walk = async (names?: string[]): Promise<{ met: string[]; left: string[] }> => {
      const met: string[] = [];
      const left: string[] = [];
      for await (const e of walkTree(path.join(dir, 'root'), { exclude, onExcluded: (rel) => left.push(rel), ...(names ? { names } : {}) })) met.push(e.rel);
      return { met, left };
    };
    expect(await walk()).toEqual({ met: ['keep', 'z'], left: ['keep/secret', 'keep/skip-me', 'secret-link'] });
    expect(await walk(['keep'])).toEqual({ met: ['keep'], left: ['keep/secret', 'keep/skip-me'] });
  });
});
