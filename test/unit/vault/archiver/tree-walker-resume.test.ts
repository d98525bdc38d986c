import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { walkTree } from '../../../../vault/archiver/tree-walker';
import { comparePaths } from '../../../../vault/manifest/manifest-entry';
import { buildHostileTree } from '../../../support/hostile-fixture-tree';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * walkTree's `after` (a resumable directory shard picks its walk up after the last path it stored):
 * the walk resumed after any path it met yields exactly the rest of the uninterrupted walk.
 */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('walk-resume');
});
afterAll(async () => {
  await removeDir(dir);
});

async function paths(root: string, options: { names?: string[]; after?: string } = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const e of walkTree(root, options)) out.push(e.rel);
  return out;
}

async function expectResumesAnywhere(root: string, names?: string[]): Promise<void> {
  const whole = await paths(root, names ? { names } : {});
  expect(whole.length).toBeGreaterThan(5);
  for (let i = 0; i < whole.length; i++) {
    expect(await paths(root, { ...(names ? { names } : {}), after: whole[i] as string })).toEqual(whole.slice(i + 1));
  }
}

it('resumes after any path of a tree whose names sort differently by bytes and by manifest order', async () => {
  const root = path.join(dir, 'order');
  for (const rel of ['a/b', 'a/c/d', 'a/c/e', 'a-b', 'a.txt', 'a0/x', 'b/deep/er/file', 'ü', '📦']) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), rel);
  }
  await mkdir(path.join(root, 'empty'));
  await expectResumesAnywhere(root);
  await expectResumesAnywhere(root, ['a-b', 'a', 'b', 'empty']);
  // A path that no longer exists (deleted since the cut) still resumes at its place in the order.
  expect(await paths(root, { after: 'a/c/d0' })).toEqual((await paths(root)).filter((p) => comparePaths(p, 'a/c/d0') > 0));
});

it('resumes after any path of a tree of names that are not UTF-8, special files and hard links', async () => {
  const root = path.join(dir, 'hostile');
  const { close } = await buildHostileTree(root);
  try {
    await expectResumesAnywhere(root);
  } finally {
    await close();
  }
});
