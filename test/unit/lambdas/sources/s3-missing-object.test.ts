import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { getPlanObjectText } from '../../../../lambdas/restore/restore-plan-document';
import { BucketOwnerMismatchError, expectBucketOwner } from '../../../../lambdas/runtime/expected-bucket-owner';
import { newObservations } from '../../../../lambdas/sources/entry-sink';
import { isMissingS3Object } from '../../../../lambdas/sources/s3-missing-object';
import { headLiveObject } from '../../../../lambdas/sources/s3-live-object';
import { addS3Shard } from '../../../../lambdas/sources/s3-object-entries';
import { addS3RangePiece, type PieceSink } from '../../../../lambdas/sources/s3-range-piece';
import { S3SourceReadError } from '../../../../lambdas/sources/s3-source-read-error';
import { type ContentSource, type NewEntry } from '../../../../vault/archiver/snapshot-writer';

/**
 * A missing object as S3 answers it to a role whose s3:ListBucket is conditioned on s3:prefix (an S3 source with a
 * `prefix`; the restore functions' vault listing): 403, not 404, because a GET or HEAD carries no s3:prefix (audit R9,
 * findings 2 and 4). The client is the SDK's, with the ExpectedBucketOwner middleware the Lambdas put on it (a 403
 * becomes BucketOwnerMismatchError), and S3 behind it answers as AWS does to such a role: a listing under the allowed
 * prefix is answered, any other is refused, and every object request for a key that is not there is refused.
 */
const BUCKET = 'lifeboat-test-photos';
const OWNER = '111111111111';
const ALLOWED_PREFIX = 'photos/';

type StoredObject = { body: Buffer; etag: string };
type Request = { command: string; input: { Key?: string; Prefix?: string; MaxKeys?: number; Range?: string; IfMatch?: string } };

