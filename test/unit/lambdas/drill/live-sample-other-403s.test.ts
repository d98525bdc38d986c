import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { compareWithLiveSources, type LiveSampleDeps } from '../../../../lambdas/drill/live-sample';
import { type RestoreReport } from '../../../../lambdas/restore/verify-restore';
import { archivedSkipReason } from '../../../../lambdas/sources/s3-archived-object';
import { BucketOwnerMismatchError, bucketOwnerRule, expectBucketOwner } from '../../../../lambdas/runtime/expected-bucket-owner';
import { s3EntryPath } from '../../../../lambdas/sources/s3-entry-path';
import { type ManifestEntry, type Vault } from '../../../../vault';
import { backupRecordsOf } from '../../../support/backup-left-out-records';

/**
 * Review 43c F3: any 403 from a live bucket made the source "not readable by this drill", with advice to grant
 * s3:GetObject and kms:Decrypt, and the drill passed. Only a missing grant is that: AccessDenied (KMS's refusals
 * included), or a HEAD's bodiless 403 once a GET says it is one. A clock, credential or account problem fails the
 * compare step as any other error does. And a source of which every entry tried had changed since the backup says
 * that none was compared. S3 is a real S3Client whose request handler answers as S3 does (a HEAD's 403 has no body).
 */
const LAST_MODIFIED = new Date('2026-12-05T10:00:00.000Z');
const BYTES = Buffer.from('the logo, as backed up');
const ETAG = '"0123456789abcdef0123456789abcdef"';

type Answer = { status: number; headers?: Record<string, string>; body?: string | Buffer };
type Request = { method: string; path: string; headers: Record<string, string>; query?: Record<string, string> };
/** An object of a bucket's listing (ListObjectsV2). */
type Listed = { key: string; lastModified: Date; etag?: string; storageClass?: string };

