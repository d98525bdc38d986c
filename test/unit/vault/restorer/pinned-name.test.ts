import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { reachWithoutLinks } from '../../../../vault/restorer/pinned-name';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/** reachWithoutLinks walks a restore target's directories one at a time; its open descriptors must not outlive a call. */
describe('reachWithoutLinks', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('pinned-name');
    await fs.mkdir(path.join(dir, 'a', 'b'), { recursive: true });
    await fs.writeFile(path.join(dir, 'a', 'b', 'f'), 'x');
    await fs.symlink(path.join(dir, 'a'), path.join(dir, 'link'));
  });
  afterAll(() => removeDir(dir));

  const openDescriptors = async (): Promise<number> => (await fs.readdir('/proc/self/fd')).length;

  it('reaches a name through real directories, and not through a symlink', async () => {
    const reached = await reachWithoutLinks(dir, path.join(dir, 'a', 'b', 'f'));
    expect(reached).not.toBeNull();
    expect(await fs.readFile(reached?.path ?? '', 'utf8')).toBe('x');
    await reached?.close();
    expect(await reachWithoutLinks(dir, path.join(dir, 'link', 'b', 'f'))).toBeNull();
  });

  it('closes what it opened when a directory on the way fails with an error it does not expect (ENAMETOOLONG)', async () => {
    const before = await openDescriptors();
    const tooLong = path.join(dir, 'a', 'n'.repeat(300), 'f');
    for (let i = 0; i < 5; i++) await expect(reachWithoutLinks(dir, tooLong)).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
    expect(await openDescriptors()).toBe(before);
  });
});
