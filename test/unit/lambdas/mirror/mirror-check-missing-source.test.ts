import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { createActiveTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { chooseSourceCopy } from '../../../../lambdas/mirror/mirror-choice';
import { runMirrorCheck, type MirrorCheckDeps } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord } from '../../../../lambdas/mirror/mirror-record';
import { cleanPass, DR, NOW, PRIMARY, recordingCheckDeps, shopPlans } from './mirror-check-harness';

/**
 * A mirror check one of whose sources does not exist in the primary region (review r6 R6-2): a wrong name in the plan
 * (`bucket`/`table`, or a construct's `deployedName`), or a resource deleted since. Before the fix S3's NoSuchBucket
 * failed the whole run and no source of it was recorded, the correct ones included, and a table missing from both
 * regions was reported as a missing replica. Now the missing source is its own failed check, naming the source and
 * the likely cause, and the other sources are checked and recorded as usual; the execution still fails (its alarm).
 * A missing mirror (the DR side) is told apart from a missing source. Both regions are the local cloud's S3 and DynamoDB.
 */
const PREFIX = 'lifeboat-prod-mirror-';
const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-mirror-missing-'));
const clients: { s3: Record<string, S3Client>; ddb: Record<string, DynamoDBClient> } = { s3: {}, ddb: {} };

const table = (name: string) => ({
  TableName: name,
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
});

beforeAll(async () => {
  const cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  for (const region of [PRIMARY, DR]) {
    clients.s3[region] = localS3Client(cloud.endpoints, region);
    clients.ddb[region] = localDynamoDbClient(cloud.endpoints, region);
  }
  const [s3p, s3d, ddbp, ddbd] = [clients.s3[PRIMARY], clients.s3[DR], clients.ddb[PRIMARY], clients.ddb[DR]] as [S3Client, S3Client, DynamoDBClient, DynamoDBClient];
  // assets: a bucket and its mirror, equal. typo's mirror exists, its source bucket (named wrong in the plan) does not.
  // logs: a source bucket whose mirror bucket does not exist (the DR side).
  for (const b of ['shop-assets', 'shop-logs']) await s3p.send(new CreateBucketCommand({ Bucket: b }));
  for (const b of [`${PREFIX}assets`, `${PREFIX}typo`]) await s3d.send(new CreateBucketCommand({ Bucket: b }));
  for (const [s3, bucket] of [[s3p, 'shop-assets'], [s3d, `${PREFIX}assets`], [s3p, 'shop-logs']] as const) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a.txt', Body: 'alpha' }));
  }
  // orders: in both regions, equal. gone: its replica only (deleted from the primary region). solo: the primary only (no replica).
  for (const [ddb, name] of [[ddbp, 'shop-orders'], [ddbd, 'shop-orders'], [ddbd, 'shop-gone'], [ddbp, 'shop-solo']] as const) {
    await createActiveTable(ddb, table(name));
    await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'a' }, v: { N: '1' } } }));
  }
}, 60_000);

