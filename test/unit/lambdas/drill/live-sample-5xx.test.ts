import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { compareWithLiveSources, type LiveSampleDeps } from '../../../../lambdas/drill/live-sample';
import { type RestoreReport } from '../../../../lambdas/restore/verify-restore';
import { AwsClients } from '../../../../lambdas/runtime/aws-clients';
import { type ManifestEntry, type Vault } from '../../../../vault';
import { backupRecordsOf } from '../../../support/backup-left-out-records';

/**
 * A live region that answers with errors rather than refusing connections (audit R43 F2): S3's 500 InternalError,
 * 503 ServiceUnavailable or SlowDown, still thrown after the SDK's own retries, leave that source out of the drill's
 * comparison as unreachable, naming the answer, as a refused connection does: the drill does not fail for it. The
 * live S3 is the function's client of the primary region (AwsClients, with its retries and timeouts), its endpoint
 * a loopback server; the scratch bucket's 5xx is the drill's own region failing, and still fails the step.
 */
const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const LAST_MODIFIED = new Date('2026-12-05T10:00:00.000Z');
const BYTES = Buffer.from('the logo, as backed up');
const ETAG = '"0123456789abcdef0123456789abcdef"';

type Answer = { status: number; headers?: Record<string, string>; body?: string };
const errorXml = (status: number, code: string, message: string): Answer => ({
  status,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>R43</RequestId></Error>`,
});
const objectAnswer = (method: string): Answer => ({
  status: 200,
  headers: { etag: ETAG, 'last-modified': LAST_MODIFIED.toUTCString(), 'content-length': String(BYTES.length) },
  ...(method === 'GET' ? { body: BYTES.toString() } : {}),
});

/** The primary region's S3 endpoint: every request answered by `answer` and counted. */
let answer: (method: string) => Answer = () => ({ status: 503 });
let requests: string[] = [];
let server: Server;
let live: S3Client;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method ?? '?'} ${req.url ?? '?'}`);
    req.resume();
    const { status, headers = {}, body } = answer(req.method ?? 'GET');
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The DR drill's compare function: its own region is the DR region, the live buckets are in the primary's.
  live = new AwsClients(DR, { s3: { [PRIMARY]: url, [DR]: url }, dynamodb: {} }).s3Client(PRIMARY);
});

beforeEach(() => {
  requests = [];
});

afterAll(async () => {
  live.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The drill's region, answered in memory: the scratch bucket holds the restored copy, or answers `scratch`. */
function scratchS3(scratch?: Answer): S3Client {
  return new S3Client({
    region: DR,
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    forcePathStyle: true,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { method: string }) => {
        const { status, headers = {}, body } = scratch ?? objectAnswer(request.method);
        return { response: { statusCode: status, headers, body: Readable.from(body === undefined ? [] : [Buffer.from(body)]) } };
      },
    },
  });
}

const entry: ManifestEntry = { path: 'img/logo.png', kind: 'object', meta: { key: 'img/logo.png', etag: ETAG, lastModified: LAST_MODIFIED.toISOString() }, size: BYTES.length, content: [] };
const vault = {
  loadSnapshot: async () => ({ time: '2026-12-05T10:30:00.000Z', stats: { durationMs: 0 } }),
  entries: async function* () {
    yield entry;
  },
  manifest: async () => ({ find: async (path: string) => (path === entry.path ? entry : undefined) }),
} as unknown as Vault;
const source: SourceConfig = { type: 's3', name: 'assets', bucket: 'shop-assets', prefix: '' };
const report: RestoreReport = {
  restoreId: 'r',
  backupId: '20261205T100000Z-00000001',
  source: 'assets',
  snapshotId: 's',
  vault: 'dr',
  target: { type: 's3', bucket: 'shop-drill-1a2b3c4d-assets', prefix: '' },
  targetDescription: 's3://shop-drill-1a2b3c4d-assets/',
  entries: 1,
  bytes: BYTES.length,
  verified: { entries: 1, mismatches: 0 },
  durationMs: 1,
};

function compare(deps: Pick<LiveSampleDeps, 'targetS3'>) {
  return compareWithLiveSources({ restored: [report], samples: 10, verifiedAt: '2026-12-05T10:05:00Z' }, [source], { openVault: async () => vault, directory: (p) => p, liveS3: live, backupRecords: backupRecordsOf([{ name: source.name }]), ...deps });
}

describe('a live region answering 5xx after the SDK\'s retries', () => {
  it('503 to every request (a HEAD\'s has no body): the source is unreachable, the 503 and the attempts named; the drill does not fail for it', async () => {
    answer = () => errorXml(503, 'ServiceUnavailable', 'Service is unable to handle request.');
    const comparison = await compare({ targetS3: scratchS3() });
    expect(comparison).toEqual({
      verifiedAt: '2026-12-05T10:05:00Z',
      sources: [{ source: 'assets', sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: 'bucket shop-assets could not be reached: HTTP 503 with no error code (after 3 attempts)' } }],
      errors: [],
    });
    // The SDK's retries, then no other sample asked of that region.
    expect(requests).toEqual(Array.from({ length: 3 }, () => 'HEAD /shop-assets/img/logo.png'));
  });

  it.each([
    ['500 InternalError', errorXml(500, 'InternalError', 'We encountered an internal error. Please try again.'), 'HTTP 500 "InternalError: We encountered an internal error. Please try again." (after 3 attempts)'],
    ['503 SlowDown (throttling)', errorXml(503, 'SlowDown', 'Please reduce your request rate.'), 'HTTP 503 "SlowDown: Please reduce your request rate." (after 3 attempts)'],
  ])('the HEAD answered, the GET %s: unreachable, naming S3\'s code and message', async (_, refusal, said) => {
    answer = (method) => (method === 'GET' ? refusal : objectAnswer(method));
    const comparison = await compare({ targetS3: scratchS3() });
    expect(comparison.errors).toEqual([]);
    expect(comparison.sources).toEqual([{ source: 'assets', sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: `bucket shop-assets could not be reached: ${said}` } }]);
  });

  // S3's words went raw into the drill's report and the mirror check's reason (review r60G F3): a key in them with a
  // newline forged a line of the printed report, a bidi override showed text reversed.
  it('S3\'s words in an unreachable reason are quoted: a newline or a bidi override in them is escaped, not printed', async () => {
    answer = (method) => (method === 'GET' ? errorXml(500, 'InternalError', 'key img/a\nPASSED: all sources\u202egpj.') : objectAnswer(method));
    const comparison = await compare({ targetS3: scratchS3() });
    const unreachable = comparison.sources[0]?.sampled.unreachable ?? '';
    expect(unreachable).toBe('bucket shop-assets could not be reached: HTTP 500 "InternalError: key img/a\\nPASSED: all sources\\u202egpj." (after 3 attempts)');
    expect(unreachable).not.toMatch(/[\n\u202e]/);
  });

  it('the live region well, the scratch bucket (the drill\'s own region) answering 503: the compare step fails, as before', async () => {
    answer = objectAnswer;
    await expect(compare({ targetS3: scratchS3(errorXml(503, 'ServiceUnavailable', 'Service is unable to handle request.')) })).rejects.toMatchObject({ name: 'ServiceUnavailable' });
  });

  it('a 4xx other than a refusal for want of a grant still fails the step (the function\'s own problem, not the region\'s)', async () => {
    answer = (method) => (method === 'GET' ? errorXml(400, 'InvalidRequest', 'The request is not valid.') : objectAnswer(method));
    await expect(compare({ targetS3: scratchS3() })).rejects.toMatchObject({ name: 'InvalidRequest' });
  });
});
