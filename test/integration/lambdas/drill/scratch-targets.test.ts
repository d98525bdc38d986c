import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { cleanUpDrill, createScratchBucket, drillScratchPrefix, removeDrillScratch, scratchTargetName, sweepDrillScratch } from '../../../../lambdas/drill/scratch-targets';
import { DrillScratchError } from '../../../../lambdas/drill/drill-errors';
import { SCRATCH_SEAL_SID, scratchSealPolicy, sealScratchBucket } from '../../../../lambdas/drill/scratch-bucket-seal';
import { createActiveTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';

/** Scratch targets of drills in a non-us-east-1 region of the local cloud: made, found by name, removed, swept; nothing else touched. */
const REGION = 'us-west-2';
const PREFIX = 'lifeboat-dev-drill-';
const DRILL_A = '20261130T100000Z-aaaaaaaa';
const DRILL_B = '20261129T100000Z-bbbbbbbb';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The drill state machine's timeout without an archive tier (lib/lifeboat-defaults.ts WORKFLOW_TIMEOUT), and with one. */
const DAY_S = 86_400;
const ARCHIVE_S = 3 * DAY_S;

let dataDir: string;
let fsRoot: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-drill-scratch-'));
  fsRoot = mkdtempSync(join(tmpdir(), 'lifeboat-drill-scratch-fs-'));
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  dynamodb = localDynamoDbClient(cloud.endpoints, REGION);
});

afterAll(async () => {
  s3.destroy();
  dynamodb.destroy();
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(fsRoot, { recursive: true, force: true });
});

const deps = (sources: readonly SourceConfig[] = []) => ({ s3, dynamodb, directoryRoot: { configured: '/', real: fsRoot }, sources, region: REGION });