afterAll(async () => {
  for (const c of [...Object.values(clients.s3), ...Object.values(clients.ddb)]) c.destroy();
  await stopLocalCloud(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

const plans = shopPlans;

function checkDeps(planList: ProtectionPlanConfig[], stored: MirrorRecord[] = [], s3 = (region: string) => clients.s3[region] as S3Client): { deps: MirrorCheckDeps; records: MirrorRecord[] } {
  return recordingCheckDeps({ plans: planList, mirrorBucketPrefix: PREFIX, s3, dynamodb: (region) => clients.ddb[region] as DynamoDBClient, stored });
}

const MISSING_BUCKET =
  'source bucket shop-asets does not exist in us-east-1 (the primary region): the plan names a bucket that is not there (its `bucket`, or the `deployedName` given to LifeboatSource.s3Bucket: check it against the deployed name), or the bucket was deleted; nothing compared, the mirror is not vouched for';
const MISSING_TABLE = (name: string) =>
  `source table ${name} does not exist in us-east-1 (the primary region): the plan names a table that is not there (its \`table\`, or the \`deployedName\` given to LifeboatSource.dynamoDbTable: check it against the deployed name), or the table was deleted; nothing compared, the mirror is not vouched for`;

describe('a mirror check whose source does not exist in the primary region', () => {
  it('records that source\'s failed check, naming it and the likely cause, and checks and records the other sources as usual', async () => {
    const { deps, records } = checkDeps(
      plans([
        { type: 's3', name: 'typo', bucket: 'shop-asets', mirror: true },
        { type: 'dynamodb', name: 'carts', table: 'shop-crats', mirror: true },
        { type: 's3', name: 'assets', bucket: 'shop-assets', mirror: true },
        { type: 'dynamodb', name: 'orders', table: 'shop-orders', mirror: true },
      ]),
    );
    const result = await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
    expect(result.passed).toBe(false);
    // The Fail state's cause (MirrorCheckFailed, which the alarm on failed executions sees): the first failed source, the reason named.
    expect(result.cause).toBe(`Mirror check of typo (s3://${PREFIX}typo/) failed: ${MISSING_BUCKET}; lag unknown`);
    expect(result.sources).toEqual([
      { source: 'typo', mirror: `s3://${PREFIX}typo/`, passed: false, compared: 0, differences: 0, inFlight: 0, lagSeconds: null, note: MISSING_BUCKET },
      // Missing from both regions: the source, not "has no replica".
      { source: 'carts', mirror: `dynamodb table shop-crats (${DR})`, passed: false, compared: 0, differences: 0, inFlight: 0, lagSeconds: null, note: MISSING_TABLE('shop-crats') },
      expect.objectContaining({ source: 'assets', passed: true, compared: 1, differences: 0 }),
      expect.objectContaining({ source: 'orders', passed: true, compared: 1, differences: 0 }),
    ]);
    expect(records.map((r) => [r.source, r.passed, r.note])).toEqual([
      ['typo', false, MISSING_BUCKET],
      ['carts', false, MISSING_TABLE('shop-crats')],
      ['assets', true, undefined],
      ['orders', true, expect.stringContaining('lag not measured')],
    ]);
  });

  it('a table deleted from the primary region whose replica remains: the source is missing, not the replica', async () => {
    const { deps, records } = checkDeps(plans([{ type: 'dynamodb', name: 'gone', table: 'shop-gone', mirror: true }]));
    const result = await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
    expect(result).toEqual(expect.objectContaining({ passed: false, cause: `Mirror check of gone (dynamodb table shop-gone (${DR})) failed: ${MISSING_TABLE('shop-gone')}; lag unknown` }));
    expect(records).toEqual([expect.objectContaining({ source: 'gone', passed: false, compared: 0, note: MISSING_TABLE('shop-gone') })]);
  });

  it('drops the clean pass of the record before it: a failover takes the vault, naming the missing source', async () => {
    const source = { type: 's3', name: 'typo', bucket: 'shop-asets', mirror: true };
    const vouched = cleanPass('typo', 's3', { source: 's3://shop-asets/', mirror: `s3://${PREFIX}typo/` }, 1);
    const planList = plans([source]);
    const { deps, records } = checkDeps(planList, [vouched]);
    await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
    expect(records).toHaveLength(1);
    expect(records[0]).not.toHaveProperty('cleanPassStartedAt');
    const sourceConfig = planList[0]?.sources[0];
    if (!sourceConfig) throw new Error('no source');
    expect(chooseSourceCopy(sourceConfig, records[0], { rpoMinutes: 60, startedAt: NOW + 60_000, mirrorBucketPrefix: PREFIX, useMirrors: true })).toEqual({
      source: 'typo',
      type: 's3',
      use: 'vault',
      reason: `the last mirror check (2026-12-05T14:00:00.000Z) failed: ${MISSING_BUCKET}; restored from the DR vault`,
    });
  });
});

describe('the DR side missing is not a missing source', () => {
  it('a mirror bucket that does not exist in the DR region is that source\'s failed check, saying so; the others are recorded', async () => {
    const { deps, records } = checkDeps(
      plans([
        { type: 's3', name: 'logs', bucket: 'shop-logs', mirror: true },
        { type: 'dynamodb', name: 'solo', table: 'shop-solo', mirror: true },
        { type: 's3', name: 'assets', bucket: 'shop-assets', mirror: true },
      ]),
    );
    const result = await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
    const noMirror = `mirror bucket ${PREFIX}logs does not exist in ${DR} (the DR region): deploy the DR stack, which creates it (or it was deleted); nothing compared, the mirror is not vouched for`;
    expect(result.passed).toBe(false);
    expect(result.cause).toBe(`Mirror check of logs (s3://${PREFIX}logs/) failed: ${noMirror}; lag unknown`);
    expect(records.map((r) => [r.source, r.passed, r.note])).toEqual([
      ['logs', false, noMirror],
      // The table is in the primary region only: its replica is what is missing, as before.
      ['solo', false, `table shop-solo has no replica in ${DR}: make it a global table with a replica there (the mirror's precondition)`],
      ['assets', true, undefined],
    ]);
  });

  it('a source the primary region refuses (AccessDenied) is not called missing: it is recorded as refused (mirror-check-refused-access.test.ts)', async () => {
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const refusing = { send: () => Promise.reject(denied) } as unknown as S3Client;
    const { deps, records } = checkDeps(plans([{ type: 's3', name: 'assets', bucket: 'shop-assets', mirror: true }]), [], (region) => (region === PRIMARY ? refusing : (clients.s3[region] as S3Client)));
    const result = await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
    expect(result.passed).toBe(false);
    expect(records).toEqual([expect.objectContaining({ source: 'assets', passed: false, compared: 0 })]);
    expect(records[0]?.note).toMatch(/^source bucket shop-assets in us-east-1 \(the primary region\) refused the mirror check \(AccessDenied: Access Denied\)/);
    expect(records[0]?.note).not.toContain('does not exist');
  });
});