function s3Error(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

/** S3 as it answers a role allowed GetObject, GetObjectTagging and ListBucket only for s3:prefix `photos/*`. */
class PrefixScopedBucket {
  readonly objects = new Map<string, StoredObject>();
  readonly log: string[] = [];
  /** Keys that are there but refused anyway (a bucket policy, a KMS key): 403 whatever a listing says. */
  readonly refused = new Set<string>();
  /** Runs before S3 answers a request for a key (a delete between the shard's listing and its read). */
  beforeRead: (key: string) => void = () => undefined;

  put(key: string, text: string): void {
    this.objects.set(key, { body: Buffer.from(text), etag: `"${key}-etag"` });
  }

  answer(request: Request): unknown {
    const { command, input } = request;
    this.log.push(`${command} ${input.Key ?? input.Prefix ?? ''}`);
    if (command === 'ListObjectsV2Command') {
      const prefix = input.Prefix ?? '';
      if (!prefix.startsWith(ALLOWED_PREFIX)) throw s3Error('AccessDenied', 403, 'Access Denied');
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      const page = keys.slice(0, input.MaxKeys ?? 1000);
      return { Contents: page.map((Key) => ({ Key, Size: this.objects.get(Key)?.body.length, ETag: this.objects.get(Key)?.etag, LastModified: new Date(0) })), IsTruncated: false, KeyCount: page.length };
    }
    const key = input.Key ?? '';
    this.beforeRead(key);
    const object = this.objects.get(key);
    // No unconditioned ListBucket: S3 does not say whether the key exists.
    if (!object || this.refused.has(key)) throw command === 'HeadObjectCommand' ? s3Error('Forbidden', 403, 'UnknownError') : s3Error('AccessDenied', 403, 'Access Denied');
    if (input.IfMatch !== undefined && input.IfMatch !== object.etag) throw s3Error('PreconditionFailed', 412);
    if (command === 'GetObjectTaggingCommand') return { TagSet: [] };
    const range = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
    const body = range ? object.body.subarray(Number(range[1]), Number(range[2]) + 1) : object.body;
    const head = { ETag: object.etag, ContentLength: body.length, LastModified: new Date(0), Metadata: {}, TagCount: 0 };
    // The SDK's body: a Node stream with its transform helpers.
    const Body = Object.assign(Readable.from([body]), { transformToString: async () => body.toString(), transformToByteArray: async () => new Uint8Array(body) });
    return command === 'GetObjectCommand' ? { ...head, Body } : head;
  }

  /** A client as a Lambda has it: ExpectedBucketOwner on every command, S3 behind it. */
  client(): S3Client {
    const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    expectBucketOwner(client, () => OWNER);
    client.middlewareStack.add(
      (_next, context) => async (args) => ({ output: { ...(this.answer({ command: context.commandName ?? '?', input: args.input as Request['input'] }) as object), $metadata: {} }, response: {} }),
      // After the owner middleware (initialize, normal priority), so that it sees S3's answers as a real request's.
      { step: 'initialize', priority: 'low', name: 'prefixScopedBucket' },
    );
    return client;
  }
}

/** The bytes of a content source, read to its end (a stream left unread would hold its connection). */
async function bytesOf(content: ContentSource): Promise<number> {
  const source = typeof content === 'function' ? content() : content;
  if (Buffer.isBuffer(source)) return source.length;
  let size = 0;
  for await (const chunk of source) size += chunk.length;
  return size;
}

function recordingSink(): { sink: PieceSink; added: string[] } {
  const added: string[] = [];
  const sink: PieceSink = {
    add: async (entry: NewEntry) => {
      if (entry.content !== undefined) await bytesOf(entry.content);
      added.push(entry.path);
    },
    canReuse: async () => null,
    storeContent: async (content) => ({ size: await bytesOf(content), content: [] }),
  };
  return { sink, added };
}

describe('isMissingS3Object', () => {
  it('takes a 404 as missing at once, and answers a 403 with a one-key listing: missing when the key is not listed first, even when a longer key follows it', async () => {
    const bucket = new PrefixScopedBucket();
    expect(await isMissingS3Object(bucket.client(), BUCKET, 'photos/a.jpg', s3Error('NoSuchKey', 404))).toBe(true);
    expect(bucket.log).toEqual([]);
    bucket.put('photos/a.jpg.bak', 'not the object');
    expect(await isMissingS3Object(bucket.client(), BUCKET, 'photos/a.jpg', s3Error('AccessDenied', 403))).toBe(true);
    bucket.put('photos/a.jpg', 'the object');
    expect(await isMissingS3Object(bucket.client(), BUCKET, 'photos/a.jpg', s3Error('AccessDenied', 403))).toBe(false);
    expect(bucket.log).toEqual(['ListObjectsV2Command photos/a.jpg', 'ListObjectsV2Command photos/a.jpg']);
  });

  it('keeps the refusal when the listing is refused too, and for an archived object (403 InvalidObjectState) lists nothing', async () => {
    const bucket = new PrefixScopedBucket();
    expect(await isMissingS3Object(bucket.client(), BUCKET, 'elsewhere/a.jpg', s3Error('AccessDenied', 403))).toBe(false);
    expect(await isMissingS3Object(bucket.client(), BUCKET, 'photos/a.jpg', s3Error('InvalidObjectState', 403))).toBe(false);
    expect(await isMissingS3Object(bucket.client(), BUCKET, 'photos/a.jpg', s3Error('SlowDown', 503))).toBe(false);
    expect(bucket.log).toEqual(['ListObjectsV2Command elsewhere/a.jpg']);
  });

  it('proves nothing absent with a listing that ignored the Prefix (an endpoint that is not S3)', async () => {
    const ignoresPrefix = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    ignoresPrefix.send = (async () => ({ Contents: [{ Key: 'photos/0-first-of-the-bucket.jpg' }] })) as unknown as S3Client['send'];
    expect(await isMissingS3Object(ignoresPrefix, BUCKET, 'photos/a.jpg', s3Error('AccessDenied', 403))).toBe(false);
  });
});

describe('a shard of a source with a prefix (addS3Shard)', () => {
  it('counts an object deleted between its listing and its GET as vanished, though S3 answered 403', async () => {
    const bucket = new PrefixScopedBucket();
    for (const key of ['photos/a.jpg', 'photos/b.jpg', 'photos/c.jpg']) bucket.put(key, `body of ${key}`);
    bucket.beforeRead = (key) => {
      if (key === 'photos/b.jpg') bucket.objects.delete(key);
    };
    const { sink, added } = recordingSink();
    const observations = newObservations();
    await addS3Shard(bucket.client(), { bucket: BUCKET, prefix: ALLOWED_PREFIX }, sink, observations);
    expect(added.sort()).toEqual(['photos/a.jpg', 'photos/c.jpg']);
    expect(observations.vanished).toEqual(['photos/b.jpg']);
  });

  it('fails with the ownership guard\'s error, by its name, when the object is there and refused', async () => {
    const bucket = new PrefixScopedBucket();
    for (const key of ['photos/a.jpg', 'photos/b.jpg']) bucket.put(key, `body of ${key}`);
    bucket.refused.add('photos/b.jpg');
    const { sink } = recordingSink();
    const observations = newObservations();
    const failure = await addS3Shard(bucket.client(), { source: 'photos', bucket: BUCKET, prefix: ALLOWED_PREFIX }, sink, observations).then(
      () => undefined,
      (err: unknown) => err,
    );
    // The ownership guard's error keeps its name (it names the bucket and the request); S3SourceReadError names the
    // source and key of other refusals (audit a58A F1), not this one, which the e2e security guards and DEPLOYMENT know by name.
    expect(failure).toBeInstanceOf(BucketOwnerMismatchError);
    expect(failure).not.toBeInstanceOf(S3SourceReadError);
    expect(failure).toMatchObject({ bucket: BUCKET, operation: 'GetObjectCommand' });
    expect(observations.vanished).toEqual([]);
  });
});

describe('a piece of a large object (addS3RangePiece)', () => {
  const spec = { bucket: BUCKET, key: 'photos/big.raw', etag: '"photos/big.raw-etag"', size: 10, start: 0, end: 5, piece: 1, pieces: 2 };

  it('is vanished when the object was deleted after planning', async () => {
    const bucket = new PrefixScopedBucket();
    const { sink } = recordingSink();
    expect(await addS3RangePiece(bucket.client(), spec, sink)).toMatchObject({ outcome: 'vanished', key: 'photos/big.raw' });
  });

  it('is stored when it is there, and fails with the original error when it is there and refused', async () => {
    const bucket = new PrefixScopedBucket();
    bucket.put('photos/big.raw', '0123456789');
    const { sink } = recordingSink();
    expect(await addS3RangePiece(bucket.client(), spec, sink)).toMatchObject({ outcome: 'stored', size: 5 });
    bucket.refused.add('photos/big.raw');
    const failure = await addS3RangePiece(bucket.client(), { ...spec, source: 'photos' }, sink).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(BucketOwnerMismatchError);
    expect(failure).toMatchObject({ bucket: BUCKET, operation: 'GetObjectCommand' });
  });
});

describe('the planner\'s HEAD of an inventory-listed object (headLiveObject)', () => {
  it('answers undefined for an object deleted since the report, the object for one that is there, and the refusal otherwise', async () => {
    const bucket = new PrefixScopedBucket();
    const lookup = headLiveObject(bucket.client(), BUCKET);
    expect(await lookup('photos/gone.jpg')).toBeUndefined();
    bucket.put('photos/here.jpg', 'here');
    expect(await lookup('photos/here.jpg')).toMatchObject({ key: 'photos/here.jpg', size: 4, etag: '"photos/here.jpg-etag"' });
    bucket.refused.add('photos/here.jpg');
    await expect(lookup('photos/here.jpg')).rejects.toMatchObject({ name: 'BucketOwnerMismatchError', operation: 'HeadObjectCommand' });
  });
});

describe('a restore\'s piece and check records (getPlanObjectText)', () => {
  // The restore functions may list the vault under restore-plans/ (lib/constructs/restore-functions.ts); the fake's
  // allowed prefix stands for it here.
  it('answers undefined for a record that is not there, so verify reaches its own message, and the refusal of one that is', async () => {
    const bucket = new PrefixScopedBucket();
    expect(await getPlanObjectText(bucket.client(), BUCKET, 'photos/r1.checks/3.json')).toBeUndefined();
    bucket.put('photos/r1.checks/3.json', '{"ok":true}');
    expect(await getPlanObjectText(bucket.client(), BUCKET, 'photos/r1.checks/3.json')).toBe('{"ok":true}');
    bucket.refused.add('photos/r1.checks/3.json');
    await expect(getPlanObjectText(bucket.client(), BUCKET, 'photos/r1.checks/3.json')).rejects.toBeInstanceOf(BucketOwnerMismatchError);
  });
});
