import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { chooseSourceCopy } from '../../../../lambdas/mirror/mirror-choice';
import { runMirrorCheck, type MirrorCheckDeps } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord } from '../../../../lambdas/mirror/mirror-record';
import { BucketOwnerMismatchError } from '../../../../lambdas/runtime/expected-bucket-owner';
import { cleanPass, DR, NOW, PRIMARY, recordingCheckDeps, shopPlans } from './mirror-check-harness';

/**
 * A mirror check refused access to one source or its mirror: S3 AccessDenied (403) on a listing, DynamoDB
 * AccessDeniedException (a role without the grant, or a KMS key policy that does not admit it), EFS
 * AccessDeniedException. Before the fix the refusal failed the whole run unrecorded: no source of the run got a
 * record, the correct ones included, and the refused source's last clean pass stood, so a failover could take a
 * mirror the check could not read. Now the refused source is its own failed check (a new record, nothing compared,
 * its clean pass dropped) with a note naming the source, the side, the service's error and the likely cause; the
 * other sources are recorded; the execution still fails. An unreachable region still keeps the last record.
 * Fake clients per region, answering by bucket or table.
 */
const PREFIX = 'p-mirror-';

const s3Denied = () => Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
const ddbDenied = (what: string) =>
  Object.assign(new Error(`User: arn:aws:sts::111122223333:assumed-role/check/fn is not authorized to perform: ${what}`), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
const refused = () => Object.assign(new Error('connect ECONNREFUSED 3.5.0.1:443'), { code: 'ECONNREFUSED' });

type Answer = Error | 'ok';

/** An S3 of one region: each bucket lists one object `a.txt`, or rejects with its error. */
function fakeS3(buckets: Record<string, Answer>): S3Client {
  const send = (command: unknown): Promise<unknown> => {
    if (!(command instanceof ListObjectsV2Command)) return Promise.reject(new Error(`unexpected S3 command ${String(command)}`));
    const answer = buckets[command.input.Bucket ?? ''];
    if (answer === undefined) return Promise.reject(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' }));
    if (answer !== 'ok') return Promise.reject(answer);
    return Promise.resolve({ Contents: [{ Key: 'a.txt', Size: 5, ETag: '"e"', LastModified: new Date(NOW - 3_600_000) }], IsTruncated: false });
  };
  return { send } as unknown as S3Client;
}

/** A DynamoDB of one region: each table holds one item `pk = a`; an error refuses that table's commands (or only `on` of them). */
function fakeDynamoDb(tables: Record<string, Answer | { error: Error; on: 'GetItem' }>): DynamoDBClient {
  const item: Record<string, AttributeValue> = { pk: { S: 'a' }, v: { N: '1' } };
  const send = (command: unknown): Promise<unknown> => {
    const c = command as { input: { TableName?: string } };
    const answer = tables[c.input.TableName ?? ''];
    if (answer === undefined) return Promise.reject(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));
    if (answer instanceof Error) return Promise.reject(answer);
    if (command instanceof DescribeTableCommand) return Promise.resolve({ Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] } });
    if (command instanceof ScanCommand) return Promise.resolve({ Items: [item] });
    if (command instanceof GetItemCommand) return answer === 'ok' ? Promise.resolve({ Item: item }) : Promise.reject(answer.error);
    return Promise.reject(new Error('unexpected DynamoDB command'));
  };
  return { send } as unknown as DynamoDBClient;
}

const plans = shopPlans;

function checkDeps(
  planList: ProtectionPlanConfig[],
  regions: { s3: Record<string, S3Client>; ddb: Record<string, DynamoDBClient> },
  stored: MirrorRecord[] = [],
  efs?: MirrorCheckDeps['efs'],
): { deps: MirrorCheckDeps; records: MirrorRecord[] } {
  return recordingCheckDeps({
    plans: planList,
    mirrorBucketPrefix: PREFIX,
    s3: (region) => regions.s3[region] as S3Client,
    dynamodb: (region) => regions.ddb[region] as DynamoDBClient,
    stored,
    ...(efs ? { efs } : {}),
  });
}

