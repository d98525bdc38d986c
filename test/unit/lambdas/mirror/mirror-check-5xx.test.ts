import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { type ProtectionPlanConfig, type SourceConfig } from '../../../../config/lifeboat-config';
import { runMirrorCheck, type MirrorCheckDeps } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord, mirrorRecordSchema } from '../../../../lambdas/mirror/mirror-record';
import { AwsClients } from '../../../../lambdas/runtime/aws-clients';

/**
 * The mirror check (DR region) when the sources' region answers with errors rather than refusing connections
 * (audit R43 F2): a 503 still thrown after the SDK's retries is the source region unreachable, recorded as the
 * source's `lastAttempt` with the 503 named, the previous comparison kept, and the execution does not fail, as
 * for a refused connection. The source region's S3 is the function's client of that region (AwsClients), its
 * endpoint a loopback server answering 503 to every request. The mirror's region is the check's own: its 503
 * still fails the check.
 */
const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const UNAVAILABLE = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>Service is unable to handle request.</Message><RequestId>R43</RequestId></Error>`;
const EMPTY_LISTING = '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>';

let requests = 0;
let server: Server;
let clients: AwsClients;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests++;
    req.resume();
    res.writeHead(503, { 'content-type': 'application/xml' });
    res.end(req.method === 'HEAD' ? undefined : UNAVAILABLE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  clients = new AwsClients(DR, { s3: { [PRIMARY]: url, [DR]: url }, dynamodb: {} });
});

beforeEach(() => {
  requests = 0;
});

afterAll(async () => {
  clients.s3Client(PRIMARY).destroy();
  clients.s3Client(DR).destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** An S3 of `region` answered in memory: every listing empty. */
function emptyS3(region: string): S3Client {
  return new S3Client({
    region,
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    forcePathStyle: true,
    maxAttempts: 1,
    requestHandler: {
      handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(EMPTY_LISTING)]) } }),
    },
  });
}

const SOURCE = { type: 's3', name: 'assets', bucket: 'shop-assets', prefix: '', mirror: true } as unknown as SourceConfig;
const PLANS = [
  { name: 'web', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 60, rtoMinutes: 60 }, maxConcurrency: 8, sources: [SOURCE] },
] as unknown as ProtectionPlanConfig[];
const MIRROR = 's3://lifeboat-prod-mirror-assets/';
const PREVIOUS: MirrorRecord = {
  environment: 'prod',
  source: 'assets',
  plan: 'web',
  type: 's3',
  mirror: MIRROR,
  checkedAt: '2026-12-05T13:45:00.000Z',
  passed: true,
  compared: 12,
  differences: 0,
  inFlight: 0,
  lagSeconds: 4,
  graceSeconds: 900,
  cursor: 'img/logo.png',
  durationMs: 80,
};

function checkDeps(records: MirrorRecord[], s3: (region: string) => S3Client): MirrorCheckDeps {
  return {
    environment: 'prod',
    plans: PLANS,
    mirrorRegion: DR,
    sourceRegion: PRIMARY,
    mirrorBucketPrefix: 'lifeboat-prod-mirror-',
    s3,
    dynamodb: () => {
      throw new Error('no DynamoDB for a bucket');
    },
    log: { get: () => Promise.resolve(records.at(-1)), record: (r) => Promise.resolve(void records.push(mirrorRecordSchema.parse(r))) },
    now: () => Date.parse('2026-12-05T14:00:00Z'),
  };
}

describe('the mirror check with the sources\' region answering 503', () => {
  it('the source is unreachable, the 503 named; its previous comparison is kept with the attempt recorded; the check passes', async () => {
    const records = [PREVIOUS];
    const result = await runMirrorCheck({ samples: 10, graceSeconds: 900 }, checkDeps(records, (region) => (region === PRIMARY ? clients.s3Client(PRIMARY) : emptyS3(region))));
    const error = `source region ${PRIMARY} unreachable: HTTP 503 "ServiceUnavailable: Service is unable to handle request." (after 3 attempts)`;
    expect(result).toEqual({
      checkedAt: '2026-12-05T14:00:00.000Z',
      passed: true,
      sources: [{ source: 'assets', mirror: MIRROR, passed: true, compared: 0, differences: 0, inFlight: 0, lagSeconds: 4, unreachable: error }],
    });
    expect(records).toEqual([PREVIOUS, { ...PREVIOUS, lastAttempt: { at: '2026-12-05T14:00:00.000Z', error } }]);
    // The SDK's own retries of the listing, then nothing more asked of that region.
    expect(requests).toBe(3);
  });

  it('the mirror\'s region (the check\'s own) answering 503 is no unreachable source: the check fails, nothing recorded', async () => {
    const records = [PREVIOUS];
    await expect(
      runMirrorCheck({ samples: 10, graceSeconds: 900 }, checkDeps(records, (region) => (region === DR ? clients.s3Client(DR) : emptyS3(region)))),
    ).rejects.toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    expect(records).toEqual([PREVIOUS]);
  });
});
