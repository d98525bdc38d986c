import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, type GetObjectCommandOutput, GetObjectTaggingCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { RestoreVerificationError } from '../../../../lambdas/restore/restore-errors';
import { type RestorePlanDocument } from '../../../../lambdas/restore/restore-plan-document';
import { type ResolvedRestore } from '../../../../lambdas/restore/resolved-restore';
import { restoreShard } from '../../../../lambdas/restore/restore-shard';
import { type RestoreIo } from '../../../../lambdas/restore/restore-io';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { type Vault } from '../../../../vault/repository/vault';
import { CodecPool } from '../../../../vault/workers/codec-pool';
import { newTestVault, pseudoRandomBytes, removeDir, tempDir } from '../../../support/vault-test-helpers';

const planS3 = mockClient(S3Client);

/** Many chunks under the test vault's small chunker (1–16 KiB). */
const BIG = pseudoRandomBytes(300 * 1024, 11);
const SMALL = Buffer.from('a few bytes\n');

/**
 * The content check of the verify step: every byte read back from the target must be the backup's.
 * Run with the codec worker pool and without it (in-thread codec), as a Lambda may run either.
 */
describe.each([
  ['on the codec worker threads', '2'],
  ['in-thread (worker threads off)', '0'],
])('verifyRestore reads restored content back against the backup %s', (_label, workers) => {
  let dir: string;
  let vault: Vault;
  let snapshot: Snapshot;
  const saved = process.env.LIFEBOAT_VAULT_WORKERS;
  beforeAll(async () => {
    await CodecPool.shutdownShared();
    process.env.LIFEBOAT_VAULT_WORKERS = workers;
    dir = await tempDir('verify-restore-content');
    ({ vault } = await newTestVault(dir));
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'big.bin'), BIG);
    await fs.writeFile(path.join(src, 'small.txt'), SMALL);
    await fs.writeFile(path.join(src, 'empty'), '');
    snapshot = (await backupDirectory(vault, src)).snapshot;
  });
  afterAll(async () => {
    planS3.reset();
    await CodecPool.shutdownShared();
    if (saved === undefined) delete process.env.LIFEBOAT_VAULT_WORKERS;
    else process.env.LIFEBOAT_VAULT_WORKERS = saved;
    await removeDir(dir);
  });

  function io(targetS3: S3Client = new S3Client({ region: 'us-east-1' })): RestoreIo {
    return {
      openVault: () => Promise.resolve(vault),
      planS3: new S3Client({ region: 'us-east-1' }),
      planBucket: 'vault',
      targetS3,
      dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
      directory: (p) => path.join(dir, 'fs', p),
    };
  }

  function servePlan(restoreId: string, target: ResolvedRestore['target']): string {
    const plan: RestorePlanDocument = {
      restore: {
        restoreId,
        source: { name: 'files', type: 'filesystem' },
        backupId: '20260301T100000Z-1a2b3c4d',
        backupStartedAt: new Date().toISOString(),
        snapshotId: snapshot.id,
        vault: 'primary',
        target,
        overwrite: false,
        keepSetIdBits: false,
        prefix: '',
        startedAt: new Date().toISOString(),
      },
      entries: 0,
      bytes: 0,
      shards: [{ index: 0, first: '', last: '\uffff', entries: 0, bytes: 0 }],
    };
    planS3.reset();
    planS3.on(GetObjectCommand).callsFake(() => ({ Body: { transformToString: () => Promise.resolve(JSON.stringify(plan)) } as unknown as GetObjectCommandOutput['Body'] }));
    return `restore-plans/${restoreId}.json`;
  }

  async function restoreToDirectory(name: string): Promise<{ planKey: string; target: string }> {
    const planKey = servePlan(`r-${name}`, { type: 'filesystem', path: `/${name}` });
    await restoreShard({ restoreId: `r-${name}`, planKey, shardIndex: 0 }, io());
    return { planKey, target: path.join(dir, 'fs', name) };
  }

  async function verifyError(planKey: string, deps: RestoreIo): Promise<RestoreVerificationError> {
    const error = await verifyRestore({ planKey }, deps).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(RestoreVerificationError);
    return error as RestoreVerificationError;
  }

  it('passes an exact restore to a directory', async () => {
    const { planKey, target } = await restoreToDirectory('exact');
    expect(await fs.readFile(path.join(target, 'big.bin'))).toEqual(BIG);
    const report = await verifyRestore({ planKey }, io());
    expect(report.verified).toEqual({ entries: 3, mismatches: 0 });
  });

  it.each([
    ['the first byte', 0],
    ['a byte in the middle', 150 * 1024 + 7],
    ['the last byte', BIG.length - 1],
  ])('fails a restored file with %s changed (same size) as a RestoreVerificationError naming it', async (_what, at) => {
    const { planKey, target } = await restoreToDirectory(`flip-${at}`);
    const file = path.join(target, 'big.bin');
    const bytes = await fs.readFile(file);
    bytes[at] = (bytes[at] as number) ^ 0x01;
    await fs.writeFile(file, bytes);
    const error = await verifyError(planKey, io());
    expect(error.mismatches).toEqual(['"big.bin": content differs from the backup']);
  });

  it('fails a restored file whose two halves are swapped (same bytes, other order)', async () => {
    const { planKey, target } = await restoreToDirectory('swapped');
    const half = BIG.length / 2;
    await fs.writeFile(path.join(target, 'big.bin'), Buffer.concat([BIG.subarray(half), BIG.subarray(0, half)]));
    expect((await verifyError(planKey, io())).mismatches).toEqual(['"big.bin": content differs from the backup']);
  });

  describe('an S3 target', () => {
    /** Serves the objects `bodies` holds (keys = entry paths) with the attributes a file entry maps to (none), the body in uneven pieces. */
    function targetS3(bodies: Map<string, Buffer>): S3Client {
      const body = (input: { Key?: string }): Buffer => bodies.get(input.Key ?? '') ?? Buffer.alloc(0);
      async function* pieces(bytes: Buffer): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < bytes.length; at += 7001) yield new Uint8Array(bytes.subarray(at, at + 7001));
      }
      const send = (command: unknown): Promise<unknown> => {
        if (command instanceof HeadObjectCommand) return Promise.resolve({ ContentLength: body(command.input).length, Metadata: {} });
        if (command instanceof GetObjectTaggingCommand) return Promise.resolve({ TagSet: [] });
        if (command instanceof GetObjectCommand) return Promise.resolve({ Body: pieces(body(command.input)) });
        return Promise.reject(new Error(`unexpected command ${String(command)}`));
      };
      return { send } as unknown as S3Client;
    }

    it('passes objects equal to the backup and fails one with a changed byte', async () => {
      const planKey = servePlan('r-s3', { type: 's3', bucket: 'target', prefix: '' });
      const exact = new Map([
        ['big.bin', BIG],
        ['small.txt', SMALL],
        ['empty', Buffer.alloc(0)],
      ]);
      expect((await verifyRestore({ planKey }, io(targetS3(exact)))).verified.mismatches).toBe(0);
      const damaged = Buffer.from(BIG);
      damaged[200_000] = (damaged[200_000] as number) ^ 0x80;
      const error = await verifyError(planKey, io(targetS3(new Map([...exact, ['big.bin', damaged]]))));
      expect(error.mismatches).toEqual(['"big.bin": content differs from the backup']);
    });
  });
});
