import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { IncludeIsAmbiguousError, IncludeMatchesNothingError, restoreSnapshot } from '../../../../vault/restorer/restore';
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
      `--include "${RESERVED_STORED}" of snapshot ${both.id.slice(0, 12)} is ambiguous, so nothing was restored and the target was not touched: ` +
        `it selects entries in two ways: as the backup stores names, the path stored as "${RESERVED_STORED}" (a name that is not UTF-8, or that starts with %lifeboat-escaped-, stored escaped), ` +
        `and, read as names on disk, the path "${RESERVED_STORED}" itself, which the backup stores as "${ON_DISK_STORED}". ` +
        `To restore the second, give "${ON_DISK_STORED}"; to restore the first, give the names as they are on disk, "${RESERVED}"`,
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
