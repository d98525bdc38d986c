import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { planBackup, type PlanBackupDeps } from '../../../../lambdas/backup/plan-backup';
import { newObservations } from '../../../../lambdas/sources/entry-sink';
import { addS3Shard } from '../../../../lambdas/sources/s3-object-entries';
import { addS3RangePiece, type PieceSink } from '../../../../lambdas/sources/s3-range-piece';
import { S3SourceReadError, s3SourceReadError } from '../../../../lambdas/sources/s3-source-read-error';
import { S3SourceInOtherRegionError } from '../../../../lambdas/sources/s3-source-region-error';
import { BucketOwnerMismatchError, bucketOwnerRule, expectBucketOwner } from '../../../../lambdas/runtime/expected-bucket-owner';
import { classifyError } from '../../../../lambdas/runtime/errors';
import { protectionPlanSchema, type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { MemoryVaultStore, type Vault } from '../../../../vault';
import { type NewEntry } from '../../../../vault/archiver/snapshot-writer';

/**
 * An S3 source S3 refuses (audit a58A F1): a deleted bucket failed the backup with S3's bare `NoSuchBucket: The
 * specified bucket does not exist`, and a refused object with a bare AccessDenied, naming neither the source, the
 * bucket nor the key. The plan step now checks each S3 source's bucket as it describes a table, and the readers name
 * the source, the bucket and the key. Over a real S3Client and an HTTP server on 127.0.0.1 that answers as S3 does, so
 * the errors are the SDK's own (name, $metadata) as a Lambda meets them.
 */

const BACKUP_ID = '20261201T100000Z-0a1b2c3d';
const OBJECTS: Record<string, string> = { 'a.jpg': 'aaaa', 'b.jpg': 'bbbb' };

function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(body);
}

const s3ErrorXml = (code: string, message: string): string => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

const KMS_DENIAL =
  'User: arn:aws:sts::111122223333:assumed-role/lifeboat-prod-backup/x is not authorized to perform: kms:Decrypt on resource: ' +
  'arn:aws:kms:us-east-1:111122223333:key/abcd because no identity-based policy allows the kms:Decrypt action';

/**
 * Bucket `gone` does not exist; `photos` lists OBJECTS and refuses GetObject of b.jpg; `busy` answers 503 SlowDown;
 * `sealed` lists a.jpg and secret/b.jpg and refuses the GET of the second as S3 does when the object's KMS key does
 * not let the role decrypt; `foreign` refuses its listing (another account's bucket, or a policy that keeps us out).
 */
function answer(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  if (bucket === 'busy') return xml(res, 503, s3ErrorXml('SlowDown', 'Please reduce your request rate.'));
  if (bucket === 'foreign') return xml(res, 403, s3ErrorXml('AccessDenied', 'Access Denied'));
  // Buckets of eu-west-1, as S3 answers a client of us-east-1: a redirect, or a 400 for a request signed for the wrong region.
  if (bucket === 'west') {
    res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': 'eu-west-1' });
    res.end(s3ErrorXml('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.'));
    return;
  }
  if (bucket === 'west400') {
    res.writeHead(400, { 'content-type': 'application/xml', 'x-amz-bucket-region': 'eu-west-1' });
    res.end(s3ErrorXml('AuthorizationHeaderMalformed', "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'"));
    return;
  }
  if (bucket === 'sealed') {
    const listed = ['a.jpg', 'secret/b.jpg'].map((k) => `<Contents><Key>${k}</Key><Size>4</Size><ETag>"${k}"</ETag><LastModified>2026-11-01T00:00:00.000Z</LastModified></Contents>`);
    if (key === '') return xml(res, 200, `<ListBucketResult><Name>sealed</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${listed.join('')}</ListBucketResult>`);
    if (url.searchParams.has('tagging')) return xml(res, 200, '<Tagging><TagSet></TagSet></Tagging>');
    if (key === 'secret/b.jpg') return xml(res, 403, s3ErrorXml('AccessDenied', KMS_DENIAL));
  }
  if (bucket !== 'photos') return xml(res, 404, s3ErrorXml('NoSuchBucket', 'The specified bucket does not exist'));
  if (key === '') {
    const contents = Object.entries(OBJECTS)
      .map(([k, body]) => `<Contents><Key>${k}</Key><Size>${body.length}</Size><ETag>"${k}"</ETag><LastModified>2026-11-01T00:00:00.000Z</LastModified></Contents>`)
      .join('');
    return xml(res, 200, `<ListBucketResult><Name>photos</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`);
  }
  if (url.searchParams.has('tagging')) return xml(res, 200, '<Tagging><TagSet></TagSet></Tagging>');
  if (key === 'b.jpg') return xml(res, 403, s3ErrorXml('AccessDenied', 'Access Denied'));
  const body = OBJECTS[key];
  if (body === undefined) return xml(res, 404, s3ErrorXml('NoSuchKey', 'The specified key does not exist.'));
  res.writeHead(200, { etag: `"${key}"`, 'content-length': String(body.length), 'last-modified': new Date('2026-11-01T00:00:00Z').toUTCString() });
  res.end(body);
}

