import { AbortMultipartUploadCommand, type AbortMultipartUploadCommandInput, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { abandonRestore } from '../../../../lambdas/restore/abandon-restore';
import { type RestorePlanDocument, type RestoreShard } from '../../../../lambdas/restore/restore-plan-document';
import { type ResolvedRestore } from '../../../../lambdas/restore/resolved-restore';
import { piecePathFor } from '../../../../vault/restorer/target-path';
import { servePlanObjects } from '../../../support/memory-plan-store';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * The failure path of a planned restore: the entries the plan restores in pieces leave no multipart
 * upload (S3 bills its parts until it is aborted) and no piece file; nothing else is touched.
 */
// One mock for every S3Client (aws-sdk-client-mock mocks the class): the plan bucket's objects and the target's uploads.
const s3 = mockClient(S3Client);
const stored = new Map<string, string>();
let dir: string;

beforeAll(async () => {
  dir = await tempDir('abandon-restore');
});
afterAll(async () => {
  s3.restore();
  await removeDir(dir);
});
beforeEach(() => {
  s3.reset();
  stored.clear();
  servePlanObjects(s3, stored);
});

const deps = () => ({ planS3: new S3Client({ region: 'us-east-1' }), planBucket: 'vault', targetS3: new S3Client({ region: 'us-east-1' }), directory: (p: string) => path.join(dir, 'fs', p) });

/** A plan whose entries `split` (path → upload) are restored in 2 pieces each, beside one whole-entry shard. */
function storePlan(restoreId: string, target: ResolvedRestore['target'], split: Array<{ path: string; key?: string; uploadId?: string }>): string {
  const shards: RestoreShard[] = [{ index: 0, first: 'a', last: 'b', entries: 2, bytes: 10 }];
  for (const entry of split) {
    for (const [i, start] of [0, 8].entries()) {
      shards.push({
        index: shards.length,
        first: entry.path,
        last: entry.path,
        entries: 1,
        bytes: 8,
        piece: { start, end: start + 8, firstPart: i + 1, partSize: 8, pieces: 2, ...(entry.uploadId ? { uploadId: entry.uploadId, key: entry.key ?? entry.path } : {}) },
      });
    }
  }
  const plan: RestorePlanDocument = {
    restore: {
      restoreId,
      source: { name: 'files', type: target.type === 's3' ? 's3' : 'filesystem' },
      backupId: '20260301T100000Z-1a2b3c4d',
      backupStartedAt: '2026-03-01T10:00:00.000Z',
      snapshotId: 'a'.repeat(64),
      vault: 'primary',
      target,
      overwrite: false,
      keepSetIdBits: false,
      prefix: '',
      startedAt: '2026-03-01T11:00:00.000Z',
    },
    entries: 2 + split.length,
    bytes: 10 + 16 * split.length,
    shards,
  };
  const key = `restore-plans/${restoreId}.json`;
  stored.set(key, JSON.stringify(plan));
  return key;
}

it('aborts the multipart upload of each S3 entry restored in pieces, once, by its key and upload id', async () => {
  const aborted: AbortMultipartUploadCommandInput[] = [];
  s3.on(AbortMultipartUploadCommand).callsFake((input: AbortMultipartUploadCommandInput) => {
    aborted.push(input);
    if (input.UploadId === 'gone') throw Object.assign(new Error('no such upload'), { name: 'NoSuchUpload' });
    return {};
  });
  const planKey = storePlan('r-s3', { type: 's3', bucket: 'target', prefix: 'restored/' }, [
    { path: 'big.bin', key: 'restored/big.bin', uploadId: 'u-1' },
    { path: 'huge.bin', key: 'restored/huge.bin', uploadId: 'gone' },
  ]);
  expect(await abandonRestore({ planKey }, deps())).toEqual({ restoreId: 'r-s3', abortedUploads: 2, removedPieceFiles: 0 });
  expect(aborted.map((a) => [a.Bucket, a.Key, a.UploadId])).toEqual([
    ['target', 'restored/big.bin', 'u-1'],
    ['target', 'restored/huge.bin', 'gone'],
  ]);
});

it('fails with S3\'s error when an upload cannot be aborted (the step retries or reports it)', async () => {
  s3.on(AbortMultipartUploadCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
  const planKey = storePlan('r-denied', { type: 's3', bucket: 'target', prefix: '' }, [{ path: 'big.bin', uploadId: 'u-1' }]);
  await expect(abandonRestore({ planKey }, deps())).rejects.toMatchObject({ name: 'AccessDenied' });
});

it('unpins the restore\'s backup first, so that a failure to abort the uploads leaves no pin behind', async () => {
  s3.on(AbortMultipartUploadCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
  const planKey = storePlan('r-pinned', { type: 's3', bucket: 'target', prefix: '' }, [{ path: 'big.bin', uploadId: 'u-1' }]);
  const released: string[] = [];
  const releasePin = (r: { restoreId: string; backupId: string; vault: string }) => Promise.resolve(void released.push(`${r.restoreId} ${r.backupId} ${r.vault}`));
  await expect(abandonRestore({ planKey }, { ...deps(), releasePin })).rejects.toMatchObject({ name: 'AccessDenied' });
  expect(released).toEqual(['r-pinned 20260301T100000Z-1a2b3c4d primary']);
});

it('removes the piece file of each file restored in pieces and nothing else', async () => {
  const target = path.join(dir, 'fs', 'restore-files');
  await fs.mkdir(path.join(target, 'sub'), { recursive: true });
  const pieceFile = piecePathFor(path.join(target, 'sub', 'big.bin'), 'r-files') as string;
  await fs.writeFile(pieceFile, Buffer.alloc(4096, 1));
  await fs.writeFile(path.join(target, 'a'), 'kept');
  const planKey = storePlan('r-files', { type: 'filesystem', path: '/restore-files' }, [{ path: 'sub/big.bin' }, { path: 'never-started.bin' }]);
  expect(await abandonRestore({ planKey }, deps())).toEqual({ restoreId: 'r-files', abortedUploads: 0, removedPieceFiles: 2 });
  expect((await fs.readdir(path.join(target, 'sub'))).sort()).toEqual([]);
  expect(await fs.readFile(path.join(target, 'a'), 'utf8')).toBe('kept');
  // Again: nothing left to remove, and no error.
  expect(await abandonRestore({ planKey }, deps())).toMatchObject({ removedPieceFiles: 2 });
});

it('does nothing for a plan without pieces, or a target directory the plan never made', async () => {
  s3.on(AbortMultipartUploadCommand).rejects(new Error('must not be called'));
  expect(await abandonRestore({ planKey: storePlan('r-whole', { type: 's3', bucket: 'target', prefix: '' }, []) }, deps())).toEqual({ restoreId: 'r-whole', abortedUploads: 0, removedPieceFiles: 0 });
  expect(await abandonRestore({ planKey: storePlan('r-nodir', { type: 'filesystem', path: '/never-made' }, [{ path: 'big.bin' }]) }, deps())).toEqual({ restoreId: 'r-nodir', abortedUploads: 0, removedPieceFiles: 0 });
});
