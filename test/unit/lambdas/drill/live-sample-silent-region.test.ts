import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { compareWithLiveSources, type LiveSampleDeps } from '../../../../lambdas/drill/live-sample';
import { type RestoreReport } from '../../../../lambdas/restore/verify-restore';
import { type ManifestEntry, type Vault } from '../../../../vault';
import { backupRecordsOf } from '../../../support/backup-left-out-records';

/**
 * A DR drill against a hung primary region (audit a59A F2): each S3 source waited its socket timeouts (30 s times 3
 * attempts) in turn, and ~9 sources outran the compare function's 900 s, failing a drill whose restores all verified.
 * Once the live region did not answer for one source, the others are not sampled, naming the region and that source;
 * and no source is begun with too little of the function's time left. The hung region is a client whose every request
 * fails as the SDK's socket timeout does, at once: no timer, no wait.
 */
const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const LAST_MODIFIED = new Date('2026-12-05T10:00:00.000Z');
const ETAG = '"0123456789abcdef0123456789abcdef"';

/** S3 of `region` whose requests go to `handle`, one attempt each (the SDK's retries are the production client's). */
function s3Of(region: string, handle: (request: { method: string; path: string }) => Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Readable } }>): S3Client {
  return new S3Client({ region, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, forcePathStyle: true, maxAttempts: 1, requestHandler: { handle } });
}

let liveRequests: string[] = [];
const hungPrimary = s3Of(PRIMARY, (request) => {
  liveRequests.push(`${request.method} ${request.path}`);
  return Promise.reject(Object.assign(new Error('Connection timed out after 30000 ms'), { name: 'TimeoutError' }));
});
const scratch = s3Of(DR, () => Promise.resolve({ response: { statusCode: 200, headers: { etag: ETAG, 'last-modified': LAST_MODIFIED.toUTCString() }, body: Readable.from([Buffer.from('x')]) } }));

const entry: ManifestEntry = { path: 'img/logo.png', kind: 'object', meta: { key: 'img/logo.png', etag: ETAG, lastModified: LAST_MODIFIED.toISOString() }, size: 1, content: [] };
const vault = {
  loadSnapshot: async () => ({ time: '2026-12-05T10:30:00.000Z', stats: { durationMs: 0 } }),
  entries: async function* () {
    yield entry;
  },
  manifest: async () => ({ find: async (path: string) => (path === entry.path ? entry : undefined) }),
} as unknown as Vault;
const names = ['assets', 'media', 'exports'];
const sources: SourceConfig[] = names.map((name) => ({ type: 's3', name, bucket: `shop-${name}`, prefix: '' }));
const reportOf = (name: string): RestoreReport => ({
  restoreId: `r-${name}`,
  backupId: '20261205T100000Z-00000001',
  source: name,
  snapshotId: `s-${name}`,
  vault: 'dr',
  target: { type: 's3', bucket: `shop-drill-1a2b3c4d-${name}`, prefix: '' },
  targetDescription: `s3://shop-drill-1a2b3c4d-${name}/`,
  entries: 1,
  bytes: 1,
  verified: { entries: 1, mismatches: 0 },
  durationMs: 1,
});

function compare(deps: Partial<LiveSampleDeps> = {}) {
  return compareWithLiveSources({ restored: names.map(reportOf), samples: 10, verifiedAt: '2026-12-05T10:05:00Z' }, sources, {
    openVault: async () => vault,
    directory: (p) => p,
    liveS3: hungPrimary,
    targetS3: scratch,
    backupRecords: backupRecordsOf(names.map((name) => ({ name }))),
    ...deps,
  });
}

beforeEach(() => {
  liveRequests = [];
});

afterAll(() => {
  hungPrimary.destroy();
  scratch.destroy();
});