/** A ListObjectsV2 answer: `objects` after StartAfter, at most MaxKeys of them, as S3 orders them; URL-encoded when asked, as S3 does. */
function listing(objects: readonly Listed[], query: Record<string, string>): Answer {
  const encoded = query['encoding-type'] === 'url';
  const after = query['start-after'];
  const sorted = [...objects]
    .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
    .filter((o) => o.key.startsWith(query['prefix'] ?? '') && (after === undefined || Buffer.compare(Buffer.from(o.key), Buffer.from(after)) > 0));
  const page = sorted.slice(0, Number(query['max-keys'] ?? 1000));
  const contents = page.map((o) => `<Contents><Key>${encoded ? encodeURIComponent(o.key) : o.key}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${o.etag ?? ETAG}</ETag><Size>1</Size><StorageClass>${o.storageClass ?? 'STANDARD'}</StorageClass></Contents>`);
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>${encoded ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${page.length < sorted.length}</IsTruncated>${contents.join('')}</ListBucketResult>` };
}

/** An S3Client of `region` answering objects with `answer` and listings with `listed` (none unless given), or with its answer. */
function s3(region: string, answer: (request: Request) => Answer, listed: readonly Listed[] | Answer = []) {
  const sent: string[] = [];
  const client = new S3Client({
    region,
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    forcePathStyle: true,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: Request) => {
        const prefix = request.query?.['list-type'] !== undefined ? ` prefix=${request.query['prefix'] ?? ''}` : '';
        sent.push(`${request.method} ${decodeURIComponent(request.path)}${request.headers['range'] ? ` ${request.headers['range']}` : ''}${prefix}`);
        const { status, headers = {}, body } = request.query?.['list-type'] === undefined ? answer(request) : Array.isArray(listed) ? listing(listed, request.query) : (listed as Answer);
        return { response: { statusCode: status, headers, body: Readable.from(body === undefined ? [] : [Buffer.from(body)]) } };
      },
    },
  });
  return { client, sent };
}

const refusal = (code: string, message: string): Answer => ({
  status: 403,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
});
const BODILESS_403: Answer = { status: 403 };
const objectAnswer = (method: string): Answer => ({
  status: 200,
  headers: { etag: ETAG, 'last-modified': LAST_MODIFIED.toUTCString(), 'content-length': String(BYTES.length) },
  ...(method === 'GET' ? { body: BYTES } : {}),
});

const entryAt = (key: string): ManifestEntry => ({ path: key, kind: 'object', meta: { key, etag: ETAG, lastModified: LAST_MODIFIED.toISOString() }, size: BYTES.length, content: [] });
/** When the fake backup started: after LAST_MODIFIED. */
const BACKUP_TIME = '2026-12-05T10:30:00.000Z';
/**
 * `recorded`: the bucket and prefix the backup listed (its snapshot's source), the configured source's unless given;
 * `unsampled`: keys in the manifest the forward sample does not reach (so the live listing looks them up).
 */
const vaultOf = (keys: string[], recorded: { bucket: string; prefix: string } = { bucket: 'shop-assets', prefix: '' }, unsampled: string[] = []) =>
  ({
    loadSnapshot: async () => ({ time: BACKUP_TIME, stats: { durationMs: 0 }, source: { kind: 's3', id: 'assets', ...recorded } }),
    entries: async function* () {
      for (const key of keys) yield entryAt(key);
    },
    manifest: async () => ({ find: async (path: string) => ([...keys, ...unsampled].map(s3EntryPath).includes(path) ? entryAt(path) : undefined) }),
  }) as unknown as Vault;

const source: SourceConfig = { type: 's3', name: 'assets', bucket: 'shop-assets', prefix: '' };
/** The backup's catalog record: it left nothing out of the source. */
const nothingLeftOut = backupRecordsOf([{ name: 'assets' }]);
const report = (entries: number): RestoreReport => ({
  restoreId: 'r',
  backupId: '20261205T100000Z-00000001',
  source: 'assets',
  snapshotId: 's',
  vault: 'dr',
  target: { type: 's3', bucket: 'shop-drill-1a2b3c4d-assets', prefix: '' },
  targetDescription: 's3://shop-drill-1a2b3c4d-assets/',
  entries,
  bytes: BYTES.length * entries,
  verified: { entries, mismatches: 0 },
  durationMs: 1,
});

function compare(live: S3Client, keys = ['img/logo.png'], deps: Partial<LiveSampleDeps> = {}) {
  const scratch = s3('us-west-2', ({ method }) => objectAnswer(method));
  return compareWithLiveSources({ restored: [report(keys.length)], samples: 10, verifiedAt: '2026-12-05T10:05:00Z' }, [source], { openVault: async () => vaultOf(keys), directory: (p) => p, liveS3: live, targetS3: scratch.client, backupRecords: nothingLeftOut, ...deps });
}

describe('a live 403 that is no missing grant fails the compare step', () => {
  it.each([
    ['RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'],
    ['SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'],
    ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'],
    ['AllAccessDisabled', 'All access to this object has been disabled'],
  ])('%s on the GET', async (code, message) => {
    const live = s3('eu-west-1', ({ method }) => (method === 'GET' ? refusal(code, message) : objectAnswer(method)));
    await expect(compare(live.client)).rejects.toMatchObject({ name: code, message });
  });

  it('on the HEAD (no body, so no code): the GET of its first byte says which, under the ExpectedBucketOwner check too (S3\'s own error there since f65D, not the owner wrapper)', async () => {
    const live = s3('eu-west-1', ({ method }) => (method === 'HEAD' ? BODILESS_403 : refusal('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.')));
    await expect(compare(live.client)).rejects.toMatchObject({ name: 'RequestTimeTooSkewed' });
    expect(live.sent).toEqual(['HEAD /shop-assets/img/logo.png', 'GET /shop-assets/img/logo.png bytes=0-0']);
    expectBucketOwner(live.client, bucketOwnerRule('111111111111', new Map()));
    const underOwnerCheck = compare(live.client);
    await expect(underOwnerCheck).rejects.toMatchObject({ name: 'RequestTimeTooSkewed' });
    await expect(underOwnerCheck).rejects.not.toBeInstanceOf(BucketOwnerMismatchError);
  });
});

describe('a missing grant still leaves the source out, saying what S3 said', () => {
  it('a bodiless HEAD 403 named by the GET\'s AccessDenied; KMS\'s own refusal code', async () => {
    const headRefused = s3('eu-west-1', ({ method }) => (method === 'HEAD' ? BODILESS_403 : refusal('AccessDenied', 'Access Denied')));
    const byHead = await compare(headRefused.client);
    expect(byHead.errors).toEqual([]);
    expect(byHead.sources[0]?.sampled).toMatchObject({ compared: 0, unreachable: expect.stringMatching(/^bucket shop-assets is not readable by this drill \("AccessDenied: Access Denied"\): its compare function needs s3:GetObject/) });
    const kms = s3('eu-west-1', ({ method }) => (method === 'GET' ? refusal('KMS.AccessDeniedException', 'not authorized to perform: kms:Decrypt') : objectAnswer(method)));
    expect((await compare(kms.client)).sources[0]?.sampled.unreachable).toMatch(/^bucket shop-assets is not readable by this drill \("KMS\.AccessDeniedException: not authorized to perform: kms:Decrypt"\)/);
  });
});

describe('a source of which every entry tried had changed since the backup', () => {
  it('says none was compared; one compared entry among skipped ones needs no such note', async () => {
    const archived = s3('eu-west-1', ({ method }) => (method === 'GET' ? refusal('InvalidObjectState', 'The operation is not valid for the object\'s storage class') : objectAnswer(method)));
    const all = await compare(archived.client, ['img/a.png', 'img/b.png']);
    expect(all.errors).toEqual([]);
    expect(all.sources).toEqual([
      {
        source: 'assets',
        sampled: {
          compared: 0,
          matched: 0,
          skippedChanged: 2,
          checkedLive: 0,
          unreachable: 'the 2 objects tried were all deleted, overwritten or archived since the backup: this drill compared no live copy of the source (its restore was verified against the backup)',
        },
      },
    ]);
    const one = s3('eu-west-1', ({ method, path }) => (method === 'GET' && path.endsWith('a.png') ? refusal('InvalidObjectState', 'archived') : objectAnswer(method)));
    expect((await compare(one.client, ['img/a.png', 'img/b.png'])).sources[0]?.sampled).toEqual({ compared: 1, matched: 1, skippedChanged: 1, checkedLive: 0 });
  });
});

describe('a live object the backup lacks (audit b1-3: samples drawn from the manifest never meet it)', () => {
  const before = new Date('2026-12-05T09:00:00.000Z');
  const backedUp = ['img/a.png', 'img/b.png'];
  const live = (extra: Listed[]) => [...backedUp.map((key) => ({ key, lastModified: LAST_MODIFIED })), ...extra];

  it('one unchanged since before the backup and absent from it fails the comparison, naming it, from any listing start', async () => {
    for (const random of [() => 0, () => 0.99]) {
      const bucket = s3('eu-west-1', ({ method }) => objectAnswer(method), live([{ key: 'ledger/2025.csv', lastModified: before }]));
      const comparison = await compare(bucket.client, backedUp, { random });
      expect(comparison.sources).toEqual([{ source: 'assets', sampled: { compared: 2, matched: 2, skippedChanged: 0, checkedLive: 1 } }]);
      expect(comparison.errors).toEqual([
        {
          error: 'BackupLacksLiveObjectsError',
          message: expect.stringMatching(/^Source assets: 1 live object older than the backup is not in it \(.*\): "ledger\/2025\.csv": in the live bucket since 2026-12-05T09:00:00.000Z, before the backup started \(2026-12-05T10:30:00\.000Z\), but not in the backup\. /),
          step: 'Compare with live sources',
          // Which source, apart from the message, which the drill's state may cut to "…" (review r59A F3).
          source: 'assets',
        },
      ]);
      // Review R10-1: an undelete (delete marker removed) after the backup looks exactly like this; the message says so.
      expect(comparison.errors[0]?.message).toMatch(
        /but not in the backup\. An object restored by removing its delete marker \(an undelete in a versioned bucket\) after the backup keeps its old LastModified and is reported here although the backup was right: if that is what happened, the next backup holds it and drills of later backups pass$/,
      );
    }
  });

  it('is not missing when written since the backup started, archived, a multipart upload begun shortly before, or outside the source\'s prefix', async () => {
    const extra: Listed[] = [
      { key: 'img/new.png', lastModified: new Date('2026-12-05T10:29:59.500Z') },
      { key: 'img/cold.png', lastModified: before, storageClass: 'GLACIER' },
      { key: 'img/tiered.png', lastModified: before, storageClass: 'INTELLIGENT_TIERING' },
      { key: 'img/big.iso', lastModified: new Date('2026-12-05T10:00:00.000Z'), etag: '"0123456789abcdef0123456789abcdef-3"' },
      { key: 'other/ledger.csv', lastModified: before },
    ];
    const bucket = s3('eu-west-1', ({ method, path }) => (method === 'HEAD' && path.endsWith('tiered.png') ? { status: 200, headers: { 'x-amz-archive-status': 'ARCHIVE_ACCESS' } } : objectAnswer(method)), live(extra));
    const images: SourceConfig = { type: 's3', name: 'assets', bucket: 'shop-assets', prefix: 'img/' };
    const scratch = s3('us-west-2', ({ method }) => objectAnswer(method));
    const comparison = await compareWithLiveSources({ restored: [report(2)], samples: 10, verifiedAt: '2026-12-05T10:05:00Z' }, [images], { openVault: async () => vaultOf(backedUp), directory: (p) => p, liveS3: bucket.client, targetS3: scratch.client, backupRecords: nothingLeftOut, random: () => 0 });
    expect(comparison.errors).toEqual([]);
    expect(bucket.sent.filter((r) => r.startsWith('HEAD'))).toEqual(['HEAD /shop-assets/img/a.png', 'HEAD /shop-assets/img/b.png', 'HEAD /shop-assets/img/tiered.png']);
  });

  it('a key with a CR, in the backup, is listed URL-encoded, as the backup lists it, and found (a raw listing reads it as "cr\\nkey")', async () => {
    const bucket = s3('eu-west-1', ({ method }) => objectAnswer(method), live([{ key: 'cr\rkey', lastModified: before }]));
    const comparison = await compare(bucket.client, backedUp, { openVault: async () => vaultOf(backedUp, undefined, ['cr\rkey']) });
    expect(comparison.errors).toEqual([]);
    expect(comparison.sources[0]?.sampled).toEqual({ compared: 2, matched: 2, skippedChanged: 0, checkedLive: 1 });
  });

  it('lists under the prefix the backup recorded, not a wider one configured since; a changed bucket or an unrelated prefix is not listed, and says so', async () => {
    const bucket = s3('eu-west-1', ({ method }) => objectAnswer(method), live([{ key: 'ledger/2025.csv', lastModified: before }]));
    const underImg = await compare(bucket.client, backedUp, { openVault: async () => vaultOf(backedUp, { bucket: 'shop-assets', prefix: 'img/' }) });
    expect(underImg.errors).toEqual([]);
    expect(new Set(bucket.sent.filter((r) => r.includes(' prefix=')))).toEqual(new Set(['GET /shop-assets/ prefix=img/']));
    expect(underImg.sources[0]?.sampled.checkedLive).toBe(0);
    const otherBucket = await compare(bucket.client, backedUp, { openVault: async () => vaultOf(backedUp, { bucket: 'old-assets', prefix: '' }) });
    expect(otherBucket.errors).toEqual([]);
    expect(bucket.sent.filter((r) => r.includes(' prefix=') && !r.endsWith('=img/'))).toEqual([]);
    expect(otherBucket.sources[0]?.sampled.liveNotes).toEqual(['live objects not looked up in the backup: it is of bucket old-assets, the configuration now names shop-assets']);
    const images: SourceConfig = { type: 's3', name: 'assets', bucket: 'shop-assets', prefix: 'img/' };
    const scratch = s3('us-west-2', ({ method }) => objectAnswer(method));
    const unrelated = await compareWithLiveSources({ restored: [report(2)], samples: 10, verifiedAt: '2026-12-05T10:05:00Z' }, [images], {
      openVault: async () => vaultOf(backedUp, { bucket: 'shop-assets', prefix: 'ledger/' }),
      directory: (p) => p,
      liveS3: bucket.client,
      targetS3: scratch.client,
      backupRecords: nothingLeftOut,
    });
    expect(unrelated.errors).toEqual([]);
    expect(unrelated.sources[0]?.sampled.liveNotes).toEqual(['live objects not looked up in the backup: it was taken under prefix "ledger/", the configuration now says "img/"']);
  });

  it('an Intelligent-Tiering object restored since the backup left it out as archived, the record naming only some of those it left out, is not missing', async () => {
    // Restored (RestoreObject): back in Frequent Access, no ArchiveStatus, LastModified unchanged.
    const bucket = s3('eu-west-1', ({ method }) => objectAnswer(method), live([{ key: 'it/4', lastModified: before, storageClass: 'INTELLIGENT_TIERING' }]));
    const skippedExamples = ['it/1', 'it/2', 'it/3'].map((key) => archivedSkipReason(key, { storageClass: 'INTELLIGENT_TIERING', accessTier: 'ARCHIVE_ACCESS' }));
    const scratch = s3('us-west-2', ({ method }) => objectAnswer(method));
    // What the backup left out is read from its catalog record (review r58I F1), not from the report.
    const comparison = await compareWithLiveSources({ restored: [report(2)], samples: 10, verifiedAt: '2026-12-05T10:05:00Z' }, [source], {
      openVault: async () => vaultOf(backedUp),
      directory: (p) => p,
      liveS3: bucket.client,
      targetS3: scratch.client,
      backupRecords: backupRecordsOf([{ name: 'assets', skipped: 4, skippedExamples }]),
    });
    expect(comparison.errors).toEqual([]);
    // Named among examples that are all it left out, it would have been skipped by name; not named there, it is missing.
    const exhaustive = await compareWithLiveSources({ restored: [report(2)], samples: 10, verifiedAt: '2026-12-05T10:05:00Z' }, [source], {
      openVault: async () => vaultOf(backedUp),
      directory: (p) => p,
      liveS3: bucket.client,
      targetS3: scratch.client,
      backupRecords: backupRecordsOf([{ name: 'assets', skipped: 3, skippedExamples }]),
    });
    expect(exhaustive.errors.map((e) => e.error)).toEqual(['BackupLacksLiveObjectsError']);
  });

  it('a replica (S3 replication keeps its source\'s LastModified) absent from the backup is not missing, and is counted in a note', async () => {
    const replica = (method: string): Answer => ({ ...objectAnswer(method), headers: { ...objectAnswer(method).headers, 'x-amz-replication-status': 'REPLICA' } });
    const bucket = s3('eu-west-1', ({ method, path }) => (method === 'HEAD' && path.endsWith('2025.csv') ? replica(method) : objectAnswer(method)), live([{ key: 'ledger/2025.csv', lastModified: before }]));
    const comparison = await compare(bucket.client, backedUp);
    expect(comparison.errors).toEqual([]);
    expect(comparison.sources[0]?.sampled).toEqual({
      compared: 2,
      matched: 2,
      skippedChanged: 0,
      checkedLive: 0,
      liveNotes: ["1 live object absent from the backup not reported: S3 replicas (ReplicationStatus REPLICA) keep their source's LastModified, so may have arrived after the backup"],
    });
  });

  it('a listing refused for want of s3:ListBucket leaves the source unreachable, saying what to grant', async () => {
    const refusing = s3('eu-west-1', ({ method }) => objectAnswer(method), refusal('AccessDenied', 'Access Denied'));
    const sampled = (await compare(refusing.client, backedUp)).sources[0]?.sampled;
    expect(sampled).toMatchObject({ compared: 2, matched: 2, unreachable: expect.stringMatching(/^bucket shop-assets could not be listed by this drill \("AccessDenied: Access Denied"\): its compare function needs s3:ListBucket/) });
  });
});

describe("what the backup left out, from its catalog record, not from the report's bounded lines (review r58I F1)", () => {
  const before = new Date('2026-12-05T09:00:00.000Z');
  const backedUp = ['img/a.png', 'img/b.png'];
  const live = (extra: Listed[]) => [...backedUp.map((key) => ({ key, lastModified: LAST_MODIFIED })), ...extra];
  // Three archived objects of keys of 700 bytes, all the backup left out, each named by the record (it keeps 3 a source).
  const named = [1, 2, 3].map((i) => `it/${'k'.repeat(700)}${i}`);
  const skippedExamples = named.map((key) => archivedSkipReason(key, { storageClass: 'GLACIER' }));
  const record = backupRecordsOf([{ name: 'assets', skipped: 3, skippedExamples }]);
  // The report as a drill's state may carry it (Verify restore bounds its lists: restore-report-lists.ts): not every line.
  const bounded = { skipped: 3, skippedExamples: skippedExamples.slice(0, 2), vanished: 0, changedDuringRead: 0 };
  const run = (bucket: S3Client) =>
    compareWithLiveSources({ restored: [{ ...report(2), backupLeftOut: bounded }], samples: 10, verifiedAt: '2026-12-05T10:05:00Z' }, [source], {
      openVault: async () => vaultOf(backedUp),
      directory: (p) => p,
      liveS3: bucket,
      targetS3: s3('us-west-2', ({ method }) => objectAnswer(method)).client,
      backupRecords: record,
    });

  it('an Intelligent-Tiering object the record does not name, among objects it names all of, fails the drill though the report lists none', async () => {
    const bucket = s3('eu-west-1', ({ method }) => objectAnswer(method), live([{ key: 'it/4', lastModified: before, storageClass: 'INTELLIGENT_TIERING' }]));
    const comparison = await run(bucket.client);
    expect(comparison.errors).toEqual([{ error: 'BackupLacksLiveObjectsError', message: expect.stringContaining('"it/4": in the live bucket since 2026-12-05T09:00:00.000Z') as unknown as string, step: 'Compare with live sources', source: 'assets' }]);
    expect(record.reads).toEqual(['20261205T100000Z-00000001']);
  });

  it('an object the record names (archived when backed up, restored since) is not missing though the report lists none', async () => {
    const bucket = s3('eu-west-1', ({ method }) => objectAnswer(method), live([{ key: named[2] ?? '', lastModified: before }]));
    const comparison = await run(bucket.client);
    expect(comparison.errors).toEqual([]);
    expect(comparison.sources[0]?.sampled).toMatchObject({ checkedLive: 0 });
  });
});