async function buckets(): Promise<string[]> {
  return ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? '').sort();
}
async function tables(): Promise<string[]> {
  return ((await dynamodb.send(new ListTablesCommand({}))).TableNames ?? []).sort();
}
async function makeTable(name: string): Promise<void> {
  await createActiveTable(dynamodb, { TableName: name, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' });
}
function makeDir(name: string): void {
  mkdirSync(join(fsRoot, name, 'sub'), { recursive: true });
  writeFileSync(join(fsRoot, name, 'sub', 'f.txt'), 'restored');
}

describe('drill scratch targets', () => {
  const a = (source: string): string => scratchTargetName(PREFIX, DRILL_A, source);
  const b = (source: string): string => scratchTargetName(PREFIX, DRILL_B, source);
  const others = { bucket: 'lifeboat-dev-restore-assets-x', table: 'lifeboat-dev-restore-orders-x', dir: 'lifeboat-dev-restore-files-x' };

  beforeAll(async () => {
    await createScratchBucket(s3, REGION, a('assets'));
    // A retried start finds its bucket: not an error.
    await createScratchBucket(s3, REGION, a('assets'));
    for (let i = 0; i < 3; i++) await s3.send(new PutObjectCommand({ Bucket: a('assets'), Key: `k/${i}`, Body: `body ${i}` }));
    await makeTable(a('orders'));
    makeDir(a('files'));
    await createScratchBucket(s3, REGION, b('assets'));
    await s3.send(new PutObjectCommand({ Bucket: b('assets'), Key: 'left-over', Body: 'x' }));
    await makeTable(b('orders'));
    makeDir(b('files'));
    await s3.send(new CreateBucketCommand({ Bucket: others.bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await s3.send(new PutObjectCommand({ Bucket: others.bucket, Key: 'live', Body: 'keep me' }));
    await makeTable(others.table);
    makeDir(others.dir);
  });

  it('creates scratch buckets in the drill’s region (s3rver keeps no location: the request is checked)', async () => {
    const sent: unknown[] = [];
    s3.middlewareStack.add(
      (next) => async (args) => {
        sent.push(args.input);
        return next(args);
      },
      { step: 'initialize', name: 'recordCreateBucket' },
    );
    try {
      await createScratchBucket(s3, REGION, a('located'));
    } finally {
      s3.middlewareStack.remove('recordCreateBucket');
    }
    expect(sent[0]).toEqual({ Bucket: a('located'), CreateBucketConfiguration: { LocationConstraint: REGION } });
    expect(await buckets()).toEqual(expect.arrayContaining([a('assets'), a('located'), b('assets')]));
  });

  it('removes every scratch target of one drill, emptied first, and nothing else', async () => {
    const removed = await removeDrillScratch(deps(), PREFIX, DRILL_A);
    expect(removed.errors).toEqual([]);
    expect(removed.removed.sort()).toEqual([`directory /${a('files')}`, `dynamodb table ${a('orders')}`, `s3://${a('assets')}/`, `s3://${a('located')}/`].sort());
    expect(await buckets()).toEqual([b('assets'), others.bucket].sort());
    expect(await tables()).toEqual([b('orders'), others.table].sort());
    expect(readdirSync(fsRoot).sort()).toEqual([b('files'), others.dir].sort());
    // Again (a retried cleanup): nothing left of that drill, no error.
    expect(await removeDrillScratch(deps(), PREFIX, DRILL_A)).toEqual({ removed: [], skipped: [], errors: [] });
  });

  it('the sweep keeps targets younger than the drill timeout and removes older ones with the drill prefix only', async () => {
    expect(await sweepDrillScratch(deps(), PREFIX, { now: new Date(), drillTimeoutSeconds: DAY_S })).toEqual({ removed: [], skipped: [], errors: [] });
    const later = new Date(Date.now() + 2 * DAY_MS);
    const swept = await sweepDrillScratch(deps(), PREFIX, { now: later, drillTimeoutSeconds: DAY_S });
    expect(swept.errors).toEqual([]);
    expect(swept.removed.sort()).toEqual([`directory /${b('files')}`, `dynamodb table ${b('orders')}`, `s3://${b('assets')}/`].sort());
    expect(await buckets()).toEqual([others.bucket]);
    expect(await tables()).toEqual([others.table]);
    expect(readdirSync(fsRoot)).toEqual([others.dir]);
  });

  it('the cleanup step reports its own and the swept targets; a restore prefix is refused', async () => {
    await createScratchBucket(s3, REGION, a('again'));
    const cleanup = await cleanUpDrill({ drillId: DRILL_A, sweep: true, now: new Date(), drillTimeoutSeconds: DAY_S }, PREFIX, deps());
    expect(cleanup).toEqual({ removed: [`s3://${a('again')}/`], swept: [], errors: [] });
    expect(drillScratchPrefix(PREFIX, DRILL_A).startsWith(PREFIX)).toBe(true);
    await expect(sweepDrillScratch(deps(), 'lifeboat-dev-restore-', { now: new Date(Date.now() + 2 * DAY_MS), drillTimeoutSeconds: DAY_S })).rejects.toThrow(DrillScratchError);
    expect(await buckets()).toEqual([others.bucket]);
  });

  it('the sweep spares a running drill’s targets: one made 25 h ago under a 72 h drill timeout (a thaw) stays, one older than the timeout goes (audit b1-2)', async () => {
    const thawing = scratchTargetName(PREFIX, '20261127T100000Z-eeeeeeee', 'assets');
    await createScratchBucket(s3, REGION, thawing);
    await makeTable(scratchTargetName(PREFIX, '20261127T100000Z-eeeeeeee', 'orders'));
    // Another drill's cleanup, 25 h after the thawing drill's start step made its scratch.
    const during = await cleanUpDrill({ drillId: DRILL_A, sweep: true, now: new Date(Date.now() + 25 * HOUR_MS), drillTimeoutSeconds: ARCHIVE_S }, PREFIX, deps());
    expect(during).toEqual({ removed: [], swept: [], errors: [] });
    expect(await buckets()).toContain(thawing);
    const after = await cleanUpDrill({ drillId: DRILL_A, sweep: true, now: new Date(Date.now() + 74 * HOUR_MS), drillTimeoutSeconds: ARCHIVE_S }, PREFIX, deps());
    expect(after.errors).toEqual([]);
    expect(after.swept.sort()).toEqual([`dynamodb table ${scratchTargetName(PREFIX, '20261127T100000Z-eeeeeeee', 'orders')}`, `s3://${thawing}/`].sort());
    expect(await buckets()).toEqual([others.bucket]);
  });

  it('lists only the drill region’s buckets (ListBuckets names every region’s; audit b1-4)', async () => {
    const sent: unknown[] = [];
    s3.middlewareStack.add(
      (next) => async (args) => {
        sent.push(args.input);
        return next(args);
      },
      { step: 'initialize', name: 'recordListBuckets' },
    );
    try {
      await sweepDrillScratch(deps(), PREFIX, { now: new Date(), drillTimeoutSeconds: DAY_S });
    } finally {
      s3.middlewareStack.remove('recordListBuckets');
    }
    expect(sent).toEqual([{ Prefix: PREFIX, BucketRegion: REGION }]);
  });

  it('seals a bucket before emptying it: a late writer (a shard of a timed-out restore) that writes on through the cleanup is refused, and the bucket removed (audit aT1-1)', async () => {
    const DRILL_C = '20261130T110000Z-cccccccc';
    const bucket = scratchTargetName(PREFIX, DRILL_C, 'late');
    await createScratchBucket(s3, REGION, bucket);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'first', Body: 'restored' }));
    // As a shard in AWS goes on for up to its function's timeout: one write after another until one is refused.
    let written = 0;
    let refused = '';
    let writing = true;
    const writer = (async () => {
      while (writing) {
        try {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `late/${written}`, Body: 'written during the cleanup' }));
          written++;
        } catch (err) {
          refused = err instanceof Error ? err.name : String(err);
          return;
        }
      }
    })();
    try {
      // Unsealed, the writer refilled the bucket between its emptying and DeleteBucket, five times: BucketNotEmpty, bucket left.
      expect(await removeDrillScratch(deps(), PREFIX, DRILL_C)).toEqual({ removed: [`s3://${bucket}/`], skipped: [], errors: [] });
    } finally {
      writing = false;
      await writer;
    }
    expect(refused).toMatch(/^(AccessDenied|NoSuchBucket)$/);
    expect(await buckets()).not.toContain(bucket);
  });

  it('the seal denies every object write to everyone, and nothing else', async () => {
    const DRILL_E = '20261130T130000Z-eeeeeeee';
    const bucket = scratchTargetName(PREFIX, DRILL_E, 'sealed');
    await createScratchBucket(s3, REGION, bucket);
    await sealScratchBucket(s3, REGION, bucket);
    expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: SCRATCH_SEAL_SID, Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` }],
    });
    await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(await removeDrillScratch(deps(), PREFIX, DRILL_E)).toEqual({ removed: [`s3://${bucket}/`], skipped: [], errors: [] });
    expect(scratchSealPolicy('b', 'cn-north-1')).toContain('arn:aws-cn:s3:::b/*');
  });

  it('empties a bucket holding a restored key with a CR: listed URL-encoded, deleted as itself (e03d8072, review R5-F3)', async () => {
    const DRILL_D = '20261130T120000Z-dddddddd';
    const bucket = scratchTargetName(PREFIX, DRILL_D, 'carriage');
    await createScratchBucket(s3, REGION, bucket);
    // Listed as raw XML, `cr\rkey` came back `cr\nkey`: its delete removed nothing and DeleteBucket failed BucketNotEmpty, five times.
    for (const key of ['cr\rkey', 'crlf\r\nkey', 'plain']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'restored' }));
    expect(await removeDrillScratch(deps(), PREFIX, DRILL_D)).toEqual({ removed: [`s3://${bucket}/`], skipped: [], errors: [] });
    expect(await buckets()).not.toContain(bucket);
  });
});

