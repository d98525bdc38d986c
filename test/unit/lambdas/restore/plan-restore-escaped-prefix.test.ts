import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { restorePlanDocumentSchema } from '../../../../lambdas/restore/restore-plan-document';
import { type ResolvedRestore } from '../../../../lambdas/restore/resolved-restore';
import { restoreShardBatch } from '../../../../lambdas/restore/restore-shard';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { mockedRestoreIo, resolvedFileRestore } from '../../../support/restore-fixtures';

/**
 * `lifeboat restore --prefix` of names a backup stores escaped (audit a58A F2): a name that starts with
 * `%lifeboat-escaped-` is stored as `%lifeboat-escaped-name-<base64url>`, and the filter matched stored paths only, so
 * the name as it is on disk matched nothing. The plan now also tries the path with its names escaped as the backup
 * escaped them; a name that is not UTF-8 (which JSON cannot carry) is selected by its escaped form, and the refusal of
 * a prefix that matches nothing says so.
 */
const planS3 = mockClient(S3Client);
const written = new Map<string, string>();
/** A directory whose name starts with the reserved prefix, a directory whose name is not UTF-8 ('caf' and 0xE9, Latin-1 é). */
const RESERVED = '%lifeboat-escaped-notes';
const LATIN1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
const LATIN1_STORED = `%lifeboat-escaped-name-${LATIN1.toString('base64url')}`;
const RESERVED_STORED = `%lifeboat-escaped-name-${Buffer.from(RESERVED).toString('base64url')}`;

let dir: string;
let vault: Vault;
let snapshot: Snapshot;

beforeAll(async () => {
  dir = await tempDir('plan-restore-escaped-prefix');
  ({ vault } = await newTestVault(dir));
  const src = path.join(dir, 'src');
  await fs.mkdir(path.join(src, RESERVED, 'inner'), { recursive: true });
  await fs.writeFile(path.join(src, RESERVED, 'inner', 'a.txt'), pseudoRandomBytes(3000, 1));
  await fs.writeFile(path.join(src, RESERVED, 'b.txt'), pseudoRandomBytes(500, 2));
  const latin1Dir = Buffer.concat([Buffer.from(`${src}/`), LATIN1]);
  await fs.mkdir(latin1Dir);
  await fs.writeFile(Buffer.concat([latin1Dir, Buffer.from('/c.txt')]), pseudoRandomBytes(700, 3));
  await fs.mkdir(path.join(src, 'plain'));
  await fs.writeFile(path.join(src, 'plain', 'd.txt'), pseudoRandomBytes(200, 4));
  snapshot = (await backupDirectory(vault, src)).snapshot;
  await fs.mkdir(path.join(dir, 'fs'));
});
afterAll(async () => {
  planS3.restore();
  await CodecPool.shutdownShared();
  await removeDir(dir);
});
beforeEach(() => {
  written.clear();
  planS3.reset();
  servePlanObjects(planS3, written);
});

function io(): RestoreIo {
  return mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));
}

function filtered(restoreId: string, prefix: string): ResolvedRestore {
  return { ...resolvedFileRestore({ restoreId, snapshotId: snapshot.id, target: { type: 'filesystem', path: `/${restoreId}` } }), prefix };
}

/** Plans and runs every shard of the restore, as the workflow does; returns the plan's filter. */
async function restore(restoreId: string, prefix: string): Promise<string> {
  const planned = await planRestore(filtered(restoreId, prefix), { map: 'distributed', maxConcurrency: 2 }, io());
  const shards = Array.from({ length: planned.shardCount }, (_, shardIndex) => ({ shardIndex }));
  await restoreShardBatch({ BatchInput: { restoreId, planKey: planned.planKey }, Items: shards }, io());
  return restorePlanDocumentSchema.parse(JSON.parse(written.get(planned.planKey) ?? 'null')).restore.prefix;
}

/** The restored tree: relative path (its bytes as latin1, so a name that is not UTF-8 keeps them) → file content. */
async function files(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (at: Buffer, rel: string): Promise<void> => {
    for (const entry of await fs.readdir(at, { withFileTypes: true, encoding: 'buffer' })) {
      const child = Buffer.concat([at, Buffer.from('/'), entry.name]);
      const name = `${rel}${entry.name.toString('latin1')}`;
      if (entry.isDirectory()) await walk(child, `${name}/`);
      else out.set(name, await fs.readFile(child));
    }
  };
  await walk(Buffer.from(root), '');
  return out;
}

it('restores a directory whose name starts with %lifeboat-escaped- by that name, equal to the source', async () => {
  expect(await restore('r-reserved', `${RESERVED}/inner`)).toBe(`${RESERVED_STORED}/inner`);
  expect(await files(path.join(dir, 'fs', 'r-reserved'))).toEqual(new Map([[`${RESERVED}/inner/a.txt`, pseudoRandomBytes(3000, 1)]]));
});

it('restores a directory whose name is not UTF-8 by its escaped form, equal to the source', async () => {
  expect(await restore('r-latin1', LATIN1_STORED)).toBe(LATIN1_STORED);
  expect(await files(path.join(dir, 'fs', 'r-latin1'))).toEqual(new Map([[`${LATIN1.toString('latin1')}/c.txt`, pseudoRandomBytes(700, 3)]]));
});

