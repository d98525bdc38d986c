import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { KEY_IN_OTHER_REGION, NAME_IN_OTHER_REGION } from '../../../../config/names-in-other-region';
import { compareWithLiveSources, type LiveSampleDeps } from '../../../../lambdas/drill/live-sample';
import { type RestoreReport } from '../../../../lambdas/restore/verify-restore';
import { bucketOwnerRule, expectBucketOwner } from '../../../../lambdas/runtime/expected-bucket-owner';
import { type ManifestEntry, type Vault } from '../../../../vault';
import { backupRecordsOf } from '../../../support/backup-left-out-records';

/**
 * The drill's live comparison of sources it may not read (audit R28 F2, F3): a live bucket that answers 403 (its
 * KMS key refused to the drill's role, no grant on the bucket) leaves that source out with what to grant, and the
 * drill's other sources are still compared; a bucket the drill's stack could not name (the stand-ins of
 * config/names-in-other-region.ts) is left out with why, before any request. S3 is a real S3Client whose request
 * handler answers as S3 does, so the errors are the SDK's own (a HEAD's 403 has no body, hence no error code).
 */
const PRIMARY = 'eu-west-1';
const DR = 'us-west-2';
const LAST_MODIFIED = new Date('2026-12-05T10:00:00.000Z');
const BYTES = Buffer.from('the logo, as backed up');
const ETAG = '"0123456789abcdef0123456789abcdef"';
const KMS_REFUSAL =
  'User: arn:aws:sts::111111111111:assumed-role/Shop-LifeboatDR-DrillCompare/fn is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555 because no identity-based policy allows the kms:Decrypt action';

type Answer = { status: number; headers?: Record<string, string>; body?: string | Buffer };
type Request = { method: string; path: string; query?: Record<string, string> };
/** What a listing of a live bucket answers: its one object, the one backed up (ListObjectsV2). */
const LISTING: Answer = {
  status: 200,
  headers: { 'content-type': 'application/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>img/logo.png</Key><LastModified>2026-12-05T10:00:00.000Z</LastModified><ETag>"0123456789abcdef0123456789abcdef"</ETag><Size>1</Size></Contents></ListBucketResult>',
};

/** An S3Client of `region` whose every request is answered by `answer` (and recorded), as S3 would over the wire. */
function s3(region: string, answer: (request: Request) => Answer) {
  const sent: string[] = [];
  const client = new S3Client({
    region,
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    forcePathStyle: true,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: Request) => {
        sent.push(`${request.method} ${decodeURIComponent(request.path)}`);
        const { status, headers = {}, body } = request.query?.['list-type'] !== undefined ? LISTING : answer(request);
        return { response: { statusCode: status, headers, body: Readable.from(body === undefined ? [] : [Buffer.from(body)]) } };
      },
    },
  });
  return { client, sent };
}

const errorXml = (code: string, message: string) => ({
  status: 403,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
});
const objectAnswer = (method: string): Answer => ({
  status: 200,
  headers: { etag: ETAG, 'last-modified': LAST_MODIFIED.toUTCString(), 'content-length': String(BYTES.length) },
  ...(method === 'GET' ? { body: BYTES } : {}),
});

/** Live buckets: `refused` answers GET (or HEAD, too) with `refusal`, every other bucket serves the backed-up object. */
function liveS3(refused: string, refusal: Answer, on: 'GET' | 'HEAD and GET') {
  return s3(PRIMARY, ({ method, path }) => (path.startsWith(`/${refused}/`) && (method === 'GET' || on === 'HEAD and GET') ? refusal : objectAnswer(method)));
}

/** The drill's region: the scratch buckets hold the restored copies, equal to the live objects. */
const scratchS3 = () => s3(DR, ({ method }) => objectAnswer(method));

const entry: ManifestEntry = { path: 'img/logo.png', kind: 'object', meta: { key: 'img/logo.png', etag: ETAG, lastModified: LAST_MODIFIED.toISOString() }, size: BYTES.length, content: [] };
/** The backup's snapshot as sampleLiveSource reads it: one object entry; its source records no bucket, so each source's configured one is listed. */
const vault = {
  loadSnapshot: async () => ({ time: '2026-12-05T10:30:00.000Z', stats: { durationMs: 0 }, source: { kind: 's3', id: 'assets' } }),
  entries: async function* () {
    yield entry;
  },
  manifest: async () => ({ find: async (path: string) => (path === entry.path ? entry : undefined) }),
} as unknown as Vault;

