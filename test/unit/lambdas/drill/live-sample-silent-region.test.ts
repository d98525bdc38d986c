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
