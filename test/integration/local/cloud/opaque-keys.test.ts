import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  paginateListObjectsV2,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type LocalCloudHandle, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { dataDirLayout } from '../../../../local/cloud/cloud-state';
import { compareKeys } from '../../../../lambdas/sources/s3-key-order';
import { listObjectPages } from '../../../../lambdas/sources/url-encoded-listing';

/**
 * S3 keys are opaque strings (docs/LOCAL-CLOUD.md, "Object keys on disk"): keys with `.`, `..` and
 * empty segments, or a leading `/`, round-trip byte for byte through the local cloud's S3 and stay
 * in their bucket's directory. s3rver made paths of them: `../other/x` landed in bucket `other`,
 * deeper `..` out of the data directory, and `a/../b` came back as `b`.
 */
const REGION = 'us-east-1';
const BUCKET = 'opaque-keys';
const OTHER = 'other-bucket';
const LOCKED = 'opaque-keys-locked';
const KEYS = [
  `../${OTHER}/x`,
  '../../../../escape/x',
  'a/../b',
  'weird/../dot-dot-segment.txt',
  './c',
  'a/./e',
  'a//d',
  '/lead',
  '//lead-twice',
  '/',
  '..',
  '.',
  'x/..',
  'x/.',
  'dir/',
  'dir//',
  'plain/key.txt',
  '._S3rver_uploads/not-an-upload',
];

/** Data dir inside a parent of its own: a key that climbed out of it would show up in the parent. */
const root = mkdtempSync(join(tmpdir(), 'lifeboat-opaque-keys-'));
const dataDir = join(root, 'data');
const bucketDir = join(dataDirLayout(dataDir).s3Dir(REGION), BUCKET);
let cloud: LocalCloudHandle;
let s3: S3Client;

beforeAll(async () => {
  mkdirSync(dataDir);
  cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new CreateBucketCommand({ Bucket: OTHER }));
});

afterAll(async () => {
  s3?.destroy();
  await stopLocalCloud(dataDir);
  rmSync(root, { recursive: true, force: true });
});

const bodyOf = (key: string): string => `body of ${JSON.stringify(key)}`;

async function text(key: string, bucket = BUCKET): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

/** Every page of a listing: its keys and common prefixes, in the order answered. */
async function list(input: Omit<ListObjectsV2CommandInput, 'Bucket'>, bucket = BUCKET, pageSize?: number): Promise<{ keys: string[]; prefixes: string[] }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3, ...(pageSize ? { pageSize } : {}) }, { Bucket: bucket, ...input })) {
    keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ''));
    prefixes.push(...(page.CommonPrefixes ?? []).map((c) => c.Prefix ?? ''));
  }
  return { keys, prefixes };
}