it('asks a region that did not answer for one source nothing more: the next sources say it was not sampled, naming the region and that source', async () => {
  const comparison = await compare();
  expect(comparison.errors).toEqual([]);
  expect(comparison.sources).toEqual([
    { source: 'assets', sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: 'bucket shop-assets could not be reached: TimeoutError: Connection timed out after 30000 ms' } },
    { source: 'media', sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: `bucket shop-media not compared: not sampled: ${PRIMARY} did not answer for assets` } },
    { source: 'exports', sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: `bucket shop-exports not compared: not sampled: ${PRIMARY} did not answer for assets` } },
  ]);
  // One request, the first source's: the others' timeouts were not waited for.
  expect(liveRequests).toEqual(['HEAD /shop-assets/img/logo.png']);
});

it('begins no source with less than the reserve of the function\'s time left, saying so, and asks the region nothing', async () => {
  const comparison = await compare({ remainingMs: () => 90_000 });
  expect(comparison.sources.map((s) => s.sampled.unreachable)).toEqual(
    names.map(() => 'not sampled: the compare function had 90 s left, too few to begin it (its restore was verified against the backup)'),
  );
  expect(liveRequests).toEqual([]);
});

/**
 * A region that answered a source is not silent (review r60E F1): a connection reset while an object's body was read
 * (after the response came; the SDK does not retry it), or a listing that timed out after the source's objects were
 * read, marked the region silent, every later S3 source was skipped as "did not answer", and one whose restored copy
 * differed passed the drill. A read of the vault's manifest is never the live region's.
 */
