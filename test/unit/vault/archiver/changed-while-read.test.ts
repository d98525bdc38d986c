import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { readEntry } from '../../../../vault/restorer/restore';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * A file that changes while the backup reads it is kept as read and named (tar's "file changed as we
 * read it"). The change is made deterministic through the archiver's lstat after the read, which
 * answers for one file as if it had grown by a byte meanwhile.
 */
describe('a file changed while it was read', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('changed-while-read');
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('is in the snapshot as read and named in `changed`; an unchanged file is not; the next backup reads it again', async () => {
    const { vault } = await newTestVault(dir);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    const torn = pseudoRandomBytes(200_000, 5);
    await fs.writeFile(path.join(src, 'torn.bin'), torn);
    await fs.writeFile(path.join(src, 'steady.bin'), pseudoRandomBytes(50_000, 6));
    const lstatAfterRead = async (file: string | Buffer) => {
      const real = await fs.lstat(file, { bigint: true });
      return String(file).endsWith('torn.bin') ? Object.assign(real, { size: real.size + 1n, mtimeNs: real.mtimeNs + 1n }) : real;
    };

    const first = await backupDirectory(vault, src, { parent: null, lstatAfterRead });
    expect(first.changed).toEqual(['torn.bin']);
    expect(first.skipped).toEqual([]);
    const parts: Buffer[] = [];
    for await (const b of readEntry(vault, first.snapshot, 'torn.bin')) parts.push(b);
    expect(Buffer.concat(parts).equals(torn)).toBe(true);

    // Its change token is the walker's, from before the read: once the change is on disk, the next backup reads it
    // (and only it) again, and the snapshot holds it whole.
    await fs.appendFile(path.join(src, 'torn.bin'), Buffer.from([7]));
    const second = await backupDirectory(vault, src);
    expect(second.changed).toEqual([]);
    expect(second.snapshot.stats.bytesScanned).toBe(200_001);
  });
});
