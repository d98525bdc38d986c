import * as path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { newBackupId } from '../../../../lambdas/backup/backup-id';
import { commitBackup } from '../../../../lambdas/backup/commit-backup';
import { planBackup } from '../../../../lambdas/backup/plan-backup';
import { plannedShardSpecs } from '../../../../lambdas/backup/planned-shard-specs';
import { snapshotShard } from '../../../../lambdas/backup/snapshot-shard';
import { BucketOwnerMismatchError, expectBucketOwner } from '../../../../lambdas/runtime/expected-bucket-owner';
import { S3SourceReadError } from '../../../../lambdas/sources/s3-source-read-error';
import { openBackupVault, vaultKeyProvider } from '../../../../lambdas/runtime/backup-vault';
import { S3VaultStore } from '../../../../vault/aws';
import { protectionPlanSchema } from '../../../../config/lifeboat-config';
import { localS3Client } from '../../../../local/cloud/local-cloud';
import { type Vault } from '../../../../vault/repository/vault';
import { type BackupTestEnvironment, openBackupTestEnvironment } from '../../../support/backup-test-environment';

/**
 * A backup of an S3 source with a `prefix` while objects are deleted under it (audit R9, finding 2). In AWS the
 * snapshot shard's s3:ListBucket is conditioned on s3:prefix (lib/constructs/source-access.ts), so S3 answers the
 * GET of an object deleted since the shard listed it with 403, not 404; the local S3 enforces no IAM, so the shard's
 * client here answers as AWS does to that role (below), behind the ExpectedBucketOwner middleware the Lambdas use.
 * The backup's steps run in this process against the local cloud, as in source-changes.test.ts.
 */
let env: BackupTestEnvironment;

const BUCKET = 'lifeboat-test-prefix-source';
const PREFIX = 'photos/';
const PLAN = 'prefix-source';
const ACCOUNT = '000000000000';
const plans = [
  protectionPlanSchema.parse({
    name: PLAN,
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 3 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    maxConcurrency: 2,
    sources: [{ type: 's3', name: 'prefixed-bucket', bucket: BUCKET, prefix: PREFIX }],
  }),
];
const photo = (i: number): string => `${PREFIX}${String(i).padStart(3, '0')}.jpg`;
const PHOTOS = Array.from({ length: 12 }, (_, i) => photo(i));

function accessDenied(): Error {
  return Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
}

/**
 * The shard's source client as AWS answers the snapshot role of a prefix source: a listing outside the prefix and an
 * object request for a key that is not there are refused (403), `refused` keys are refused though they are there (a
 * bucket policy, a KMS key), and `beforeGet` runs before each GetObject (a delete between listing and read).
 */
function prefixScopedClient(options: { beforeGet?: (key: string) => Promise<void>; refused?: ReadonlySet<string> }): S3Client {
  const client = localS3Client(env.local.endpoints, env.local.environment.primaryRegion);
  expectBucketOwner(client, () => ACCOUNT);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string; Prefix?: string };
      const command = context.commandName ?? '';
      if (command === 'ListObjectsV2Command' && !(input.Prefix ?? '').startsWith(PREFIX)) throw accessDenied();
      if (command === 'GetObjectCommand') await options.beforeGet?.(input.Key ?? '');
      if (input.Key !== undefined && options.refused?.has(input.Key)) throw accessDenied();
      try {
        return await next(args);
      } catch (err) {
        // No unconditioned ListBucket: S3 does not say the key is missing.
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) throw accessDenied();
        throw err;
      }
    },
    { step: 'initialize', priority: 'low', name: 'prefixScopedSnapshotRole' },
  );
  return client;
}

async function openVault(create: boolean): Promise<Vault> {
  // The Plan step's open may make the key file (only for a vault not created yet), as lambda-runtime.ts does.
  const createIn = create ? { createIn: new S3VaultStore({ client: env.s3, bucket: env.names.primaryVault }) } : {};
  const provider = await vaultKeyProvider({ keyFile: path.join(env.dataDir, 'vault.key') }, env.names.primaryVault, createIn);
  return openBackupVault({ s3: env.s3, bucket: env.names.primaryVault, provider, create });
}

/** Plan, every shard with `sourceS3`, then commit, as the workflow chains them. */
async function backUp(sourceS3: S3Client) {
  const backupId = newBackupId(new Date());
  const request = { plan: PLAN, backupId, trigger: 'test', strategy: 'full' as const };
  const planDeps = { s3: env.s3, dynamodb: env.ddb, vault: await openVault(true), catalog: env.catalog, plans, environment: 'test' };
  let planned = await planBackup(request, planDeps);
  while (planned.continuation) planned = await planBackup({ ...request, continuation: planned.continuation }, planDeps);
  const shardVault = await openVault(false);
  for (const spec of await plannedShardSpecs(shardVault.store, planned)) {
    await snapshotShard({ backupId, planKey: planned.planKey, spec }, { s3: sourceS3, dynamodb: env.ddb, vault: shardVault });
  }
  const vault = await openVault(false);
  await commitBackup({ backupId, planKey: planned.planKey }, { vault, catalog: env.catalog });
  const record = await env.catalog.requireBackup(backupId);
  const source = record.sources[0];
  if (!source) throw new Error(`backup ${backupId} recorded no source`);
  const keys: string[] = [];
  for await (const entry of vault.entries(await vault.loadSnapshot(source.snapshotId))) keys.push(String(entry.meta.key));
  return { record, source, keys: keys.sort() };
}

beforeAll(async () => {
  env = await openBackupTestEnvironment('prefix-source-vanished');
  await env.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const key of [...PHOTOS, 'other/not-backed-up.txt']) await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` }));
}, 120_000);

afterAll(async () => {
  await env?.close();
});

it('an object deleted between the shard listing it and reading it (S3 answering 403) is left out and counted vanished, and the backup commits', async () => {
  const vanishing = photo(3);
  const sourceS3 = prefixScopedClient({
    beforeGet: async (key) => {
      if (key === vanishing) await env.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    },
  });
  try {
    const run = await backUp(sourceS3);
    expect(run.record.status).toBe('COMMITTED');
    expect(run.source).toMatchObject({ vanished: 1, entries: PHOTOS.length - 1 });
    expect(run.keys).toEqual(PHOTOS.filter((k) => k !== vanishing));
  } finally {
    sourceS3.destroy();
  }
}, 60_000);

it('an object that is there but refused (403) still fails its shard with the original refusal, by its name', async () => {
  const refused = photo(5);
  const sourceS3 = prefixScopedClient({ refused: new Set([refused]) });
  try {
    const failure = await backUp(sourceS3).then(
      () => undefined,
      (err: unknown) => err,
    );
    // The ownership guard's error keeps its name: S3SourceReadError names other refusals (audit a58A F1), not this one.
    expect(failure).toBeInstanceOf(BucketOwnerMismatchError);
    expect(failure).not.toBeInstanceOf(S3SourceReadError);
    expect(failure).toMatchObject({ bucket: BUCKET, operation: 'GetObjectCommand' });
  } finally {
    sourceS3.destroy();
  }
}, 60_000);
