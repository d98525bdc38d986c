import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type WalkProblem, walkTree } from '../../../../vault/archiver/tree-walker';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * A directory replaced by a symlink after the walk met it: listed and stat'ed by its path, its "entries" were the
 * symlink target's, backed up as if inside the tree (a file outside the source restored under its name), with nothing
 * reported. The walk now checks the directory is still a directory, after listing it and after its children's lstats.
 * One renamed away and made again is walked as it is now: it is inside the tree.
 */
it('leaves out, and reports, a directory replaced by a symlink while the tree is walked', async () => {
  const dir = await tempDir('dir-replaced');
  try {
    const root = path.join(dir, 'root');
    const outside = path.join(dir, 'outside');
    await fs.mkdir(path.join(root, 'd'), { recursive: true });
    await fs.writeFile(path.join(root, 'd', 'x'), 'inside');
    await fs.writeFile(path.join(root, 'z'), 'after d');
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'secret'), 'outside the tree');
    const problems: WalkProblem[] = [];
    const met: string[] = [];
    for await (const entry of walkTree(root, { onProblem: (p) => problems.push(p) })) {
      met.push(`${entry.kind} ${entry.rel}`);
      if (entry.rel === 'd') {
        // Between the walk's lstat of d and its listing, as a process writing the tree might.
        await fs.rename(path.join(root, 'd'), path.join(dir, 'd.old'));
        await fs.symlink(outside, path.join(root, 'd'));
      }
    }
    expect(met).toEqual(['dir d', 'file z']);
    expect(problems).toEqual([{ rel: 'd', reason: 'unreadable', message: 'replaced while the tree was walked (no longer a directory: a symlink, or gone): its entries are left out' }]);
  } finally {
    await removeDir(dir);
  }
});

it('walks a directory renamed away and made again meanwhile as it is now (it is inside the tree)', async () => {
  const dir = await tempDir('dir-remade');
  try {
    const root = path.join(dir, 'root');
    await fs.mkdir(path.join(root, 'd'), { recursive: true });
    await fs.writeFile(path.join(root, 'd', 'old'), 'old');
    const met: string[] = [];
    const problems: WalkProblem[] = [];
    for await (const entry of walkTree(root, { onProblem: (p) => problems.push(p) })) {
      met.push(`${entry.kind} ${entry.rel}`);
      if (entry.rel === 'd') {
        await fs.rename(path.join(root, 'd'), path.join(dir, 'd.old'));
        await fs.mkdir(path.join(root, 'd'));
        await fs.writeFile(path.join(root, 'd', 'new'), 'new');
      }
    }
    expect(met).toEqual(['dir d', 'file d/new']);
    expect(problems).toEqual([]);
  } finally {
    await removeDir(dir);
  }
});