const source = (name: string, bucket: string): SourceConfig => ({ type: 's3', name, bucket, prefix: '' });
const report = (name: string, vault: RestoreReport['vault'] = 'dr'): RestoreReport => ({
  restoreId: 'r',
  backupId: '20261205T100000Z-00000001',
  source: name,
  snapshotId: 's',
  vault,
  target: { type: 's3', bucket: `shop-drill-1a2b3c4d-${name}`, prefix: '' },
  targetDescription: `s3://shop-drill-1a2b3c4d-${name}/`,
  entries: 1,
  bytes: BYTES.length,
  verified: { entries: 1, mismatches: 0 },
  durationMs: 1,
});

/** The drill's comparison step, of a drill of the DR vault unless `drilledVault` says otherwise. */
function compare(sources: SourceConfig[], deps: Pick<LiveSampleDeps, 'liveS3' | 'targetS3'>, drilledVault: RestoreReport['vault'] = 'dr') {
  return compareWithLiveSources({ restored: sources.map((s) => report(s.name, drilledVault)), samples: 10, verifiedAt: '2026-12-05T10:05:00Z' }, sources, { openVault: async () => vault, directory: (p) => p, backupRecords: backupRecordsOf(sources), ...deps });
}

describe('a live bucket that refuses the drill (403)', () => {
  it('its KMS key refused to GetObject: that source is unreachable, naming the bucket, S3\'s refusal and what to grant; the other source is still compared', async () => {
    const live = liveS3('shop-assets-kms', errorXml('AccessDenied', KMS_REFUSAL), 'GET');
    const scratch = scratchS3();
    const comparison = await compare([source('assets', 'shop-assets-kms'), source('media', 'shop-media')], { liveS3: live.client, targetS3: scratch.client });
    expect(comparison.errors).toEqual([]);
    expect(comparison.sources).toEqual([
      {
        source: 'assets',
        sampled: {
          compared: 0,
          matched: 0,
          skippedChanged: 0,
          unreachable: `bucket shop-assets-kms is not readable by this drill ("AccessDenied: ${KMS_REFUSAL}"): its compare function needs s3:GetObject on s3://shop-assets-kms/* and, for objects encrypted with a customer managed KMS key, kms:Decrypt on that key, which it gets when the bucket is declared with its key (LifeboatSource.s3Bucket of a bucket with its encryptionKey; lifeboat.config.json: the source's kmsKeyArn); a bucket or key of another account must also admit the function's role in its own policy, and a bucket not owned by the account the source names is refused whatever the grants`,
        },
      },
      { source: 'media', sampled: { compared: 1, matched: 1, skippedChanged: 0, checkedLive: 0 } },
    ]);
    // One refusal is enough: the refused bucket is not asked again for each sample.
    expect(live.sent.filter((r) => r.includes('shop-assets-kms'))).toEqual(['HEAD /shop-assets-kms/img/logo.png', 'GET /shop-assets-kms/img/logo.png']);
  });

  // The refusal's words went raw into the drill's report (review r60G F3).
  it('S3\'s refusal is quoted: a newline in its words is escaped, not printed', async () => {
    const live = liveS3('shop-assets', errorXml('AccessDenied', 'Access Denied\nPASSED: every source'), 'GET');
    const comparison = await compare([source('assets', 'shop-assets')], { liveS3: live.client, targetS3: scratchS3().client });
    expect(comparison.sources[0]?.sampled.unreachable).toMatch(/^bucket shop-assets is not readable by this drill \("AccessDenied: Access Denied\\nPASSED: every source"\): its compare function needs s3:GetObject/);
  });

  it('a HEAD refused under the runtime\'s ExpectedBucketOwner check (no body, so no error code): unreachable, saying so and naming the owner asked for; only the live side\'s', async () => {
    const live = liveS3('shop-assets', { status: 403 }, 'HEAD and GET');
    expectBucketOwner(live.client, bucketOwnerRule('111111111111', new Map()));
    const comparison = await compare([source('assets', 'shop-assets')], { liveS3: live.client, targetS3: scratchS3().client });
    expect(comparison.sources[0]?.sampled.unreachable).toMatch(
      /^bucket shop-assets is not readable by this drill \(HTTP 403 with no error code \(a HEAD response has no body\); the request named ExpectedBucketOwner 111111111111\): its compare function needs s3:GetObject on s3:\/\/shop-assets\/\* /,
    );
    expect(comparison.errors).toEqual([]);
    // The scratch bucket's 403 is the drill's own failure: it still fails the step.
    const scratch = s3(DR, () => errorXml('AccessDenied', 'Access Denied'));
    await expect(compare([source('assets', 'shop-other')], { liveS3: live.client, targetS3: scratch.client })).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('a live object archived since the backup (403 InvalidObjectState) is skipped as a changed one, not taken for a refused bucket', async () => {
    const live = liveS3('shop-assets', errorXml('InvalidObjectState', 'The operation is not valid for the object\'s storage class'), 'GET');
    const comparison = await compare([source('assets', 'shop-assets')], { liveS3: live.client, targetS3: scratchS3().client });
    expect(comparison.sources).toEqual([{ source: 'assets', sampled: { compared: 0, matched: 0, skippedChanged: 1, checkedLive: 0, unreachable: 'the 1 object tried was deleted, overwritten or archived since the backup: this drill compared no live copy of the source (its restore was verified against the backup)' } }]);
  });

});

describe('a source bucket the drill\'s stack could not name (lib/constructs/plans-in-stack.ts, drill-workflow.ts)', () => {
  const keyNotKnown = (region: string) =>
    `bucket not compared: it is encrypted with a KMS key of another account than this drill's, or one whose account or region is not known in ${region} (its ARN from a parameter, an SSM value or an import; a key created in a stack without env.account or env.region; a key of a stack with env.account while the protection's stacks have none), so this drill may not decrypt it; ` +
    `declare the bucket's key by its literal ARN (Key.fromKeyArn as the encryptionKey of the bucket given to LifeboatSource.s3Bucket; a key of another account must admit the drill's compare function in its key policy too), or give the stacks without env (the key's, the protection's and its DR stack) the env.account and env.region they deploy into`;
  it.each([
    ['DR', NAME_IN_OTHER_REGION, DR, `bucket not compared: its name is not a literal in the primary stack (generated, a parameter, an SSM value or an import) and not known in ${DR}; give LifeboatSource.s3Bucket the option deployedName: '<its name>', or import the bucket by its literal name, to have it sampled`],
    ['DR', KEY_IN_OTHER_REGION, DR, `${keyNotKnown(DR)}, or, for a key of this account imported by a parameter, an SSM value or an import, drill the primary vault (lifeboat drill run --vault primary), whose stack names it, to have it sampled`],
    // The primary drill is the one that remedy would start: it is not offered there (review r2 of 3ad3cd3).
    ['primary', KEY_IN_OTHER_REGION, PRIMARY, `${keyNotKnown(PRIMARY)}, to have it sampled`],
  ] as const)('the %s drill, %s: unreachable with why, and no request sent for it (S3 would answer 400, 403 or 404)', async (drilled, bucket, drillRegion, why) => {
    // A 404 for everything: the stand-in taken for a bucket name would count every sample as changed and pass unnoticed.
    const live = s3(PRIMARY, () => ({ status: 404 }));
    const scratch = s3(drillRegion, ({ method }) => objectAnswer(method));
    const comparison = await compare([source('assets', bucket)], { liveS3: live.client, targetS3: scratch.client }, drilled === 'DR' ? 'dr' : 'primary');
    expect(comparison).toEqual({ verifiedAt: '2026-12-05T10:05:00Z', sources: [{ source: 'assets', sampled: { compared: 0, matched: 0, skippedChanged: 0, unreachable: why } }], errors: [] });
    expect([...live.sent, ...scratch.sent]).toEqual([]);
  });
});
