import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { BucketOwnerMismatchError, bucketOwnerRule, expectBucketOwner } from '../../../../lambdas/runtime/expected-bucket-owner';
import { foreignBucketOwners } from '../../../../lambdas/runtime/lambda-runtime';
import { runtimeConfigFromEnv } from '../../../../lambdas/runtime/runtime-config';

/** The functions' S3 clients name the owner of every bucket they touch (ExpectedBucketOwner), and turn S3's 403 into a named refusal. */
type Sent = { method: string; path: string; owner: string | undefined };

function client(status: number, body = '<?xml version="1.0"?><Result/>') {
  const sent: Sent[] = [];
  const s3 = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    forcePathStyle: true,
    endpoint: 'http://127.0.0.1:1',
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { method: string; path: string; headers: Record<string, string> }) => {
        sent.push({ method: request.method, path: request.path, owner: request.headers['x-amz-expected-bucket-owner'] });
        return { response: { statusCode: status, headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(body)]) } };
      },
    },
  });
  expectBucketOwner(s3, bucketOwnerRule('111111111111', new Map([['partner-bucket', '222222222222']])));
  return { s3, sent };
}

describe('ExpectedBucketOwner on every S3 call', () => {
  it('reads, writes, lists, heads, tagging and multipart name the owning account; CreateBucket has no such header', async () => {
    const { s3, sent } = client(200, '<?xml version="1.0"?><InitiateMultipartUploadResult><UploadId>u</UploadId></InitiateMultipartUploadResult>');
    const calls = [
      new GetObjectCommand({ Bucket: 'src', Key: 'k' }),
      new HeadObjectCommand({ Bucket: 'src', Key: 'k' }),
      new GetObjectTaggingCommand({ Bucket: 'src', Key: 'k' }),
      new ListObjectsV2Command({ Bucket: 'src' }),
      new HeadBucketCommand({ Bucket: 'lifeboat-dev-restore-x' }),
      new PutObjectCommand({ Bucket: 'lifeboat-dev-restore-x', Key: 'k', Body: 'b' }),
      new PutObjectTaggingCommand({ Bucket: 'lifeboat-dev-restore-x', Key: 'k', Tagging: { TagSet: [] } }),
      new CreateMultipartUploadCommand({ Bucket: 'lifeboat-dev-restore-x', Key: 'k' }),
      new UploadPartCommand({ Bucket: 'lifeboat-dev-restore-x', Key: 'k', UploadId: 'u', PartNumber: 1, Body: 'b' }),
      new CompleteMultipartUploadCommand({ Bucket: 'lifeboat-dev-restore-x', Key: 'k', UploadId: 'u', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: 'e' }] } }),
      new GetObjectCommand({ Bucket: 'partner-bucket', Key: 'k' }),
    ];
    for (const command of calls) await (s3.send as (c: unknown) => Promise<unknown>)(command).catch(() => undefined);
    await s3.send(new CreateBucketCommand({ Bucket: 'lifeboat-dev-restore-y' })).catch(() => undefined);
    expect(sent.map((s) => s.owner)).toEqual([...Array(calls.length - 1).fill('111111111111'), '222222222222', undefined]);
    s3.destroy();
  });

  it('a 403 becomes BucketOwnerMismatchError naming the bucket, the account and the call; it is not retried as transient', async () => {
    const { s3, sent } = client(403, '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
    const refused = s3.send(new PutObjectCommand({ Bucket: 'lifeboat-dev-restore-x', Key: 'k', Body: 'b' }));
    await expect(refused).rejects.toBeInstanceOf(BucketOwnerMismatchError);
    await expect(refused).rejects.toThrow('bucket lifeboat-dev-restore-x: S3 answered PutObjectCommand with 403 AccessDenied under ExpectedBucketOwner 111111111111, so nothing was read from or written to it. Either the bucket is not owned by account 111111111111');
    expect(sent).toHaveLength(1);
    s3.destroy();
  });

  it.each([
    ['RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'],
    ['SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'],
    ['ExpiredToken', 'The provided token has expired.'],
    ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'],
  ])('f65D: a 403 %s stays S3\'s own error, not an owner mismatch or IAM advice', async (code, message) => {
    const { s3 } = client(403, `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
    const err = await s3.send(new PutObjectCommand({ Bucket: 'lifeboat-dev-restore-x', Key: 'k', Body: 'b' })).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(BucketOwnerMismatchError);
    expect(err).toMatchObject({ name: code, message, $metadata: { httpStatusCode: 403 } });
    s3.destroy();
  });

  it('a 403 InvalidObjectState (GET of an archived object not thawed) stays S3\'s own error: it is about the object, not the bucket', async () => {
    const { s3 } = client(403, '<?xml version="1.0"?><Error><Code>InvalidObjectState</Code><Message>The operation is not valid for the object\'s storage class</Message><StorageClass>GLACIER</StorageClass></Error>');
    const err = await s3.send(new GetObjectCommand({ Bucket: 'vault', Key: 'data/00/00' })).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(BucketOwnerMismatchError);
    expect(err).toMatchObject({ name: 'InvalidObjectState', StorageClass: 'GLACIER' });
    s3.destroy();
  });

  it("Object Lock's 403 (a locked version's delete refused) stays S3's own error, for the vault store's ObjectLockedError; a plain 403 AccessDenied still blames the owner", async () => {
    const { s3 } = client(403, '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied because object protected by object lock.</Message></Error>');
    const err = await s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'snapshots/s1', VersionId: 'v1' })).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(BucketOwnerMismatchError);
    expect(err).toMatchObject({ name: 'AccessDenied', message: 'Access Denied because object protected by object lock.', $metadata: { httpStatusCode: 403 } });
    s3.destroy();
    const plain = client(403, '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
    await expect(plain.s3.send(new DeleteObjectCommand({ Bucket: 'vault', Key: 'snapshots/s1', VersionId: 'v1' }))).rejects.toBeInstanceOf(BucketOwnerMismatchError);
    plain.s3.destroy();
  });
});

describe('which buckets another account owns', () => {
  it('a DR vault in another account (DR_VAULT_ACCOUNT) and sources that name their account; every other bucket is the function\'s', () => {
    const env = {
      AWS_REGION: 'us-east-1',
      LIFEBOAT_ENVIRONMENT: 'dev',
      LIFEBOAT_ACCOUNT: '111111111111',
      CATALOG_TABLE: 'lifeboat-dev-catalog',
      VAULT_BUCKET: 'lifeboat-dev-vault-111111111111-us-east-1',
      DR_VAULT_BUCKET: 'lifeboat-dev-vault-222222222222-us-west-2',
      DR_REGION: 'us-west-2',
      DR_VAULT_ACCOUNT: '222222222222',
      LIFEBOAT_PLANS: JSON.stringify([
        {
          name: 'shop',
          schedule: 'rate(1 day)',
          strategy: 'incremental',
          retention: { keepLast: 1 },
          objectives: { rpoMinutes: 60, rtoMinutes: 60 },
          sources: [{ type: 's3', name: 'partner', bucket: 'partner-bucket', account: '333333333333' }],
        },
      ]),
    };
    const config = runtimeConfigFromEnv(env);
    const owner = bucketOwnerRule('111111111111', foreignBucketOwners(config.plans, config.drVault));
    expect(['lifeboat-dev-vault-222222222222-us-west-2', 'partner-bucket', 'lifeboat-dev-vault-111111111111-us-east-1', 'lifeboat-dev-restore-x'].map(owner)).toEqual([
      '222222222222',
      '333333333333',
      '111111111111',
      '111111111111',
    ]);
    // Without DR_VAULT_ACCOUNT (the DR stack in this account) the DR vault is the function's own.
    const { DR_VAULT_ACCOUNT: _same, ...sameAccount } = env;
    const same = runtimeConfigFromEnv(sameAccount);
    expect(bucketOwnerRule('111111111111', foreignBucketOwners(same.plans, same.drVault))('lifeboat-dev-vault-222222222222-us-west-2')).toBe('111111111111');
  });
});

describe("S3's words in a source's refusal (review r59L F3)", () => {
  const refusal = (message: string): string =>
    new BucketOwnerMismatchError('src', '111122223333', 'GetObjectCommand', { refused: 'source photos: S3 refused to read object', cause: Object.assign(new Error(message), { name: 'AccessDenied' }) })
      .message;

  it('are JSON-quoted, so a key with a newline or an ANSI escape cannot forge a line or colour the terminal', () => {
    const message = refusal('not authorized on resource: "arn:aws:s3:::src/evil\n[ERROR] forged line \u001b[31mred"');
    for (const raw of ['\n', '\r', '\u001b']) expect(message).not.toContain(raw);
    expect(message).toMatch(/ S3 said: "AccessDenied: not authorized on resource: \\"arn:aws:s3:::src\/evil\\n\[ERROR\] forged line \\u001b\[31mred\\""$/);
  });

  it('are cut to 500 characters, saying so', () => {
    const message = refusal(`${'x'.repeat(2_000)}TAIL`);
    expect(message).not.toContain('TAIL');
    expect(message).toMatch(/ S3 said: "AccessDenied: x{486}"… \(cut from 2018 characters\)$/);
  });

  // Review r60C F4: JSON.stringify left these raw: a C1 CSI colours the terminal as ESC [ does, a bidi override shows
  // a key reversed, a zero-width or tag character hides text, U+2028 breaks the line in some viewers.
  it('escape DEL, the C1 controls, U+2028/2029 and the format characters (bidi, zero-width, tags) too', () => {
    const message = refusal('key \u009b31m red \u007f \u202eTPYRCED:smk\u202c \u2066x\u2069 \u2028next\u2029 \u200bhidden\u00ad \u{e0041}');
    expect([...message].filter((c) => /[\u007f-\u009f\u2028\u2029\p{Cf}]/u.test(c))).toEqual([]);
    expect(message).toMatch(
      / S3 said: "AccessDenied: key \\u009b31m red \\u007f \\u202eTPYRCED:smk\\u202c \\u2066x\\u2069 \\u2028next\\u2029 \\u200bhidden\\u00ad \\udb40\\udc41"$/,
    );
    // Read back as JSON, the quoted words are S3's own.
    expect(JSON.parse(message.split(' S3 said: ')[1] ?? '')).toBe('AccessDenied: key \u009b31m red \u007f \u202eTPYRCED:smk\u202c \u2066x\u2069 \u2028next\u2029 \u200bhidden\u00ad \u{e0041}');
  });

  it('are cut on a code point, never between the halves of a surrogate pair', () => {
    // "AccessDenied: " is 14 characters: the emoji is the 500th (its two halves the 500th and 501st UTF-16 units).
    const message = refusal(`${'x'.repeat(485)}\u{1f600}${'y'.repeat(100)}`);
    expect(message).toMatch(/ S3 said: "AccessDenied: x{485}\u{1f600}"… \(cut from 600 characters\)$/u);
    expect(message).not.toMatch(/\\ud83d/);
  });
});