/** Every file under `dir`, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => !d.isDirectory())
    .map((d) => relative(dir, join(d.parentPath, d.name)));
}

/** A request sent as written: Node's http client, unlike fetch, neither resolves nor encodes its path. */
function rawRequest(method: string, path: string, body = ''): Promise<number> {
  const endpoint = new URL(cloud.endpoints.s3[REGION] ?? '');
  return new Promise((resolve, reject) => {
    const req = request({ host: endpoint.hostname, port: endpoint.port, method, path, headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const byCodePoint = (keys: readonly string[]): string[] => [...keys].sort();

describe('object keys with dot and empty segments in the local S3', () => {
  it('stores every key verbatim: GET and HEAD answer its own bytes', async () => {
    for (const key of KEYS) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bodyOf(key) }));
    for (const key of KEYS) {
      expect(await text(key)).toBe(bodyOf(key));
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentLength).toBe(Buffer.byteLength(bodyOf(key)));
    }
  });

  it('lists the keys verbatim, in S3 order, with a prefix, a delimiter and across pages', async () => {
    const all = byCodePoint(KEYS);
    expect(await list({})).toEqual({ keys: all, prefixes: [] });
    expect(await list({}, BUCKET, 2)).toEqual({ keys: all, prefixes: [] });
    expect(await list({ Prefix: '../' })).toEqual({ keys: all.filter((k) => k.startsWith('../')), prefixes: [] });
    expect(await list({ Prefix: 'a/' })).toEqual({ keys: ['a/../b', 'a/./e', 'a//d'], prefixes: [] });
    expect(await list({ Prefix: '/' })).toEqual({ keys: ['/', '//lead-twice', '/lead'], prefixes: [] });
    expect(await list({ Delimiter: '/' })).toEqual({ keys: ['.', '..'], prefixes: ['../', './', '._S3rver_uploads/', '/', 'a/', 'dir/', 'plain/', 'weird/', 'x/'] });
    expect(await list({ Delimiter: '/' }, BUCKET, 1)).toEqual({ keys: ['.', '..'], prefixes: ['../', './', '._S3rver_uploads/', '/', 'a/', 'dir/', 'plain/', 'weird/', 'x/'] });
    expect(await list({ Prefix: 'a/', Delimiter: '/' })).toEqual({ keys: [], prefixes: ['a/../', 'a/./', 'a//'] });
    expect(await list({ Prefix: '../', Delimiter: '/' })).toEqual({ keys: [], prefixes: ['../../', `../${OTHER}/`] });
    expect(await list({ Prefix: 'dir/', Delimiter: '/' })).toEqual({ keys: ['dir/'], prefixes: ['dir//'] });
    expect(await list({ Prefix: 'x/', Delimiter: '/' })).toEqual({ keys: ['x/.', 'x/..'], prefixes: [] });
  });

  it('writes nothing outside the bucket: the other bucket stays empty, the data dir holds no object elsewhere', async () => {
    expect(await list({}, OTHER)).toEqual({ keys: [], prefixes: [] });
    expect(files(join(bucketDir, '..', OTHER))).toEqual([]);
    const objectFiles = files(root).filter((f) => f.includes('._S3rver_'));
    expect(objectFiles.length).toBeGreaterThanOrEqual(KEYS.length);
    expect(objectFiles.filter((f) => !join(root, f).startsWith(bucketDir + sep))).toEqual([]);
    expect(existsSync(join(root, 'escape'))).toBe(false);
  });

  it('keeps a raw `..` of the request path in the key: no layer in front of the store resolves it', async () => {
    expect(await rawRequest('PUT', `/${BUCKET}/../${OTHER}/raw`, 'raw')).toBe(200);
    expect(await text(`../${OTHER}/raw`)).toBe('raw');
    expect(await list({}, OTHER)).toEqual({ keys: [], prefixes: [] });
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `../${OTHER}/raw` }));
  });

  it('refuses a bucket name or an upload id that would be a path elsewhere', async () => {
    expect(await rawRequest('PUT', `/%2E%2E/${BUCKET}/x`, 'x')).toBe(400);
    expect(await rawRequest('PUT', `/${BUCKET}/k?partNumber=1&uploadId=..%2F..%2F..%2Fescape`, 'x')).toBe(404);
    expect(await rawRequest('PUT', `/${BUCKET}/k?partNumber=..%2Fescape&uploadId=${'0'.repeat(32)}`, 'x')).toBe(400);
    expect(files(root).filter((f) => f.includes('escape') && !join(root, f).startsWith(bucketDir + sep))).toEqual([]);
  });

  it('copies, tags and uploads in parts under such keys', async () => {
    const source = 'a/../b';
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/../b', CopySource: `${BUCKET}/${source.split('/').map(encodeURIComponent).join('/')}` }));
    expect(await text('copy/../b')).toBe(bodyOf(source));
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: '/copy//lead', CopySource: `${BUCKET}//lead` }));
    expect(await text('/copy//lead')).toBe(bodyOf('/lead'));

    await s3.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: './c', Tagging: { TagSet: [{ Key: 'dot', Value: 'segment' }] } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: './c' }))).TagSet).toEqual([{ Key: 'dot', Value: 'segment' }]);
    await expect(s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'c' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });

    const key = `../${OTHER}/multipart`;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: 'in parts' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(await text(key)).toBe('in parts');
    expect(await list({}, OTHER)).toEqual({ keys: [], prefixes: [] });
    expect((await list({ Prefix: '../' })).keys).toEqual(byCodePoint(['../../../../escape/x', `../${OTHER}/x`, key]));
  });

  it('keeps a legal hold on the key it was set on', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
    await s3.send(new PutObjectCommand({ Bucket: LOCKED, Key: 'held/../x', Body: 'held' }));
    await s3.send(new PutObjectCommand({ Bucket: LOCKED, Key: 'x', Body: 'free' }));
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: LOCKED, Key: 'held/../x', LegalHold: { Status: 'ON' } }));
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: LOCKED, Key: 'held/../x' }))).LegalHold?.Status).toBe('ON');
    await expect(s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'held/../x' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'x' }));
    expect(await text('held/../x', LOCKED)).toBe('held');
  });

  it('deletes them one by one and in a batch, leaving no file and no directory of theirs', async () => {
    const { keys } = await list({});
    const [first = '', ...rest] = keys;
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: first }));
    const deleted = await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: rest.map((Key) => ({ Key })) } }));
    expect((deleted.Deleted ?? []).map((d) => d.Key).sort()).toEqual(byCodePoint(rest));
    expect(await list({})).toEqual({ keys: [], prefixes: [] });
    expect(files(bucketDir)).toEqual([]);
    // s3rver's own directory of multipart uploads is all that is left (the upload's own went when it completed).
    expect(readdirSync(bucketDir, { recursive: true })).toEqual(['._S3rver_uploads']);
  });
});