const SOURCES = [
  { type: 's3', name: 'assets', bucket: 'shop-assets', mirror: true },
  { type: 's3', name: 'logs', bucket: 'shop-logs', mirror: true },
  { type: 'dynamodb', name: 'orders', table: 'shop-orders', mirror: true },
  { type: 'dynamodb', name: 'carts', table: 'shop-carts', mirror: true },
  { type: 's3', name: 'media', bucket: 'shop-media', mirror: true },
  { type: 'dynamodb', name: 'users', table: 'shop-users', mirror: true },
];

const REGIONS = {
  s3: {
    // assets: the source bucket refuses the check (its bucket policy); logs: its mirror bucket in the DR region does.
    [PRIMARY]: fakeS3({ 'shop-assets': s3Denied(), 'shop-logs': 'ok', 'shop-media': 'ok' }),
    [DR]: fakeS3({ [`${PREFIX}assets`]: 'ok', [`${PREFIX}logs`]: s3Denied(), [`${PREFIX}media`]: 'ok' }),
  },
  ddb: {
    // orders: the source table's key refuses kms:Decrypt; carts: the replica's key in the DR region refuses GetItem.
    [PRIMARY]: fakeDynamoDb({ 'shop-orders': ddbDenied('kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/k1'), 'shop-carts': 'ok', 'shop-users': 'ok' }),
    [DR]: fakeDynamoDb({ 'shop-orders': 'ok', 'shop-carts': { error: ddbDenied('kms:Decrypt on resource: arn:aws:kms:us-west-2:111122223333:key/k2'), on: 'GetItem' }, 'shop-users': 'ok' }),
  },
};

const NOT_VOUCHED = 'nothing compared, the mirror is not vouched for';
const SEE_GRANTS = 'what the role is granted: lib/constructs/mirror-check-workflow.ts, docs/ARCHITECTURE.md "Mirrors"';