/**
 * Audit R12, F1: a live source named like a drill's scratch target (the config refuses such names now, but one named by
 * a token, or deployed before that check, may still be) is never emptied or deleted by the cleanup; it is reported.
 */
describe('drill scratch targets: a configured source named like scratch', () => {
  const DRILL_D = '20261128T100000Z-dddddddd';
  const live = { bucket: `${PREFIX}results`, inventory: `${PREFIX}inventory`, table: `${PREFIX}ledger`, dir: `${PREFIX}files`, nest: `${PREFIX}nest` };
  const sources: SourceConfig[] = [
    { type: 's3', name: 'results', bucket: live.bucket, prefix: '', inventory: { bucket: live.inventory, prefix: '' } },
    { type: 'dynamodb', name: 'ledger', table: live.table },
    { type: 'filesystem', name: 'files', path: `/${live.dir}` },
    // A source below a directory in the pattern: that directory holds it.
    { type: 'filesystem', name: 'nested', path: `/${live.nest}/inner` },
  ];
  const scratch = scratchTargetName(PREFIX, DRILL_D, 'assets');

  beforeAll(async () => {
    for (const bucket of [live.bucket, live.inventory]) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'q4/report.csv', Body: 'live data' }));
    }
    await makeTable(live.table);
    await dynamodb.send(new PutItemCommand({ TableName: live.table, Item: { pk: { S: 'invoice-1' } } }));
    makeDir(live.dir);
    makeDir(`${live.nest}/inner`);
    await createScratchBucket(s3, REGION, scratch);
  });

  it('the sweep leaves every source alone, says so, and still removes a real scratch bucket older than the drill timeout', async () => {
    const swept = await sweepDrillScratch(deps(sources), PREFIX, { now: new Date(Date.now() + 2 * DAY_MS), drillTimeoutSeconds: DAY_S });
    expect(swept.errors).toEqual([]);
    expect(swept.removed).toEqual([`s3://${scratch}/`]);
    expect(swept.skipped.sort()).toEqual(
      [
        `s3://${live.bucket}/: is the bucket of source "results"; not a scratch target, left alone (rename it: docs/RUNBOOKS.md, "Reserved names")`,
        `s3://${live.inventory}/: is the inventory bucket of source "results"; not a scratch target, left alone (rename it: docs/RUNBOOKS.md, "Reserved names")`,
        `dynamodb table ${live.table}: is the table of source "ledger"; not a scratch target, left alone (rename it: docs/RUNBOOKS.md, "Reserved names")`,
        `directory /${live.dir}: is the directory of source "files"; not a scratch target, left alone (rename it: docs/RUNBOOKS.md, "Reserved names")`,
        `directory /${live.nest}: holds the directory of source "nested"; not a scratch target, left alone (rename it: docs/RUNBOOKS.md, "Reserved names")`,
      ].sort(),
    );
    expect(await buckets()).toEqual(expect.arrayContaining([live.bucket, live.inventory]));
    expect(await buckets()).not.toContain(scratch);
    const object = await s3.send(new GetObjectCommand({ Bucket: live.bucket, Key: 'q4/report.csv' }));
    expect(await object.Body?.transformToString()).toBe('live data');
    expect((await dynamodb.send(new GetItemCommand({ TableName: live.table, Key: { pk: { S: 'invoice-1' } } }))).Item).toEqual({ pk: { S: 'invoice-1' } });
    expect(readFileSync(join(fsRoot, live.dir, 'sub', 'f.txt'), 'utf8')).toBe('restored');
    expect(existsSync(join(fsRoot, live.nest, 'inner', 'sub', 'f.txt'))).toBe(true);
  });

  it('the cleanup step lists each source it left alone once, with its errors (the drill record keeps no other list)', async () => {
    const cleanup = await cleanUpDrill({ drillId: DRILL_D, sweep: true, now: new Date(Date.now() + 2 * DAY_MS), drillTimeoutSeconds: DAY_S }, PREFIX, deps(sources));
    expect(cleanup.removed).toEqual([]);
    expect(cleanup.swept).toEqual([]);
    expect(cleanup.errors).toHaveLength(5);
    expect(cleanup.errors).toContain(`skipped s3://${live.bucket}/: is the bucket of source "results"; not a scratch target, left alone (rename it: docs/RUNBOOKS.md, "Reserved names")`);
    expect(await tables()).toContain(live.table);
  });
});