let server: Server;
let s3: S3Client;
/** As every Lambda's (and the local cloud's) S3 client: behind the ExpectedBucketOwner guard (LIFEBOAT_ACCOUNT is always set). */
let guarded: S3Client;

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  // One attempt: the 503 below must come back as the SDK names it, not after the SDK's own retries.
  const client = () => new S3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  s3 = client();
  guarded = expectBucketOwner(client(), bucketOwnerRule('111122223333', new Map()));
});

afterAll(async () => {
  s3.destroy();
  guarded.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function planOf(bucket: string): ProtectionPlanConfig {
  return protectionPlanSchema.parse({
    name: 'assets',
    schedule: 'rate(1 day)',
    strategy: 'full',
    retention: { keepLast: 3 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    sources: [{ type: 's3', name: 'bad-assets', bucket, prefix: 'img/' }],
  });
}

/** The planner's deps, its catalog keeping the records it writes (a full backup reads none). */
function planDeps(plan: ProtectionPlanConfig): { deps: PlanBackupDeps; records: BackupRecord[] } {
  const records: BackupRecord[] = [];
  const catalog = {
    createBackup: (record: BackupRecord) => {
      records.push({ ...record });
      return Promise.resolve(record);
    },
    recordPlannedShards: () => Promise.resolve(true),
    formatMarker: () => ({ raise: (format: number) => Promise.resolve(format) }),
  } as unknown as BackupCatalog;
  const vault = { store: new MemoryVaultStore('refused-source-test') } as unknown as Vault;
  return { deps: { s3, dynamodb: undefined as never, vault, catalog, plans: [plan], environment: 'test', now: () => new Date('2026-12-01T10:00:00Z') }, records };
}

async function failureOf(run: Promise<unknown>): Promise<Error> {
  const failure = await run.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(failure instanceof Error)) throw new Error(`expected a failure, got ${JSON.stringify(failure)}`);
  return failure;
}

/** Reads every entry's content as a snapshot writer does; `refuse` makes its adds fail as the vault's S3 store would. */
function sink(refuse?: Error): PieceSink & { added: string[] } {
  const added: string[] = [];
  return {
    added,
    canReuse: () => Promise.resolve(null),
    async add(entry: NewEntry) {
      if (refuse) throw refuse;
      const content = typeof entry.content === 'function' ? entry.content() : entry.content;
      if (content !== undefined && !Buffer.isBuffer(content)) for await (const chunk of content) void chunk;
      added.push(entry.path);
    },
    storeContent: () => Promise.reject(refuse ?? new Error('not used')),
  } as unknown as PieceSink & { added: string[] };
}

describe('the plan step with an S3 source whose bucket does not exist', () => {
  it('fails naming the source and the bucket, after recording the run RUNNING', async () => {
    const { deps, records } = planDeps(planOf('no-such-bucket-a58a'));
    const failure = await failureOf(planBackup({ plan: 'assets', backupId: BACKUP_ID }, deps));
    expect(failure).toBeInstanceOf(S3SourceReadError);
    expect(failure.message).toBe(
      'source bad-assets: S3 refused to list bucket no-such-bucket-a58a under prefix "img/": "NoSuchBucket: The specified bucket does not exist". ' +
        "The bucket does not exist (deleted or renamed): create it, or correct the source's bucket in the plan (lifeboat.config.json), then run the backup again",
    );
    expect(failure.cause).toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
    // The record came first: the workflow's Record failure marks it FAILED with this error.
    expect(records.map((r) => [r.backupId, r.status])).toEqual([[BACKUP_ID, 'RUNNING']]);
  });

  it('leaves a transient answer as S3 gave it, so the workflow retries it', async () => {
    const { deps } = planDeps(planOf('busy'));
    const failure = await failureOf(planBackup({ plan: 'assets', backupId: BACKUP_ID }, deps));
    expect(failure).not.toBeInstanceOf(S3SourceReadError);
    expect(failure.name).toBe('SlowDown');
  });
});

describe('a shard whose object S3 refuses', () => {
  it('fails naming the source, the bucket and the key, S3 refusal kept as the cause', async () => {
    const writer = sink();
    const failure = await failureOf(addS3Shard(s3, { source: 'photos-src', bucket: 'photos', prefix: '' }, writer, newObservations()));
    expect(failure).toBeInstanceOf(S3SourceReadError);
    expect(failure.message).toMatch(/^source photos-src: S3 refused to read object "b\.jpg" of bucket photos: "AccessDenied: Access Denied"\. The backup's role may not do that: check the bucket's policy/);
    expect(failure.cause).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  it('f65M: a 403 for the clock, not a permission (bare, as the runtime no longer wraps it), is not advised a policy', () => {
    const skew = Object.assign(new Error('The difference between the request time and the current time is too large.'), { name: 'RequestTimeTooSkewed', $metadata: { httpStatusCode: 403 } });
    const failure = s3SourceReadError(skew, { source: 'photos-src', bucket: 'photos', key: 'b.jpg' }, 'read') as Error;
    expect(failure).toBeInstanceOf(S3SourceReadError);
    expect(failure.message).toBe(
      'source photos-src: S3 refused to read object "b.jpg" of bucket photos: "RequestTimeTooSkewed: The difference between the request time and the current time is too large.". ' +
        "S3 refused the request for its time, not for a permission (RequestTimeTooSkewed): the clock of the machine the backup ran on is more than 15 minutes off S3's; set it right (NTP), then run the backup again",
    );
  });

  it('r65M F2: a 403 for the account, not the clock, is said by its name, not as a clock or expired credentials', () => {
    const disabled = Object.assign(new Error('All access to this Amazon S3 resource has been disabled.'), { name: 'AllAccessDisabled', $metadata: { httpStatusCode: 403 } });
    const failure = s3SourceReadError(disabled, { source: 'photos-src', bucket: 'photos', key: 'b.jpg' }, 'read') as Error;
    expect(failure).toBeInstanceOf(S3SourceReadError);
    expect(failure.message).toBe(
      'source photos-src: S3 refused to read object "b.jpg" of bucket photos: "AllAccessDisabled: All access to this Amazon S3 resource has been disabled.". ' +
        'S3 answered 403 AllAccessDisabled, which is no want of a permission: put right what its words say, then run the backup again',
    );
    expect(failure.message).not.toMatch(/clock|expired/);
  });

  it("r65M F3, r65V F1: a HEAD's bodiless 400 names no single cause: it says how to read S3's words, and both causes (SSE-C every run, expired credentials)", () => {
    const head = Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 400 } });
    const failure = s3SourceReadError(head, { source: 'photos-src', bucket: 'photos', key: 'b.jpg' }, 'read') as Error;
    expect(failure).toBeInstanceOf(S3SourceReadError);
    expect(failure.message).toBe(
      'source photos-src: S3 refused to read object "b.jpg" of bucket photos: "Unknown: UnknownError". ' +
        "S3 answered 400 without words (a HEAD has no body to say why): get the object with the backup's role (aws s3api get-object) to read S3's own error. An object encrypted with a customer-provided key (SSE-C) answers so on every run, and the backup cannot read it; expired credentials answer so too, and the next run has fresh ones",
    );
    expect(failure.message).not.toMatch(/usual cause|reads past/);
  });

  it("r65M F3: an expired session token (S3's 400, not 403) says the credentials expired and the next run reads it", () => {
    const expired = Object.assign(new Error('The provided token has expired.'), { name: 'ExpiredToken', $metadata: { httpStatusCode: 400 } });
    const failure = s3SourceReadError(expired, { source: 'photos-src', bucket: 'photos', key: 'b.jpg' }, 'read') as Error;
    expect(failure).toBeInstanceOf(S3SourceReadError);
    expect(failure.message).toBe(
      'source photos-src: S3 refused to read object "b.jpg" of bucket photos: "ExpiredToken: The provided token has expired.". ' +
        "S3 refused the credentials, not the request (ExpiredToken): their session token had expired, which no policy or plan change puts right; the backup's next run reads it with fresh credentials",
    );
  });

  it('a listing of a bucket that is gone names the source and the bucket', async () => {
    const failure = await failureOf(addS3Shard(s3, { source: 'photos-src', bucket: 'gone', prefix: 'x/' }, sink(), newObservations()));
    expect(failure).toBeInstanceOf(S3SourceReadError);
    expect(failure.message).toMatch(/^source photos-src: S3 refused to list bucket gone under prefix "x\/": "NoSuchBucket: /);
  });

  it('a piece of a large object names the source, the bucket and the key', async () => {
    const spec = { source: 'photos-src', bucket: 'photos', key: 'b.jpg', etag: '"b.jpg"', size: 8, start: 0, end: 4, piece: 0, pieces: 2 };
    const failure = await failureOf(addS3RangePiece(s3, spec, sink()));
    expect(failure).toBeInstanceOf(S3SourceReadError);
    expect(failure.message).toMatch(/^source photos-src: S3 refused to read object "b\.jpg" of bucket photos: "AccessDenied: /);
  });

  it("leaves the vault's refusals (the sink's) as they are: they are not the source's", async () => {
    const vaultRefusal = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const failure = await failureOf(addS3Shard(s3, { source: 'photos-src', bucket: 'photos', prefix: '', endAt: 'a.jpg' }, sink(vaultRefusal), newObservations()));
    expect(failure).toBe(vaultRefusal);
  });
});

describe('a source S3 refuses under the ExpectedBucketOwner guard, as in Lambda (review r59D F1)', () => {
  it("a shard's object refused by its KMS key keeps the guard's error name, and names the source, the bucket, the key and S3's own words", async () => {
    const failure = await failureOf(addS3Shard(guarded, { source: 'photos-src', bucket: 'sealed', prefix: '' }, sink(), newObservations()));
    expect(failure).toBeInstanceOf(BucketOwnerMismatchError);
    expect(failure.name).toBe('BucketOwnerMismatchError');
    expect(failure.message).toBe(
      'source photos-src: S3 refused to read object "secret/b.jpg" of bucket sealed (GetObjectCommand: 403 AccessDenied under ExpectedBucketOwner 111122223333, so nothing was read): ' +
        'either the bucket is not owned by account 111122223333 (a bucket of that name in another account), or this role\'s IAM policy, the bucket\'s policy ' +
        'or the policy of the KMS key that encrypts its objects refuses it (docs/DEPLOYMENT.md, "An S3 source in another account"). ' +
        `S3 said: "AccessDenied: ${KMS_DENIAL}"`,
    );
    expect(failure).toMatchObject({ bucket: 'sealed', expectedOwner: '111122223333', operation: 'GetObjectCommand', cause: { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } } });
  });

  it("the plan step's check of a refused bucket names the source and the prefix it lists", async () => {
    const { deps, records } = planDeps(planOf('foreign'));
    const failure = await failureOf(planBackup({ plan: 'assets', backupId: BACKUP_ID }, { ...deps, s3: guarded }));
    expect(failure).toBeInstanceOf(BucketOwnerMismatchError);
    expect(failure.message).toMatch(
      /^source bad-assets: S3 refused to list bucket foreign under prefix "img\/" \(ListObjectsV2Command: 403 AccessDenied under ExpectedBucketOwner 111122223333, so nothing was read\): either the bucket is not owned by account 111122223333 .* S3 said: "AccessDenied: Access Denied"$/,
    );
    expect(records.map((r) => r.status)).toEqual(['RUNNING']);
  });

  it('a piece of a large object names the source, the bucket and the key', async () => {
    const spec = { source: 'photos-src', bucket: 'sealed', key: 'secret/b.jpg', etag: '"secret/b.jpg"', size: 8, start: 0, end: 4, piece: 0, pieces: 2 };
    const failure = await failureOf(addS3RangePiece(guarded, spec, sink()));
    expect(failure).toBeInstanceOf(BucketOwnerMismatchError);
    expect(failure.message).toMatch(/^source photos-src: S3 refused to read object "secret\/b\.jpg" of bucket sealed \(GetObjectCommand: .* S3 said: "AccessDenied: User: .* kms:Decrypt/);
  });
});

describe('the plan step with an S3 source whose bucket is in another region (review r59D F6)', () => {
  it.each(['west', 'west400'])('bucket %s fails naming the source, the bucket, both regions and what to do, as a permanent error', async (bucket) => {
    const { deps, records } = planDeps(planOf(bucket));
    const failure = await failureOf(planBackup({ plan: 'assets', backupId: BACKUP_ID }, { ...deps, s3: guarded }));
    expect(failure).toBeInstanceOf(S3SourceInOtherRegionError);
    expect(failure.message).toBe(
      `source bad-assets: bucket ${bucket} is in eu-west-1, not in the primary region us-east-1, where the backup functions read every source (S3 redirected their request); ` +
        `back up a bucket of us-east-1 instead (replicate or copy ${bucket} there) and name it in the source's bucket in the plan (lifeboat.config.json), or move the environment's primaryRegion`,
    );
    expect(classifyError(failure)).toBe(failure);
    expect(records.map((r) => r.status)).toEqual(['RUNNING']);
  });
});

/**
 * Review r60C F4: S3SourceReadError put S3's words into its message raw and whole, where the owner guard's refusal
 * quotes them: a key S3 names could forge a line (`\n[ERROR] …`), colour the terminal, or fill it. Both now quote alike.
 */
describe("S3's words in an S3SourceReadError", () => {
  const refusedWith = (message: string): string =>
    (s3SourceReadError(Object.assign(new Error(message), { name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } }), { source: 'photos', bucket: 'b', key: 'evil' }, 'read') as Error).message;

  it('are quoted, so a key with a newline, an ANSI escape or a C1 CSI forges no line and colours nothing', () => {
    const message = refusedWith('The key "evil\n[ERROR] forged \u001b[31mred \u009b32mgreen \u202eesrever"');
    for (const raw of ['\n', '\u001b', '\u009b', '\u202e']) expect(message).not.toContain(raw);
    expect(message).toBe('source photos: S3 refused to read object "evil" of bucket b: "InvalidArgument: The key \\"evil\\n[ERROR] forged \\u001b[31mred \\u009b32mgreen \\u202eesrever\\""');
  });

  it('are cut to 500 characters, saying so', () => {
    const message = refusedWith(`${'x'.repeat(3_000)}TAIL`);
    expect(message).not.toContain('TAIL');
    expect(message).toBe(`source photos: S3 refused to read object "evil" of bucket b: "InvalidArgument: ${'x'.repeat(483)}"… (cut from 3021 characters)`);
  });
});