describe('a mirror check refused access to a source or its mirror', () => {
  it('records each refused source as its own failed check, naming the source, the side, the error and the likely cause; the other sources are recorded', async () => {
    const { deps, records } = checkDeps(plans(SOURCES), REGIONS);
    const result = await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
    const notes = {
      assets:
        `source bucket shop-assets in ${PRIMARY} (the primary region) refused the mirror check (AccessDenied: Access Denied): the mirror-check function's role lacks a grant it needs there ` +
        `(s3:ListBucket on the bucket, pinned to the owner account the source names, its \`account\`) or a policy denies it — most often the bucket's policy, which must admit the role; ${SEE_GRANTS}; ${NOT_VOUCHED}`,
      logs:
        `mirror bucket ${PREFIX}logs in ${DR} (the DR region) refused the mirror check (AccessDenied: Access Denied): the mirror-check function's role lacks a grant it needs there ` +
        `(s3:ListBucket on the mirror bucket) or a policy denies it — most often a bucket policy added to the mirror bucket that does not admit the role; ${SEE_GRANTS}; ${NOT_VOUCHED}`,
      orders:
        `source table shop-orders in ${PRIMARY} (the primary region) refused the mirror check (AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/check/fn is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/k1): ` +
        `the mirror-check function's role lacks a grant it needs there (dynamodb:Scan, GetItem and DescribeTable on the table; kms:Decrypt on its customer managed key only when the config names the key by a literal ARN) or a policy denies it — ` +
        `most often the table's KMS key policy, which must admit the role, or a resource policy of the table; ${SEE_GRANTS}; ${NOT_VOUCHED}`,
      carts:
        `replica of table shop-carts in ${DR} (the DR region) refused the mirror check (AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/check/fn is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-west-2:111122223333:key/k2): ` +
        `the mirror-check function's role lacks a grant it needs there (dynamodb:Scan, GetItem and DescribeTable on the replica; never its KMS key, which the config does not name) or a policy denies it — ` +
        `most often the replica's KMS key policy, which must admit the role; ${SEE_GRANTS}; ${NOT_VOUCHED}`,
    };
    expect(result.passed).toBe(false);
    // The Fail state's cause (MirrorCheckFailed): the first failed source and its note.
    expect(result.cause).toBe(`Mirror check of assets (s3://${PREFIX}assets/) failed: ${notes.assets}; lag unknown`);
    expect(result.sources).toEqual([
      { source: 'assets', mirror: `s3://${PREFIX}assets/`, passed: false, compared: 0, differences: 0, inFlight: 0, lagSeconds: null, note: notes.assets },
      { source: 'logs', mirror: `s3://${PREFIX}logs/`, passed: false, compared: 0, differences: 0, inFlight: 0, lagSeconds: null, note: notes.logs },
      { source: 'orders', mirror: `dynamodb table shop-orders (${DR})`, passed: false, compared: 0, differences: 0, inFlight: 0, lagSeconds: null, note: notes.orders },
      { source: 'carts', mirror: `dynamodb table shop-carts (${DR})`, passed: false, compared: 0, differences: 0, inFlight: 0, lagSeconds: null, note: notes.carts },
      expect.objectContaining({ source: 'media', passed: true, compared: 1, differences: 0 }),
      expect.objectContaining({ source: 'users', passed: true, compared: 1, differences: 0 }),
    ]);
    expect(records.map((r) => [r.source, r.passed, r.compared, r.note])).toEqual([
      ['assets', false, 0, notes.assets],
      ['logs', false, 0, notes.logs],
      ['orders', false, 0, notes.orders],
      ['carts', false, 0, notes.carts],
      ['media', true, 1, undefined],
      ['users', true, 1, expect.stringContaining('lag not measured')],
    ]);
  });

  it('drops the refused source\'s clean pass: a failover takes the vault, naming the refusal', async () => {
    const planList = plans([SOURCES[0], SOURCES[3]]);
    const stored = [
      cleanPass('assets', 's3', { source: 's3://shop-assets/', mirror: `s3://${PREFIX}assets/` }),
      cleanPass('carts', 'dynamodb', { source: 'dynamodb table shop-carts', mirror: `dynamodb table shop-carts (${DR})` }),
    ];
    const { deps, records } = checkDeps(planList, REGIONS, stored);
    await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
    expect(records).toHaveLength(2);
    for (const [i, source] of (planList[0]?.sources ?? []).entries()) {
      const record = records[i];
      expect(record).not.toHaveProperty('cleanPassStartedAt');
      const choice = chooseSourceCopy(source, record, { rpoMinutes: 60, startedAt: NOW + 60_000, mirrorBucketPrefix: PREFIX, useMirrors: true });
      expect(choice).toEqual(expect.objectContaining({ use: 'vault', reason: `the last mirror check (2026-12-05T14:00:00.000Z) failed: ${record?.note ?? '?'}; restored from the DR vault` }));
      expect(record?.note).toContain('refused the mirror check');
    }
  });

  it('records a file system whose EFS API refuses the check (AccessDeniedException) as its failed check', async () => {
    const efsDenied = Object.assign(new Error('User is not authorized to perform: elasticfilesystem:DescribeReplicationConfigurations'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    const efs = { client: () => ({ send: () => Promise.reject(efsDenied) }), fileSystemId: 'fs-0123' } as unknown as MirrorCheckDeps['efs'];
    const { deps, records } = checkDeps(plans([{ type: 'filesystem', name: 'uploads', path: '/mnt/data/uploads', mirror: true }, SOURCES[4]]), REGIONS, [], efs);
    const result = await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
    expect(result.passed).toBe(false);
    expect(records.map((r) => [r.source, r.passed])).toEqual([
      ['uploads', false],
      ['media', true],
    ]);
    expect(records[0]?.note).toBe(
      `file system fs-0123 in ${PRIMARY} (the primary region) refused the mirror check (AccessDeniedException: User is not authorized to perform: elasticfilesystem:DescribeReplicationConfigurations): ` +
        `the mirror-check function's role lacks a grant it needs there (elasticfilesystem:DescribeReplicationConfigurations on the file system, as this account's) or a policy denies it — most often a service control policy or permissions boundary of the account, or fileSystem.efs.fileSystemId naming another account's file system; ${SEE_GRANTS}; ${NOT_VOUCHED}`,
    );
  });

  it('an unreachable primary region still keeps the last record, a refusal elsewhere in the run notwithstanding', async () => {
    const down = { send: () => Promise.reject(refused()) };
    const regions = { s3: { [PRIMARY]: down as unknown as S3Client, [DR]: REGIONS.s3[DR] }, ddb: REGIONS.ddb };
    const last = cleanPass('media', 's3', { source: 's3://shop-media/', mirror: `s3://${PREFIX}media/` });
    const { deps, records } = checkDeps(plans([SOURCES[4], SOURCES[1]]), regions, [last]);
    const result = await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
    // media: the region does not answer, which proves nothing: its clean pass stays, with the attempt noted.
    expect(records[0]).toEqual({ ...last, lastAttempt: { at: '2026-12-05T14:00:00.000Z', error: `source region ${PRIMARY} unreachable: Error: connect ECONNREFUSED 3.5.0.1:443` } });
    expect(result.sources[0]).toEqual(expect.objectContaining({ source: 'media', passed: true, unreachable: expect.stringContaining('unreachable') }));
    // logs: the DR region's refusal is its answer, recorded though the primary region is down (its mirror is listed first).
    expect(records[1]).toEqual(expect.objectContaining({ source: 'logs', passed: false, note: expect.stringContaining(`mirror bucket ${PREFIX}logs in ${DR} (the DR region) refused the mirror check`) }));
    expect(result.passed).toBe(false);
  });

  it("quotes S3's own refusal under the Lambda runtime's BucketOwnerMismatchError, and fails the run on a rejected credential", async () => {
    // In Lambda every S3 client answers a 403 with BucketOwnerMismatchError, S3's error its cause (expected-bucket-owner.ts).
    const s3Error = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 403 } });
    const wrapped = (cause: Error) => new BucketOwnerMismatchError('shop-assets', '111122223333', 'ListObjectsV2Command', { cause });
    const denied = s3Error('AccessDenied', 'User: arn:aws:sts::111122223333:assumed-role/check/fn is not authorized to perform: s3:ListBucket with an explicit deny in a resource-based policy');
    const regions = (answer: Error) => ({ s3: { [PRIMARY]: fakeS3({ 'shop-assets': answer, 'shop-media': 'ok' }), [DR]: REGIONS.s3[DR] }, ddb: REGIONS.ddb });
    const { deps, records } = checkDeps(plans([SOURCES[0], SOURCES[4]]), regions(wrapped(denied)));
    await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
    expect(records.map((r) => [r.source, r.passed])).toEqual([
      ['assets', false],
      ['media', true],
    ]);
    expect(records[0]?.note).toContain(`refused the mirror check (AccessDenied: ${denied.message})`);
    // S3 answers an owner mismatch (a bucket of that name in another account) with the same AccessDenied: the note says so.
    expect(records[0]?.note).toContain('or the bucket is not owned by account 111122223333 (a bucket of that name in another account');

    // A key S3 does not know, or a rejected token in DynamoDB, is no grant of this source's: the run fails as before.
    const badKey = checkDeps(plans([SOURCES[0], SOURCES[4]]), regions(wrapped(s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'))));
    await expect(runMirrorCheck({ samples: 10, graceSeconds: 0 }, badKey.deps)).rejects.toThrow(BucketOwnerMismatchError);
    expect(badKey.records).toEqual([]);
    const unrecognized = Object.assign(new Error('The security token included in the request is invalid.'), { name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 400 } });
    const tokenRejected = checkDeps(plans([SOURCES[2]]), { s3: REGIONS.s3, ddb: { [PRIMARY]: fakeDynamoDb({ 'shop-orders': unrecognized }), [DR]: REGIONS.ddb[DR] } });
    await expect(runMirrorCheck({ samples: 10, graceSeconds: 0 }, tokenRejected.deps)).rejects.toThrow('The security token included in the request is invalid.');
    expect(tokenRejected.records).toEqual([]);
  });
});