/** The local S3's bucket policies (local/cloud/bucket-policy.ts), which the seal relies on locally: kept, refused and matched as S3 does (review rL of 1076df39). */
describe('the local S3 bucket policy of a sealed bucket', () => {
  const makeBucket = async (bucket: string): Promise<void> => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  };
  const put = (bucket: string, key = 'k'): Promise<string> => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' })).then(() => 'ok', (err: Error) => err.name);
  const denyWrites = (bucket: string, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`, ...extra }] });

  it('stays through a DELETE of another subresource (lifecycle, public access block, encryption); DeleteBucketPolicy lifts it (F1)', async () => {
    const bucket = 'policy-kept-sealed';
    await makeBucket(bucket);
    await sealScratchBucket(s3, REGION, bucket);
    // Each answered 204 and, locally, forgot the policy: the bucket took writes again while S3 kept refusing them.
    for (const command of [new DeleteBucketLifecycleCommand({ Bucket: bucket }), new DeletePublicAccessBlockCommand({ Bucket: bucket }), new DeleteBucketEncryptionCommand({ Bucket: bucket })]) {
      await s3.send(command as never);
      expect({ after: command.constructor.name, put: await put(bucket) }).toEqual({ after: command.constructor.name, put: 'AccessDenied' });
    }
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).toBe(scratchSealPolicy(bucket, REGION));
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    expect(await put(bucket)).toBe('ok');
  });

  it('refuses what S3 refuses (a statement without Effect, Action or Resource; over 20 KB) and enforces a Deny with an empty Condition (F2)', async () => {
    const bucket = 'policy-refused';
    await makeBucket(bucket);
    const refused = (policy: string): Promise<unknown> => s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy })).then(() => 'accepted', (err: Error) => err.name);
    expect(await refused('{"Statement":[{}]}')).toBe('MalformedPolicy');
    for (const field of ['Effect', 'Action', 'Resource']) {
      const statement = { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` } as Record<string, unknown>;
      delete statement[field];
      expect({ without: field, answer: await refused(JSON.stringify({ Statement: [statement] })) }).toEqual({ without: field, answer: 'MalformedPolicy' });
    }
    expect(await refused(denyWrites(bucket, { Sid: 'x'.repeat(20 * 1024) }))).toBe('MalformedPolicy');
    expect(await put(bucket)).toBe('ok');
    // IAM reads `Condition: {}` as no condition: the Deny is in force.
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: denyWrites(bucket, { Condition: {} }) }));
    expect(await put(bucket)).toBe('AccessDenied');
  });

  it("matches a resource's wildcards in linear time: many `*` against a long key that nearly matches does not block the local S3 (F2)", async () => {
    const bucket = 'policy-wildcards';
    await makeBucket(bucket);
    // As a regular expression this backtracked for 11.6 s with 8 `*a` and a 40-character key, on every write to the bucket.
    const resources = [`arn:aws:s3:::${bucket}/${'*a'.repeat(16)}*c`, `arn:aws:s3:::${bucket}/l?te/*`];
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:Put*', Resource: resources }] }) }));
    const started = Date.now();
    expect(await put(bucket, 'a'.repeat(40))).toBe('ok');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await put(bucket, `${'a'.repeat(40)}c`)).toBe('AccessDenied');
    expect(await put(bucket, 'late/shard-1')).toBe('AccessDenied');
    expect(await put(bucket, 'lately/shard-1')).toBe('ok');
  }, 10_000);
});

