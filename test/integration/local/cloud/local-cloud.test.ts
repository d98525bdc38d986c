import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createServer, type Server } from 'node:net';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { localEndpointsSchema } from '../../../../lambdas/runtime/local-endpoints';
import { isProcessAlive, readCloudState, writeCloudState } from '../../../../local/cloud/cloud-state';
import { processStartTime } from '../../../../local/cloud/process-start-time';
import { localDown, localStatus } from '../../../../cli/commands/local-commands';
import { recordingCliIo } from '../../../support/captured-cli-io';
import { LocalCloudAlreadyRunningError, LocalCloudNotRunningError, LocalCloudStartError, LocalCloudStateDamagedError } from '../../../../local/cloud/errors';
import { stopRegion } from '../../../../local/cloud/region-outage';
import { localSchedulerStatus } from '../../../../local/scheduler/local-scheduler';
import { readSchedulerState, schedulerFiles, writeSchedulerState } from '../../../../local/scheduler/scheduler-state';
import {
  connectLocalCloud,
  type LocalCloudHandle,
  localCloudStatus,
  localDynamoDbClient,
  localS3Client,
  startLocalCloud,
  stopLocalCloud,
} from '../../../../local/cloud/local-cloud';
import { DR, mapBounded, PRIMARY, tempDir } from '../../../support/local-cloud-helpers';
import { createActiveTable } from '../../../../local/cloud';

const tmp = tempDir('cloud');
const dataDir = tmp.dir;
let cloud: LocalCloudHandle;
const clients: { destroy(): void }[] = [];

function s3(region: string): S3Client {
  const client = localS3Client(cloud.endpoints, region);
  clients.push(client);
  return client;
}

function ddb(region: string): DynamoDBClient {
  const client = localDynamoDbClient(cloud.endpoints, region);
  clients.push(client);
  return client;
}

async function text(client: S3Client, bucket: string, key: string, range?: string): Promise<string> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
  return (await out.Body?.transformToString()) ?? '';
}

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
});

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

describe('the local cloud process', () => {
  it('serves S3 and DynamoDB for both regions on loopback and announces them in cloud.json', async () => {
    expect(() => localEndpointsSchema.parse(cloud.endpoints)).not.toThrow();
    expect(Object.keys(cloud.endpoints.s3).sort()).toEqual([PRIMARY, DR]);
    expect(Object.keys(cloud.endpoints.dynamodb).sort()).toEqual([PRIMARY, DR]);
    expect(readCloudState(dataDir)?.pid).toBe(cloud.pid);
    await expect(connectLocalCloud(dataDir)).resolves.toEqual(cloud.endpoints);
    const status = await localCloudStatus(dataDir);
    expect(status.state).toBe('running');
    expect(status.services).toHaveLength(4);
    expect(status.services.every((s) => s.reachable)).toBe(true);
  });

  it('refuses a second cloud on the same data directory', async () => {
    await expect(startLocalCloud({ dataDir, regions: [PRIMARY] })).rejects.toBeInstanceOf(LocalCloudAlreadyRunningError);
  });
});

