import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as path from 'node:path';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { type ResolvedRestore } from '../../../../lambdas/restore/resolved-restore';
import { InvalidInputError } from '../../../../lambdas/runtime/errors';
import { s3EntryPath } from '../../../../lambdas/sources/s3-entry-path';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { mockedRestoreIo } from '../../../support/restore-fixtures';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Audit R1 F3: S3 keys are at most 1,024 bytes, and a backed-up key of 1,024 bytes is valid; a
 * target prefix makes its restored key longer. In AWS only the shard holding it would fail
 * (KeyTooLongError), after the other shards wrote their objects: the plan refuses first, naming
 * target.prefix and the key, and writes nothing (no plan, no upload, no table, no directory).
 */
const s3 = mockClient(S3Client);
/** 1,024 bytes, as the audit's source held it: five 199-byte segments, then 24 bytes. */
const LONGEST = `${`${'k'.repeat(199)}/`.repeat(5)}${'k'.repeat(24)}`;

let dir: string;
let vault: Vault;
let snapshot: Snapshot;

beforeAll(async () => {
  dir = await tempDir('plan-restore-key-length');
  ({ vault } = await newTestVault(dir));
  const writer = await vault.newSnapshotWriter({ parent: null });
  for (const key of ['a.txt', LONGEST, 'z/é.txt']) {
    await writer.add({ path: s3EntryPath(key), kind: 'object', meta: { key, metadata: {}, tags: {}, etag: '', size: 1, lastModified: '' }, content: Buffer.from('x') });
  }
  snapshot = await vault.commitSnapshot({ source: { kind: 's3', id: 'assets', bucket: 'assets', prefix: '' }, parts: [await writer.finish()] });
});
afterAll(async () => {
  s3.restore();
  await removeDir(dir);
});
beforeEach(() => s3.reset());

function restoreTo(prefix: string, filter = ''): ResolvedRestore {
  return {
    restoreId: 'r-key-length',
    source: { name: 'assets', type: 's3' },
    backupId: '20260301T100000Z-1a2b3c4d',
    backupStartedAt: new Date().toISOString(),
    snapshotId: snapshot.id,
    vault: 'primary',
    target: { type: 's3', bucket: 'lifeboat-dev-restore-assets', prefix },
    overwrite: false,
    keepSetIdBits: false,
    prefix: filter,
    startedAt: new Date().toISOString(),
  };
}

const io = () => mockedRestoreIo(vault, (p) => path.join(dir, 'fs', p));

it('refuses a target prefix that makes a backed-up key longer than 1,024 bytes, naming target.prefix and the key, before writing anything', async () => {
  const error = await planRestore(restoreTo('restored/'), { map: 'inline', maxConcurrency: 2 }, io()).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  const message = (error as Error).message;
  expect(message).toContain('target.prefix "restored/" (9 bytes) makes restored key');
  expect(message).toContain(`"restored/${'k'.repeat(51)}…${'k'.repeat(20)}" 1033 bytes long, over S3's limit of 1024 bytes (KeyTooLongError)`);
  expect(message).toContain('nothing was restored and the target was not touched: restore it without a target.prefix');
  // Neither the plan bucket nor the target bucket got a request: no plan, no multipart upload.
  expect(s3.calls()).toHaveLength(0);
});

it('plans the same restore when the prefix leaves every key within the limit (a filter that leaves the long key out, or no prefix)', async () => {
  const written = new Map<string, string>();
  servePlanObjects(s3, written);
  await expect(planRestore(restoreTo('restored/', 'z/'), { map: 'inline', maxConcurrency: 2 }, io())).resolves.toMatchObject({ entries: 1 });
  await expect(planRestore(restoreTo(''), { map: 'inline', maxConcurrency: 2 }, io())).resolves.toMatchObject({ entries: 3 });
});