describe('keys raw XML cannot carry, listed with encoding-type=url as S3 lists them', () => {
  const HOSTILE = 'xml-hostile-keys';
  const HOSTILE_KEYS = ['cr\rkey', 'crlf\r\nkey', '\n', ' \n ', 'x/a+b c', 'x/100%', 'x/\u{1F600}(1)', 'x/~*!'];

  it('answers the keys, prefixes and common prefixes URL-encoded and says so; the decoded listing is every key as it is', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: HOSTILE }));
    for (const key of HOSTILE_KEYS) await s3.send(new PutObjectCommand({ Bucket: HOSTILE, Key: key, Body: bodyOf(key) }));
    const raw = await s3.send(new ListObjectsV2Command({ Bucket: HOSTILE, Delimiter: '/', EncodingType: 'url' }));
    expect(raw.EncodingType).toBe('url');
    expect(raw.Delimiter).toBe('/');
    expect((raw.Contents ?? []).map((c) => c.Key)).toEqual(['%0A', '+%0A+', 'cr%0Dkey', 'crlf%0D%0Akey']);
    expect((raw.CommonPrefixes ?? []).map((c) => c.Prefix)).toEqual(['x/']);
    // As S3 encodes (review R5-F2): '/' and '*' as they are, '~' escaped.
    const underX = await s3.send(new ListObjectsV2Command({ Bucket: HOSTILE, Prefix: 'x/', EncodingType: 'url' }));
    expect(underX.Prefix).toBe('x/');
    expect((underX.Contents ?? []).map((c) => c.Key)).toEqual(['x/100%25', 'x/a%2Bb+c', 'x/%7E*%21', 'x/%F0%9F%98%80%281%29']);
    const keys: string[] = [];
    for await (const page of listObjectPages(s3, { Bucket: HOSTILE })) keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ''));
    expect(keys).toEqual([...HOSTILE_KEYS].sort(compareKeys));
    for (const key of keys) expect(await text(key, HOSTILE)).toBe(bodyOf(key));
  });

  it('refuses an encoding type S3 does not have', async () => {
    expect(await rawRequest('GET', `/${HOSTILE}?list-type=2&encoding-type=base64`)).toBe(400);
  });
});

describe('pages that end on a key with a CR, a LF, U+2028 or U+2029 (review R5-F1)', () => {
  const PAGED = 'line-break-pages';
  const PAGED_KEYS = ['a', 'cr\rkey', 'cr\rkez', 'lf\nkey', 'ls\u2028key', 'ps\u2029key', 'z'];

  /** The keys of every page, `pageSize` a page, URL-encoded or not; stops at 3 times the keys (s3rver's token looped). */
  async function pagedKeys(input: Omit<ListObjectsV2CommandInput, 'Bucket'>, encoded: boolean): Promise<string[]> {
    const keys: string[] = [];
    const pages = encoded ? listObjectPages(s3, { Bucket: PAGED, ...input }) : paginateListObjectsV2({ client: s3 }, { Bucket: PAGED, ...input });
    for await (const page of pages) {
      keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ''));
      if (keys.length > 3 * PAGED_KEYS.length) break;
    }
    return keys;
  }

  it('continues each page after its last key whole: every key once, in order, with and without encoding-type=url', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: PAGED }));
    for (const key of PAGED_KEYS) await s3.send(new PutObjectCommand({ Bucket: PAGED, Key: key, Body: bodyOf(key) }));
    const all = [...PAGED_KEYS].sort(compareKeys);
    expect(await pagedKeys({ MaxKeys: 1 }, true)).toEqual(all);
    expect(await pagedKeys({ MaxKeys: 2 }, true)).toEqual(all);
    // Unencoded, as the vault and the bench list: keys raw XML carries (no CR) across pages of one.
    expect(await pagedKeys({ MaxKeys: 1, Prefix: 'l' }, false)).toEqual(['lf\nkey', 'ls\u2028key']);
    expect(await pagedKeys({ MaxKeys: 1, Prefix: 'p' }, false)).toEqual(['ps\u2029key']);
  });

  it('echoes the continuation token, not a StartAfter, and refuses one it did not make or made for another bucket', async () => {
    const first = await s3.send(new ListObjectsV2Command({ Bucket: PAGED, MaxKeys: 2, EncodingType: 'url' }));
    const token = first.NextContinuationToken ?? '';
    expect(token).not.toBe('');
    const second = await s3.send(new ListObjectsV2Command({ Bucket: PAGED, MaxKeys: 1, EncodingType: 'url', ContinuationToken: token }));
    expect(second).toMatchObject({ ContinuationToken: token, KeyCount: 1, Contents: [{ Key: 'cr%0Dkez' }] });
    expect(second.StartAfter).toBeUndefined();
    await expect(s3.send(new ListObjectsV2Command({ Bucket: PAGED, ContinuationToken: 'not-a-token' }))).rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
    await expect(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }))).rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
  });
});