describe('S3', () => {
  it.each([PRIMARY, DR])('round-trips objects with metadata, ranges, copies, tags and deletes in %s', async (region) => {
    const client = s3(region);
    const bucket = `roundtrip-${region}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/a.txt', Body: 'hello world 0123456789', ContentType: 'text/plain', Metadata: { source: 'test', 'backup-id': 'b1' } }));

    expect(await text(client, bucket, 'dir/a.txt')).toBe('hello world 0123456789');
    expect(await text(client, bucket, 'dir/a.txt', 'bytes=6-10')).toBe('world');
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/a.txt' }));
    expect(head).toMatchObject({ ContentLength: 22, ContentType: 'text/plain', Metadata: { source: 'test', 'backup-id': 'b1' } });

    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy.txt', CopySource: `${bucket}/dir/a.txt` }));
    expect(await text(client, bucket, 'copy.txt')).toBe('hello world 0123456789');

    await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'copy.txt', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    expect((await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'copy.txt' }))).TagSet).toEqual([{ Key: 'k', Value: 'v' }]);

    const deleted = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'copy.txt' }, { Key: 'dir/a.txt' }] } }));
    expect(deleted.Deleted?.map((d) => d.Key).sort()).toEqual(['copy.txt', 'dir/a.txt']);
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
  });

  it('keeps the regions apart, as AWS does', async () => {
    await s3(PRIMARY).send(new CreateBucketCommand({ Bucket: 'only-in-primary' }));
    await expect(s3(DR).send(new HeadBucketCommand({ Bucket: 'only-in-primary' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('stores stream uploads (aws-chunked bodies with trailing checksums) byte for byte', async () => {
    const client = s3(PRIMARY);
    await client.send(new CreateBucketCommand({ Bucket: 'streams' }));
    const body = Buffer.alloc(1024 * 1024 + 13);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 256;
    await client.send(
      new PutObjectCommand({ Bucket: 'streams', Key: 'blob', Body: Readable.from([body.subarray(0, 300_000), body.subarray(300_000)]), ContentLength: body.length }),
    );
    const out = await client.send(new GetObjectCommand({ Bucket: 'streams', Key: 'blob' }));
    expect(out.ContentLength).toBe(body.length);
    expect(out.ContentEncoding).toBeUndefined();
    expect(Buffer.from(await out.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('assembles multipart uploads', async () => {
    const client = s3(DR);
    await client.send(new CreateBucketCommand({ Bucket: 'multipart' }));
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'multipart', Key: 'big', Metadata: { part: 'yes' } }));
    const part1 = Buffer.alloc(5 * 1024 * 1024, 'a');
    const part2 = Buffer.from('tail');
    const etags = await Promise.all(
      [part1, part2].map(async (body, i) => (await client.send(new UploadPartCommand({ Bucket: 'multipart', Key: 'big', UploadId, PartNumber: i + 1, Body: body }))).ETag),
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'big',
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: 'multipart', Key: 'big' }));
    expect(head.ContentLength).toBe(part1.length + part2.length);
    expect(head.Metadata).toEqual({ part: 'yes' });
    expect(await text(client, 'multipart', 'big', `bytes=${part1.length}-`)).toBe('tail');
  });

  it('aborts a multipart upload: its parts are dropped, no object is made, and the upload is gone (NoSuchUpload) after', async () => {
    const client = s3(PRIMARY);
    await client.send(new CreateBucketCommand({ Bucket: 'multipart-abort' }));
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'multipart-abort', Key: 'big', Metadata: { part: 'yes' } }));
    const { ETag } = await client.send(new UploadPartCommand({ Bucket: 'multipart-abort', Key: 'big', UploadId, PartNumber: 1, Body: Buffer.from('part one') }));
    // Another key cannot abort it.
    await expect(client.send(new AbortMultipartUploadCommand({ Bucket: 'multipart-abort', Key: 'other', UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'multipart-abort', Key: 'big', UploadId }));
    await expect(client.send(new AbortMultipartUploadCommand({ Bucket: 'multipart-abort', Key: 'big', UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(client.send(new CompleteMultipartUploadCommand({ Bucket: 'multipart-abort', Key: 'big', UploadId, MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] } }))).rejects.toThrow();
    await expect(client.send(new HeadObjectCommand({ Bucket: 'multipart-abort', Key: 'big' }))).rejects.toMatchObject({ name: 'NotFound' });
    await expect(client.send(new AbortMultipartUploadCommand({ Bucket: 'multipart-abort', Key: 'big', UploadId: '../../etc' }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('gives a multipart upload\'s object the tags of its CreateMultipartUpload when it completes, as S3 does', async () => {
    // The S3 API reference, CreateMultipartUpload: x-amz-tagging is "the tag-set for the object", URL-encoded key=value pairs.
    const client = s3(PRIMARY);
    await client.send(new CreateBucketCommand({ Bucket: 'multipart-tags' }));
    const upload = async (key: string, tagging?: string): Promise<void> => {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'multipart-tags', Key: key, ...(tagging !== undefined ? { Tagging: tagging } : {}) }));
      const { ETag } = await client.send(new UploadPartCommand({ Bucket: 'multipart-tags', Key: key, UploadId, PartNumber: 1, Body: Buffer.from(`body of ${key}`) }));
      await client.send(new CompleteMultipartUploadCommand({ Bucket: 'multipart-tags', Key: key, UploadId, MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] } }));
    };
    const tagsOf = async (key: string) => (await client.send(new GetObjectTaggingCommand({ Bucket: 'multipart-tags', Key: key }))).TagSet;

    await upload('data/ab/pack', 'lifeboat-tier=yearly&team=a%26b%20c');
    expect(await tagsOf('data/ab/pack')).toEqual([
      { Key: 'lifeboat-tier', Value: 'yearly' },
      { Key: 'team', Value: 'a&b c' },
    ]);
    expect(await text(client, 'multipart-tags', 'data/ab/pack')).toBe('body of data/ab/pack');
    // An upload without x-amz-tagging makes an untagged object.
    await upload('untagged');
    expect(await tagsOf('untagged')).toEqual([]);
  });

  it('gives a written object only the tags of its write, removes them with the object, and counts them on reads, as S3 does', async () => {
    const client = s3(PRIMARY);
    const Bucket = 'tag-lifecycle';
    await client.send(new CreateBucketCommand({ Bucket }));
    const tagsOf = async (Key: string) => (await client.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet;
    const counts = async (Key: string) => [(await client.send(new GetObjectCommand({ Bucket, Key }))).TagCount, (await client.send(new HeadObjectCommand({ Bucket, Key }))).TagCount];

    await client.send(new PutObjectCommand({ Bucket, Key: 'a', Body: 'one', Tagging: 'k=v&team=ops' }));
    expect(await counts('a')).toEqual([2, 2]);
    await client.send(new PutObjectTaggingCommand({ Bucket, Key: 'a', Tagging: { TagSet: [{ Key: 'only', Value: '1' }] } }));
    expect(await counts('a')).toEqual([1, 1]);
    // Overwritten without tags: untagged (s3rver alone kept the old tag set), and no count on reads.
    await client.send(new PutObjectCommand({ Bucket, Key: 'a', Body: 'two' }));
    expect(await tagsOf('a')).toEqual([]);
    expect(await counts('a')).toEqual([undefined, undefined]);
    // Deleted, then written again: the new object has none of the old one's tags.
    await client.send(new PutObjectCommand({ Bucket, Key: 'b', Body: 'three', Tagging: 'k=v' }));
    await client.send(new DeleteObjectCommand({ Bucket, Key: 'b' }));
    await client.send(new PutObjectCommand({ Bucket, Key: 'b', Body: 'four' }));
    expect(await tagsOf('b')).toEqual([]);
    // CopyObject takes the source's tags by default, the request's with REPLACE.
    await client.send(new PutObjectCommand({ Bucket, Key: 'src', Body: 'five', Tagging: 'from=source' }));
    await client.send(new CopyObjectCommand({ Bucket, Key: 'a', CopySource: `${Bucket}/src` }));
    expect(await tagsOf('a')).toEqual([{ Key: 'from', Value: 'source' }]);
    await client.send(new CopyObjectCommand({ Bucket, Key: 'a', CopySource: `${Bucket}/src`, TaggingDirective: 'REPLACE', Tagging: 'replaced=yes' }));
    expect(await tagsOf('a')).toEqual([{ Key: 'replaced', Value: 'yes' }]);
    await client.send(new CopyObjectCommand({ Bucket, Key: 'a', CopySource: `${Bucket}/src`, TaggingDirective: 'REPLACE' }));
    expect(await tagsOf('a')).toEqual([]);
    expect(await tagsOf('src')).toEqual([{ Key: 'from', Value: 'source' }]);
  });

  // Pages of 100 rather than S3's largest (1,000): the listing (local/cloud/object-listing.ts) pages any MaxKeys
  // alike, and a tenth of the objects to write is a tenth of the time.
  it('paginates ListObjectsV2 over 250 objects with continuation tokens, every key once', async () => {
    const client = s3(PRIMARY);
    await client.send(new CreateBucketCommand({ Bucket: 'many' }));
    const keys = Array.from({ length: 250 }, (_, i) => `obj/${String(i).padStart(5, '0')}`);
    await mapBounded(keys, 32, (Key) => client.send(new PutObjectCommand({ Bucket: 'many', Key, Body: Key })));

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: 'many', Prefix: 'obj/', MaxKeys: 100, ContinuationToken: token }));
      pageSizes.push(page.Contents?.length ?? 0);
      seen.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated) expect(token).toBeTruthy();
    } while (token);

    expect(pageSizes).toEqual([100, 100, 50]);
    expect(seen).toEqual(keys);
    expect(new Set(seen).size).toBe(250);
  });
});

describe('DynamoDB', () => {
  it.each([PRIMARY, DR])('round-trips items and queries an index in %s', async (region) => {
    const client = ddb(region);
    const TableName = `items-${region}`;
    // As in DynamoDB, a new table takes writes once ACTIVE (dynalite flips CREATING → ACTIVE a moment after replying).
    await createActiveTable(client, {
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'plan', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [{ IndexName: 'byPlan', KeySchema: [{ AttributeName: 'plan', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
    });
    await client.send(new PutItemCommand({ TableName, Item: { pk: { S: 'SOURCE#a' }, sk: { S: 'BACKUP#1' }, plan: { S: 'demo' }, bytes: { N: '42' } } }));
    const got = await client.send(new GetItemCommand({ TableName, Key: { pk: { S: 'SOURCE#a' }, sk: { S: 'BACKUP#1' } } }));
    expect(got.Item).toEqual({ pk: { S: 'SOURCE#a' }, sk: { S: 'BACKUP#1' }, plan: { S: 'demo' }, bytes: { N: '42' } });
    // 'plan' is a reserved word, in dynalite as in DynamoDB.
    const byPlan = await client.send(
      new QueryCommand({ TableName, IndexName: 'byPlan', KeyConditionExpression: '#plan = :p', ExpressionAttributeNames: { '#plan': 'plan' }, ExpressionAttributeValues: { ':p': { S: 'demo' } } }),
    );
    expect(byPlan.Items).toHaveLength(1);
    const other = region === PRIMARY ? DR : PRIMARY;
    expect((await ddb(other).send(new ListTablesCommand({}))).TableNames).not.toContain(TableName);
  });
});

describe('starting and stopping', () => {
  it('reports a failed start with the process output', async () => {
    const busy = tempDir('busy');
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const start = startLocalCloud({ dataDir: busy.dir, regions: [PRIMARY], ports: { s3: { [PRIMARY]: port } }, exitWithParent: true });
      await expect(start).rejects.toBeInstanceOf(LocalCloudStartError);
      await expect(start).rejects.toThrow(/EADDRINUSE/);
      expect(readCloudState(busy.dir)).toBeUndefined();
    } finally {
      blocker.close();
      busy.remove();
    }
  });

  it('treats a cloud.json whose process is gone as stale', async () => {
    const stale = tempDir('stale');
    try {
      writeCloudState(stale.dir, { pid: 2 ** 22 + 12345, startedAt: new Date().toISOString(), regions: [PRIMARY], endpoints: cloud.endpoints });
      expect((await localCloudStatus(stale.dir)).state).toBe('stale');
      await expect(connectLocalCloud(stale.dir)).rejects.toBeInstanceOf(LocalCloudNotRunningError);
      expect(await stopLocalCloud(stale.dir)).toMatchObject({ stopped: false, staleStateRemoved: true });
      expect((await localCloudStatus(stale.dir)).state).toBe('stopped');
    } finally {
      stale.remove();
    }
  });

  describe('a cloud.json whose pid now belongs to another program (audit e2-2)', () => {
    let victim: ChildProcess;
    const reused = tempDir('reused');
    beforeAll(() => {
      victim = spawn('sleep', ['60'], { stdio: 'ignore' });
    });
    afterAll(() => {
      victim.kill('SIGKILL');
      reused.remove();
    });

    it('is stale: status says not running, connect refuses, down removes the file and never signals that program', async () => {
      const pid = victim.pid!;
      // A cloud killed hard, its pid later given to `sleep`: the recorded start time is the cloud's, not sleep's.
      const cloudStartTime = String(Number(processStartTime(pid)) - 1);
      writeCloudState(reused.dir, { pid, processStartTime: cloudStartTime, startedAt: new Date().toISOString(), regions: [PRIMARY], endpoints: cloud.endpoints });

      expect(await localCloudStatus(reused.dir)).toMatchObject({ state: 'stale', staleReason: 'reused', pid });
      await expect(connectLocalCloud(reused.dir)).rejects.toBeInstanceOf(LocalCloudNotRunningError);
      const status = recordingCliIo();
      expect(await localStatus({ dataDir: reused.dir }, { io: status })).toBe(3);
      expect(status.lines[0]).toContain(`pid ${pid} from ${reused.dir}/cloud.json now belongs to another program`);

      const down = recordingCliIo();
      expect(await localDown({ dataDir: reused.dir }, { io: down })).toBe(0);
      expect(down.lines).toEqual([`The local cloud was not running (removed a stale cloud.json: its pid ${pid} now belongs to another program, which was not signalled).`]);
      expect(readCloudState(reused.dir)).toBeUndefined();
      expect(isProcessAlive(pid)).toBe(true);
      expect(victim.exitCode).toBeNull();
      expect(victim.signalCode).toBeNull();
    });

    it('a cloud.json without a start time (an older cloud) still goes by the pid alone', async () => {
      writeCloudState(reused.dir, { pid: victim.pid!, startedAt: new Date().toISOString(), regions: [PRIMARY], endpoints: cloud.endpoints });
      expect((await localCloudStatus(reused.dir)).state).toBe('running');
      // The same start time as the process has now: the cloud itself.
      writeCloudState(reused.dir, { pid: victim.pid!, processStartTime: processStartTime(victim.pid!)!, startedAt: new Date().toISOString(), regions: [PRIMARY], endpoints: cloud.endpoints });
      expect((await localCloudStatus(reused.dir)).state).toBe('running');
    });

    it('region stop takes it for no running cloud (its control URL is not asked), and a damaged cloud.json for damaged, not "not running" (review r11-F1)', async () => {
      const pid = victim.pid!;
      const control = { url: 'http://127.0.0.1:1/', token: 'x'.repeat(32) };
      writeCloudState(reused.dir, { pid, processStartTime: String(Number(processStartTime(pid)) - 1), startedAt: new Date().toISOString(), regions: [PRIMARY], endpoints: cloud.endpoints, control });
      await expect(stopRegion(reused.dir, PRIMARY, { timeoutMs: 500 })).rejects.toBeInstanceOf(LocalCloudNotRunningError);
      writeFileSync(join(reused.dir, 'cloud.json'), '{"pid": 12');
      const damaged = stopRegion(reused.dir, PRIMARY, { timeoutMs: 500 });
      await expect(damaged).rejects.toBeInstanceOf(LocalCloudStateDamagedError);
      await expect(damaged).rejects.toThrow(`${join(reused.dir, 'cloud.json')} is damaged (`);
      rmSync(join(reused.dir, 'cloud.json'));
    });

    it('local status names a scheduler.json whose pid now belongs to another program as a scheduler no longer running, not as a pid that is gone (fixer fC)', async () => {
      const pid = victim.pid!;
      // The running cloud's own cloud.json, so that status goes on to the schedules (no `local down` here: it would stop that cloud).
      writeCloudState(reused.dir, readCloudState(dataDir)!);
      writeSchedulerState(reused.dir, { pid, processStartTime: String(Number(processStartTime(pid)) - 1), startedAt: new Date().toISOString(), cloudPid: cloud.pid, schedules: [] });
      try {
        const status = recordingCliIo();
        expect(await localStatus({ dataDir: reused.dir }, { io: status })).toBe(0);
        expect(status.lines.at(-1)).toBe(
          `Schedules: not active (the recorded scheduler is no longer running: its pid ${pid} now belongs to another program, which is not signalled; \`lifeboat local up --with-schedules --data-dir ${reused.dir}\` starts a new one).`,
        );
      } finally {
        rmSync(join(reused.dir, 'cloud.json'));
        rmSync(schedulerFiles(reused.dir).stateFile);
      }
    });

    it('the scheduler stops when its cloud\'s pid now belongs to another program, never taking that program for the cloud (fixer fC)', async () => {
      const pid = victim.pid!;
      writeCloudState(reused.dir, { pid, processStartTime: String(Number(processStartTime(pid)) - 1), startedAt: new Date().toISOString(), regions: [PRIMARY], endpoints: cloud.endpoints });
      writeFileSync(schedulerFiles(reused.dir).stacksFile, '[]');
      const scheduler = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../../../../local/scheduler/scheduler-process.ts'), '--data-dir', reused.dir, '--cloud-pid', String(pid)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      scheduler.stdout.on('data', (d: Buffer) => (output += d.toString()));
      scheduler.stderr.on('data', (d: Buffer) => (output += d.toString()));
      try {
        // It polls the cloud every second; a scheduler still running after 20 s took the other program for the cloud.
        const exit = await new Promise<number | null | 'still running'>((resolve) => {
          const deadline = setTimeout(() => resolve('still running'), 20_000);
          scheduler.once('exit', (code) => {
            clearTimeout(deadline);
            resolve(code);
          });
        });
        expect({ exit, output }).toEqual({ exit: 0, output: expect.stringContaining(`stopping (the local cloud (pid ${pid}) is no longer running: its pid now belongs to another program)`) as unknown });
        expect(readSchedulerState(reused.dir)).toBeUndefined();
        expect(victim.signalCode).toBeNull();
        expect(isProcessAlive(pid)).toBe(true);
      } finally {
        if (scheduler.exitCode === null && scheduler.signalCode === null) scheduler.kill('SIGKILL');
        rmSync(join(reused.dir, 'cloud.json'), { force: true });
        rmSync(schedulerFiles(reused.dir).stateFile, { force: true });
        rmSync(schedulerFiles(reused.dir).stacksFile, { force: true });
      }
    });

    // Last: on a regression `local down` kills the victim.
    it('a scheduler.json whose pid now belongs to another program: status says stale, `local down` removes it and never signals that program (review r11-F1)', async () => {
      const pid = victim.pid!;
      writeSchedulerState(reused.dir, { pid, processStartTime: String(Number(processStartTime(pid)) - 1), startedAt: new Date().toISOString(), cloudPid: pid, schedules: [] });
      expect(localSchedulerStatus(reused.dir)).toEqual({ state: 'stale', pid, staleReason: 'reused' });
      expect(await localDown({ dataDir: reused.dir }, { io: recordingCliIo() })).toBe(0);
      expect(readSchedulerState(reused.dir)).toBeUndefined();
      expect(victim.signalCode).toBeNull();
      expect(victim.exitCode).toBeNull();
      expect(isProcessAlive(pid)).toBe(true);
    });
  });

  it('stops cleanly and a new start on the same data directory finds buckets, objects and tables', async () => {
    const client = s3(DR);
    await client.send(new CreateBucketCommand({ Bucket: 'survivor' }));
    await client.send(new PutObjectCommand({ Bucket: 'survivor', Key: 'k', Body: 'still here' }));
    await ddb(PRIMARY).send(new PutItemCommand({ TableName: `items-${PRIMARY}`, Item: { pk: { S: 'p' }, sk: { S: 's' }, v: { S: 'kept' } } }));

    const oldPid = cloud.pid;
    await cloud.stop();
    expect(readCloudState(dataDir)).toBeUndefined();
    expect((await localCloudStatus(dataDir)).state).toBe('stopped');
    await expect(connectLocalCloud(dataDir)).rejects.toBeInstanceOf(LocalCloudNotRunningError);

    cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
    expect(cloud.pid).not.toBe(oldPid);
    expect(await text(s3(DR), 'survivor', 'k')).toBe('still here');
    const item = await ddb(PRIMARY).send(new GetItemCommand({ TableName: `items-${PRIMARY}`, Key: { pk: { S: 'p' }, sk: { S: 's' } } }));
    expect(item.Item?.v).toEqual({ S: 'kept' });
  });
});
