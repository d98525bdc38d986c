import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { handler as cleanup } from '../../../../lambdas/handlers/drill-cleanup';
import { handler as compare } from '../../../../lambdas/handlers/drill-compare';
import { handler as record } from '../../../../lambdas/handlers/drill-record';
import { handler as start } from '../../../../lambdas/handlers/drill-start';
import { drillIdOf } from '../../../../lambdas/drill/drill-id';
import { scratchTargetName } from '../../../../lambdas/drill/scratch-targets';
import { LOCAL_ENDPOINTS_ENV } from '../../../../lambdas/runtime/local-endpoints';

/**
 * The drill handlers refuse a malformed envelope (what the state machine passes them), naming the
 * field, before they build anything from their environment (none is set here). The cores:
 * the other tests of this folder and test/integration/lambdas/drill.
 */
const drill = {
  drillId: '20261130T120000Z-1a2b3c4d',
  plan: 'orders',
  vault: 'dr',
  startedAt: '2026-11-30T12:00:00Z',
  selection: 'latest',
  windowDays: 7,
  samples: 10,
  backup: { backupId: '20261130T110000Z-00000001', startedAt: '2026-11-30T11:00:00Z' },
  rpo: { backupAgeSeconds: 3600, largestGapSeconds: 3600, backupsInWindow: 1 },
  restores: [],
};

it.each([
  ['drill-start', start, { input: { plan: 'orders' }, startedAt: '2026-11-30T12:00:00Z' }, 'Invalid drill envelope: execution: '],
  ['drill-compare', compare, { drill, restored: [{ source: 'assets' }] }, 'Invalid drill comparison request: restored.0.restoreId: '],
  ['drill-compare', compare, { drill: { ...drill, samples: -1 }, restored: [] }, 'Invalid drill comparison request: drill.samples: '],
  // A failed source's item (the restore Map's Catch) is told from a report by `failed`, and its own fields are named.
  ['drill-compare', compare, { drill, restored: [{ source: 'assets', failed: true, target: { type: 's3', bucket: 'lifeboat-dev-drill-0a0b0c0d-assets' } }] }, 'Invalid drill comparison request: restored.0.error: '],
  ['drill-record', record, { input: { plan: 'orders' }, execution: 'e', startedAt: 'x', state: { restored: [{ source: 'assets', failed: true, error: { Error: 'E' } }] } }, 'Invalid drill state: restored.0.target: '],
  ['drill-compare', compare, { drill, restored: [], verifiedAt: 'yesterday' }, 'Invalid drill comparison request: verifiedAt: must be an ISO time'],
  // The end of the RTO is the state's entry ($$.State.EnteredTime, locally too), never the function's clock.
  ['drill-compare', compare, { drill, restored: [] }, 'Invalid drill comparison request: verifiedAt: is required'],
  ['drill-cleanup', cleanup, { startedAt: '2026-11-30T12:00:00Z' }, 'Invalid drill cleanup request: execution: '],
  ['drill-cleanup', cleanup, { execution: 'e', startedAt: 'yesterday' }, 'Invalid drill cleanup request: startedAt: must be the execution start time'],
  ['drill-cleanup', cleanup, { execution: 'e', startedAt: '2026-11-30T12:00:00Z', sweep: 'yes' }, 'Invalid drill cleanup request: sweep: must be true or false'],
  // The start step's result names the pins the cleanup removes (drill-pins.ts): checked like every other step's state.
  ['drill-cleanup', cleanup, { execution: 'e', startedAt: '2026-11-30T12:00:00Z', state: { drill: { ...drill, restores: [{ restoreId: 'a/b' }] } } }, 'Invalid drill cleanup request: state.drill.restores.0.restoreId: '],
  ['drill-record', record, { input: { plan: 'orders' }, execution: 'e', startedAt: 'x', state: { error: { Cause: 'no Error' } } }, 'Invalid drill state: error.Error: '],
  // The cleanup step's own error (its Catch's `$.cleanupError`) reaches the record: a failed cleanup is reported, not dropped.
  ['drill-record', record, { input: { plan: 'orders' }, execution: 'e', startedAt: 'x', state: { cleanupError: { Cause: 'no Error' } } }, 'Invalid drill state: cleanupError.Error: '],
  ['drill-record', record, { input: { plan: 'orders' }, execution: 'e', startedAt: 'x' }, 'Invalid drill state: state: '],
])('%s refuses %j naming the field', async (_name, handler, input, message) => {
  await expect(handler(input)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
});

describe('drill-cleanup on the local cloud (review rA F3)', () => {
  const saved = process.env;
  afterEach(() => {
    process.env = saved;
    jest.restoreAllMocks();
  });

  it('says of a bucket its deadline cut that the local cloud does not run its expiry rules', async () => {
    // The function's environment as the local executor gives it (LIFEBOAT_LOCAL_ENDPOINTS); nothing listens there: S3 and DynamoDB are stubbed.
    const local = 'http://127.0.0.1:4569';
    process.env = {
      ...saved,
      AWS_REGION: 'eu-west-1',
      LIFEBOAT_ENVIRONMENT: 'dev',
      CATALOG_TABLE: 'lifeboat-dev-catalog',
      LIFEBOAT_PLANS: '[]',
      LIFEBOAT_RESTORE_TARGET_PREFIX: 'lifeboat-dev-drill-',
      [LOCAL_ENDPOINTS_ENV]: JSON.stringify({ s3: { 'eu-west-1': local }, dynamodb: { 'eu-west-1': local } }),
    };
    const execution = 'drill-orders-1';
    const startedAt = '2026-11-30T12:00:00Z';
    const bucket = scratchTargetName('lifeboat-dev-drill-', drillIdOf(execution, startedAt), 'photos');
    // Each S3 call takes 100 ms of an invocation with 5 s past the cleanup's 60 s margin; the bucket never empties.
    let clock = 0;
    const s3 = async (command: { constructor: { name: string } }): Promise<unknown> => {
      clock += 100;
      switch (command.constructor.name) {
        case 'ListBucketsCommand':
          return { Buckets: [{ Name: bucket, CreationDate: new Date() }] };
        case 'ListObjectVersionsCommand':
          return { Versions: Array.from({ length: 1000 }, (_, i) => ({ Key: `k${i}`, VersionId: `v${i}` })), IsTruncated: true, NextKeyMarker: 'k', NextVersionIdMarker: 'v' };
        case 'GetBucketLifecycleConfigurationCommand':
          throw Object.assign(new Error('none'), { name: 'NoSuchLifecycleConfiguration' });
        default:
          return { Errors: [], Uploads: [], Contents: [], IsTruncated: false };
      }
    };
    jest.spyOn(S3Client.prototype, 'send').mockImplementation(s3 as never);
    jest.spyOn(DynamoDBClient.prototype, 'send').mockImplementation((async () => ({ TableNames: [] })) as never);
    const result = await cleanup({ execution, startedAt }, { getRemainingTimeInMillis: () => 65_000 - clock });
    expect(result).toMatchObject({ removed: [], swept: [] });
    expect(result.errors).toEqual([expect.stringMatching(new RegExp(`^s3://${bucket}/: not emptied within this cleanup's time .*, which the local cloud does not run: a later drill's cleanup empties and deletes it$`))]);
  });
});