/** The seal's abort of uploads under way, which the local S3 cannot show (it answers ListMultipartUploads NotImplemented): a fake client's pages (review rL F4). */
describe('sealing a bucket with multipart uploads under way', () => {
  it('aborts every upload across pages, URL-encoded keys decoded, one already gone skipped, after the policy', async () => {
    const sent: Array<{ command: string; input: unknown }> = [];
    const pages: Array<Partial<ListMultipartUploadsCommandOutput>> = [
      { EncodingType: 'url', Uploads: [{ Key: 'a%20b%0D', UploadId: 'u1' }], IsTruncated: true, NextKeyMarker: 'a%20b%0D', NextUploadIdMarker: 'u1' },
      { EncodingType: 'url', Uploads: [{ Key: 'c', UploadId: 'u2' }], IsTruncated: false },
    ];
    const fake = {
      send: async (command: { input: unknown }): Promise<unknown> => {
        sent.push({ command: command.constructor.name, input: command.input });
        if (command instanceof ListMultipartUploadsCommand) return pages.shift();
        if (command instanceof AbortMultipartUploadCommand && command.input.UploadId === 'u2') throw Object.assign(new Error('The upload was completed meanwhile'), { name: 'NoSuchUpload' });
        return {};
      },
    };
    const bucket = 'lifeboat-x-drill-1-s';
    await sealScratchBucket(fake as unknown as S3Client, 'us-gov-west-1', bucket);
    expect(sent).toEqual([
      { command: 'PutBucketPolicyCommand', input: { Bucket: bucket, Policy: scratchSealPolicy(bucket, 'us-gov-west-1') } },
      { command: 'ListMultipartUploadsCommand', input: { Bucket: bucket, EncodingType: 'url' } },
      { command: 'AbortMultipartUploadCommand', input: { Bucket: bucket, Key: 'a b\r', UploadId: 'u1' } },
      { command: 'ListMultipartUploadsCommand', input: { Bucket: bucket, EncodingType: 'url', KeyMarker: 'a b\r', UploadIdMarker: 'u1' } },
      { command: 'AbortMultipartUploadCommand', input: { Bucket: bucket, Key: 'c', UploadId: 'u2' } },
    ]);
    expect(scratchSealPolicy(bucket, 'us-gov-west-1')).toContain(`arn:aws-us-gov:s3:::${bucket}/*`);
  });

  it('fails on an abort refused for another reason than the upload being gone', async () => {
    const fake = {
      send: async (command: { input: unknown }): Promise<unknown> => {
        if (command instanceof ListMultipartUploadsCommand) return { Uploads: [{ Key: 'k', UploadId: 'u1' }], IsTruncated: false };
        if (command instanceof AbortMultipartUploadCommand) throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
        return {};
      },
    };
    await expect(sealScratchBucket(fake as unknown as S3Client, REGION, 'lifeboat-x-drill-1-s')).rejects.toMatchObject({
      name: 'ScratchBucketCallRefusedError',
      action: 's3:AbortMultipartUpload',
      cause: { name: 'AccessDenied' },
    });
  });
});