describe('a live region that answered', () => {
  const pair = ['assets', 'media'];
  const pairSources: SourceConfig[] = pair.map((name) => ({ type: 's3', name, bucket: `shop-${name}`, prefix: '' }));
  type Answer = Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Readable } }>;
  const ok = (body: Readable): Answer => Promise.resolve({ response: { statusCode: 200, headers: { etag: ETAG, 'last-modified': LAST_MODIFIED.toUTCString(), 'content-length': '5' }, body } });
  const listing = (keys: string[]): Answer =>
    Promise.resolve({
      response: {
        statusCode: 200,
        headers: { 'content-type': 'application/xml' },
        body: Readable.from([
          Buffer.from(
            `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>x</Name><IsTruncated>false</IsTruncated><KeyCount>${keys.length}</KeyCount><EncodingType>url</EncodingType>` +
              keys.map((key) => `<Contents><Key>${key}</Key><LastModified>2026-12-05T09:00:00.000Z</LastModified><ETag>&quot;e&quot;</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('') +
              '</ListBucketResult>',
          ),
        ]),
      },
    });
  const isListing = (path: string): boolean => /^\/shop-[a-z]+\/?$/.test(path);
  /** The live region: `fail` answers a request its own way (or not at all), else every object holds "hello" and listings are empty. */
  const liveOf = (fail: (request: { method: string; path: string }) => Answer | undefined): S3Client =>
    s3Of(PRIMARY, (request) => {
      liveRequests.push(`${request.method} ${request.path}`);
      return fail(request) ?? (isListing(request.path) ? listing([]) : ok(Readable.from([Buffer.from('hello')])));
    });
  // media's restored copy differs from its unchanged live object.
  const pairScratch = s3Of(DR, (request) => ok(Readable.from([Buffer.from(request.path.startsWith('/shop-drill-1a2b3c4d-media') ? 'HELLO' : 'hello')])));
  const clients: S3Client[] = [pairScratch];
  afterAll(() => clients.forEach((client) => client.destroy()));
  const pairEntry = (key: string): ManifestEntry => ({ path: key, kind: 'object', meta: { key, etag: ETAG, lastModified: LAST_MODIFIED.toISOString() }, size: 5, content: [] });
  const pairVault = (find: (path: string) => Promise<ManifestEntry | undefined>) =>
    ({
      loadSnapshot: async () => ({ time: '2026-12-05T10:30:00.000Z', stats: { durationMs: 0 }, source: {} }),
      entries: async function* () {
        yield pairEntry('k1');
        yield pairEntry('k2');
      },
      manifest: async () => ({ find }),
    }) as unknown as Vault;
  const comparePair = (liveS3: S3Client, find: (path: string) => Promise<ManifestEntry | undefined> = async (path) => (['k1', 'k2'].includes(path) ? pairEntry(path) : undefined)) => {
    clients.push(liveS3);
    return compareWithLiveSources({ restored: pair.map((name) => ({ ...reportOf(name), entries: 2 })), samples: 2, verifiedAt: '2026-12-05T10:05:00Z' }, pairSources, {
      openVault: async () => pairVault(find),
      directory: (p) => p,
      liveS3,
      targetS3: pairScratch,
      backupRecords: backupRecordsOf(pair.map((name) => ({ name }))),
      random: () => 0,
    });
  };
  const mediaDiffers = { error: 'LiveSampleMismatchError', step: 'Compare with live sources', source: 'media' };

  it('compares the next source after a connection reset while an object\'s body was read, and its difference is reported', async () => {
    const live = liveOf((request) => {
      if (request.method !== 'GET' || request.path !== '/shop-assets/k2') return undefined;
      const reset = new Readable({
        read() {
          this.push(Buffer.from('he'));
          this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        },
      });
      return ok(reset);
    });
    const comparison = await comparePair(live);
    expect(comparison.sources[0]).toEqual({ source: 'assets', sampled: { compared: 1, matched: 1, skippedChanged: 0, unreachable: 'bucket shop-assets could not be reached: Error: aborted' } });
    expect(comparison.sources[1]?.sampled).toMatchObject({ compared: 2, matched: 0 });
    expect(comparison.errors).toEqual([expect.objectContaining(mediaDiffers)]);
    expect(comparison.errors[0]?.message).toContain('"k1": restored copy (5 bytes) differs from the live object (5 bytes)');
    expect(liveRequests).toContain('HEAD /shop-media/k1');
  });

  it('compares the next source after a listing timed out once the region had answered the source\'s reads', async () => {
    const live = liveOf((request) => (request.path === '/shop-assets/' || request.path === '/shop-assets' ? Promise.reject(Object.assign(new Error('Connection timed out after 30000 ms'), { name: 'TimeoutError' })) : undefined));
    const comparison = await comparePair(live);
    expect(comparison.sources[0]).toEqual({ source: 'assets', sampled: { compared: 2, matched: 2, skippedChanged: 0, unreachable: 'bucket shop-assets could not be listed: TimeoutError: Connection timed out after 30000 ms' } });
    expect(comparison.sources[1]?.sampled).toMatchObject({ compared: 2, matched: 0 });
    expect(comparison.errors).toEqual([expect.objectContaining(mediaDiffers)]);
  });

  it('fails on an error reading the backup\'s manifest with that error, never blaming the live bucket or its region', async () => {
    const live = liveOf((request) => (isListing(request.path) ? listing(['other.bin']) : undefined));
    const vaultReset = Object.assign(new Error('read ECONNRESET (the vault\'s manifest pack)'), { code: 'ECONNRESET' });
    await expect(comparePair(live, async (path) => (path === 'other.bin' ? Promise.reject(vaultReset) : pairEntry(path)))).rejects.toBe(vaultReset);
  });
});

/**
 * A region that answered anything of the comparison is not silent (review r60J F1, F2): assets was answered in full,
 * then media's request got no response through all the SDK's attempts, or 503 twice before a timeout (the error the SDK
 * throws has no status, yet the region answered), and every later S3 source was skipped as "did not answer" — exports,
 * whose restored copy differs, passed the drill. The client retries as the production one does (3 attempts).
 */
describe('a live region that answered an earlier request of the comparison', () => {
  type Answer = Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Readable } }>;
  const okHello = (): Answer => Promise.resolve({ response: { statusCode: 200, headers: { etag: ETAG, 'last-modified': LAST_MODIFIED.toUTCString(), 'content-length': '5' }, body: Readable.from([Buffer.from('hello')]) } });
  const emptyListing = (): Answer =>
    Promise.resolve({
      response: {
        statusCode: 200,
        headers: { 'content-type': 'application/xml' },
        body: Readable.from([Buffer.from('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>x</Name><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>')]),
      },
    });
  const timedOut = (): Answer => Promise.reject(Object.assign(new Error('Connection timed out after 30000 ms'), { name: 'TimeoutError' }));
  const slowDown = (): Answer => Promise.resolve({ response: { statusCode: 503, headers: {}, body: Readable.from([Buffer.from('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>')]) } });
  const retrying = (handle: (request: { method: string; path: string }) => Answer): S3Client =>
    new S3Client({ region: PRIMARY, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, forcePathStyle: true, maxAttempts: 3, requestHandler: { handle } });
  // exports' restored copy differs from its unchanged live object.
  const differingScratch = s3Of(DR, (request) =>
    Promise.resolve({ response: { statusCode: 200, headers: { etag: ETAG, 'last-modified': LAST_MODIFIED.toUTCString() }, body: Readable.from([Buffer.from(request.path.startsWith('/shop-drill-1a2b3c4d-exports') ? 'HELLO' : 'hello')]) } }),
  );
  const clients: S3Client[] = [differingScratch];
  afterAll(() => clients.forEach((client) => client.destroy()));
  const fiveBytes: ManifestEntry = { ...entry, size: 5 };
  const fiveByteVault = {
    loadSnapshot: async () => ({ time: '2026-12-05T10:30:00.000Z', stats: { durationMs: 0 }, source: {} }),
    entries: async function* () {
      yield fiveBytes;
    },
    manifest: async () => ({ find: async (path: string) => (path === entry.path ? fiveBytes : undefined) }),
  } as unknown as Vault;
  /** The live region: `fail` answers a request its own way (or not at all), else it answers as an unchanged source does. */
  const liveOf = (fail: (request: { method: string; path: string }) => Answer | undefined): S3Client => {
    const client = retrying((request) => {
      liveRequests.push(`${request.method} ${request.path}`);
      return fail(request) ?? (/^\/shop-[a-z]+\/?$/.test(request.path) ? emptyListing() : okHello());
    });
    clients.push(client);
    return client;
  };
  const compareAll = (liveS3: S3Client) => compare({ liveS3, targetS3: differingScratch, openVault: async () => fiveByteVault, random: () => 0 });
  const exportsDiffers = { error: 'LiveSampleMismatchError', step: 'Compare with live sources', source: 'exports' };

  it('compares the next source after one whose request got no response through all its attempts, and its difference fails the drill', async () => {
    const comparison = await compareAll(liveOf((request) => (request.path.startsWith('/shop-media') ? timedOut() : undefined)));
    expect(comparison.sources[0]?.sampled).toMatchObject({ compared: 1, matched: 1 });
    expect(comparison.sources[1]).toEqual({ source: 'media', sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: 'bucket shop-media could not be reached: TimeoutError: Connection timed out after 30000 ms' } });
    expect(comparison.sources[2]?.sampled).toMatchObject({ compared: 1, matched: 0 });
    expect(comparison.errors).toEqual([expect.objectContaining(exportsDiffers)]);
    expect(comparison.errors[0]?.message).toContain('"img/logo.png": restored copy (5 bytes) differs from the live object (5 bytes)');
    expect(liveRequests).toContain('HEAD /shop-exports/img/logo.png');
  });

  it('takes a request answered 503 twice, then timed out, for an answer: the next sources are compared', async () => {
    // The first source's: no request of the comparison was answered before, but these attempts were.
    let attempts = 0;
    const comparison = await compareAll(liveOf((request) => (request.path.startsWith('/shop-assets') && request.method === 'HEAD' ? (++attempts < 3 ? slowDown() : timedOut()) : undefined)));
    expect(attempts).toBe(3);
    expect(comparison.sources[0]).toEqual({ source: 'assets', sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: 'bucket shop-assets could not be reached: TimeoutError: Connection timed out after 30000 ms' } });
    expect(comparison.sources[1]?.sampled).toMatchObject({ compared: 1, matched: 1 });
    expect(comparison.sources[2]?.sampled).toMatchObject({ compared: 1, matched: 0 });
    expect(comparison.errors).toEqual([expect.objectContaining(exportsDiffers)]);
  });
});