it('refuses a path that matches nothing either way, naming the escaped form of names and the one it tried', async () => {
  await expect(planRestore(filtered('r-nope', `${RESERVED}/missing`), { map: 'distributed', maxConcurrency: 2 }, io())).rejects.toMatchObject({
    name: 'InvalidInputError',
    message:
      `Invalid restore request: filter.prefix (\`lifeboat restore --prefix\`) "${RESERVED}/missing" matches no entry of backup 20260301T100000Z-1a2b3c4d of source files, ` +
      'so nothing was restored and the target was not touched; it is a path relative to the backed-up directory ("var/log"); a name that is not UTF-8, or that starts with %lifeboat-escaped-, ' +
      'is stored escaped, as %lifeboat-escaped-name-<base64url of its bytes>: give that segment as the backup stores it ' +
      `(the path with its names escaped so, "${RESERVED_STORED}/missing", was tried too and matches nothing either)`,
  });
  expect(written.size).toBe(0);
  await expect(fs.stat(path.join(dir, 'fs', 'r-nope'))).rejects.toMatchObject({ code: 'ENOENT' });
});

/**
 * Review r59D F4: a path as typed that is both a stored path (a name stored escaped) and, read as names on disk, a
 * directory literally so named selected the first silently. It is refused, naming how to give each.
 */
describe('a path that selects entries both as stored and as names on disk', () => {
  const LATIN1_STORED_STORED = `%lifeboat-escaped-name-${Buffer.from(LATIN1_STORED).toString('base64url')}`;
  const RESERVED_STORED_STORED = `%lifeboat-escaped-name-${Buffer.from(RESERVED_STORED).toString('base64url')}`;
  let both: Snapshot;

  beforeAll(async () => {
    // Each stored form also on disk as a directory's literal name.
    const src = path.join(dir, 'both');
    const latin1Dir = Buffer.concat([Buffer.from(`${src}/`), LATIN1]);
    await fs.mkdir(latin1Dir, { recursive: true });
    await fs.writeFile(Buffer.concat([latin1Dir, Buffer.from('/c.txt')]), pseudoRandomBytes(700, 3));
    await fs.mkdir(path.join(src, LATIN1_STORED));
    await fs.writeFile(path.join(src, LATIN1_STORED, 'e.txt'), pseudoRandomBytes(300, 5));
    await fs.mkdir(path.join(src, RESERVED));
    await fs.writeFile(path.join(src, RESERVED, 'x.txt'), pseudoRandomBytes(100, 6));
    await fs.mkdir(path.join(src, RESERVED_STORED));
    await fs.writeFile(path.join(src, RESERVED_STORED, 'y.txt'), pseudoRandomBytes(120, 7));
    both = (await backupDirectory(vault, src)).snapshot;
  });

  const ofBoth = (restoreId: string, prefix: string): ResolvedRestore => ({ ...filtered(restoreId, prefix), snapshotId: both.id });
  async function restoreBoth(restoreId: string, prefix: string): Promise<Map<string, Buffer>> {
    const planned = await planRestore(ofBoth(restoreId, prefix), { map: 'distributed', maxConcurrency: 2 }, io());
    await restoreShardBatch({ BatchInput: { restoreId, planKey: planned.planKey }, Items: Array.from({ length: planned.shardCount }, (_, shardIndex) => ({ shardIndex })) }, io());
    return files(path.join(dir, 'fs', restoreId));
  }

  it('refuses the escaped form of a name that is not UTF-8 when a directory is so named on disk, naming the form of each', async () => {
    await expect(planRestore(ofBoth('r-both-latin1', LATIN1_STORED), { map: 'distributed', maxConcurrency: 2 }, io())).rejects.toMatchObject({
      name: 'InvalidInputError',
      message:
        `Invalid restore request: filter.prefix (\`lifeboat restore --prefix\`) "${LATIN1_STORED}" of backup 20260301T100000Z-1a2b3c4d of source files is ambiguous, so nothing was restored and the target was not touched: ` +
        `it selects entries in two ways: as the backup stores names, the path stored as "${LATIN1_STORED}" (a name that is not UTF-8, or that starts with %lifeboat-escaped-, stored escaped), ` +
        `and, read as names on disk, the path "${LATIN1_STORED}" itself, which the backup stores as "${LATIN1_STORED_STORED}". ` +
        `To restore the second, give \`--prefix ${LATIN1_STORED_STORED}\`; to restore the first, restore the whole snapshot (no --prefix), as a name that is not UTF-8 has no other spelling`,
    });
    expect(written.size).toBe(0);
    await expect(fs.stat(path.join(dir, 'fs', 'r-both-latin1'))).rejects.toMatchObject({ code: 'ENOENT' });
    // The form it names for the directory so named on disk restores that one alone, equal to the source.
    expect(await restoreBoth('r-both-literal', LATIN1_STORED_STORED)).toEqual(new Map([[`${LATIN1_STORED}/e.txt`, pseudoRandomBytes(300, 5)]]));
  });

  it('names the names on disk of a stored name that is UTF-8, and each form restores only its own directory', async () => {
    await expect(planRestore(ofBoth('r-both-reserved', RESERVED_STORED), { map: 'distributed', maxConcurrency: 2 }, io())).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(new RegExp(`To restore the second, give \`--prefix ${RESERVED_STORED_STORED}\`; to restore the first, give the names as they are on disk, \`--prefix ${RESERVED}\`$`)),
    });
    expect(await restoreBoth('r-both-reserved-disk', RESERVED)).toEqual(new Map([[`${RESERVED}/x.txt`, pseudoRandomBytes(100, 6)]]));
    expect(await restoreBoth('r-both-reserved-literal', RESERVED_STORED_STORED)).toEqual(new Map([[`${RESERVED_STORED}/y.txt`, pseudoRandomBytes(120, 7)]]));
  });
});
