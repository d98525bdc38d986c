import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { IncludeMatchesNothingError, restoreSnapshot } from '../../../../vault/restorer/restore';
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
