import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { drillsEvidenceCommand, drillsListCommand, drillsShowCommand } from '../../../cli/commands/drill-commands';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { DrillLog } from '../../../lambdas/catalog/drill-log';
import { DRILLS_PK, type DrillReport } from '../../../lambdas/catalog/drill-record';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { type LocalCloudHandle, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud, stopRegion } from '../../../local/cloud/local-cloud';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport, failedReport, objectiveMissedReport } from '../../support/drill-records';
import { DR, PRIMARY, tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { createCatalogShapedTable } from '../../../local/cloud';

/**
 * `lifeboat drills list|show|evidence` on the local cloud, as a user runs them: the catalog tables of
 * both regions (`lifeboat-dev-catalog` in us-east-1 and in us-west-2) seeded through DrillLog, the
 * report objects in each region's vault bucket, the CLI finding the cloud by its data directory.
 */

const tmp = tempDir('drills-cli');
const dataDir = tmp.dir;
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const names = resourceNames(environment);
const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir };
const NOW = () => new Date('2026-11-30T12:00:00.000Z');
let cloud: LocalCloudHandle;
const clients: { destroy(): void }[] = [];
const sides = { primary: { region: PRIMARY, bucket: names.primaryVault }, dr: { region: DR, bucket: names.drVault } } as const;
const s3 = {} as Record<'primary' | 'dr', S3Client>;

const passed = drillRecordOf(drillReport());
const missed = drillRecordOf(objectiveMissedReport({ vault: 'primary', region: PRIMARY }));
const failed = drillRecordOf(failedReport());
const old = drillRecordOf(drillReport({ drillId: '20260801T000000Z-00000001', startedAt: '2026-08-01T00:00:00.000Z' }));

beforeAll(async () => {
  expect([environment.primaryRegion, environment.drRegion]).toEqual([PRIMARY, DR]);
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  for (const side of ['primary', 'dr'] as const) {
    const { region, bucket } = sides[side];
    const ddb: DynamoDBClient = localDynamoDbClient(cloud.endpoints, region);
    s3[side] = localS3Client(cloud.endpoints, region);
    clients.push(ddb, s3[side]);
    await createCatalogShapedTable(ddb, names.catalogTable);
    await s3[side].send(new CreateBucketCommand({ Bucket: bucket }));
    const log = new DrillLog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
    for (const { record, object } of [passed, missed, failed, old].filter((d) => d.record.vault === side)) {
      await log.record(record);
      await s3[side].send(new PutObjectCommand({ Bucket: bucket, Key: record.reportKey, Body: object, ContentType: 'application/json' }));
    }
  }
});

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

const ids = (reports: readonly { record: DrillReport }[]) => reports.map((r) => r.record.drillId);

it('lists the drills of both regions\' catalogs, newest first, one line each', async () => {
  const { out, err, io } = capturedCliIo();
  expect(await drillsListCommand(target, { io, now: NOW })).toBe(0);
  expect(err).toEqual([]);
  expect(out.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(ids([passed, missed, failed, old]));
  expect(out[2]).toMatch(/^20261129T101500Z-2b3c4d5e +demo +primary \(us-east-1\) +20261130T060000Z-0badcafe +OBJECTIVE_MISSED +1 h 05 min \/ 1 h MISSED +23 h 53 min \/ 1 d$/);
});

it('lists only the period, the plan and the vault asked for', async () => {
  const recent = capturedCliIo();
  expect(await drillsListCommand({ ...target, since: '30d', vault: 'dr', json: true }, { io: recent.io, now: NOW })).toBe(0);
  expect((JSON.parse(recent.out.join('\n')) as DrillReport[]).map((r) => r.drillId)).toEqual(ids([passed, failed]));
  const other = capturedCliIo();
  expect(await drillsListCommand({ ...target, plan: 'other' }, { io: other.io, now: NOW })).toBe(0);
  expect(other.out).toEqual(['No drills.']);
});

it('shows a drill from whichever catalog holds it', async () => {
  const fromPrimary = capturedCliIo();
  expect(await drillsShowCommand(missed.record.drillId, target, { io: fromPrimary.io })).toBe(0);
  expect(fromPrimary.out).toContain('RTO       1 h 05 min of 1 h: MISSED by 5 min');
  const fromDr = capturedCliIo();
  expect(await drillsShowCommand(failed.record.drillId, { ...target, json: true }, { io: fromDr.io })).toBe(0);
  expect(JSON.parse(fromDr.out.join('\n'))).toEqual(failed.record);
  const absent = capturedCliIo();
  expect(await drillsShowCommand('20261130T000000Z-ffffffff', target, { io: absent.io })).toBe(1);
  expect(absent.err).toEqual(['lifeboat drills show: no drill 20261130T000000Z-ffffffff in the primary or dr catalog']);
});

// Review r63D F3: under a recorded local delete, drills show said to start the cloud with `lifeboat local up` if it had
// stopped, though it reads only a cloud that runs: it names the DynamoDB endpoint of the drill's region it reads now.
it("shows under a drill's recorded local deletes the endpoint of its region the local cloud runs on now", async () => {
  const ddb = DynamoDBDocumentClient.from(localDynamoDbClient(cloud.endpoints, DR));
  clients.push(ddb);
  const stale = 'http://127.0.0.1:9';
  const message = `Delete them with AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${stale} dynamodb delete-item --region ${DR} …`;
  const refused = drillRecordOf(drillReport({ drillId: '20261130T111500Z-0000000d', verdict: 'FAILED', errors: [{ error: 'UnreadableNewerBackupError', message, step: 'start' }] })).record;
  await new DrillLog(ddb, names.catalogTable).record(refused);
  try {
    const { out, io } = capturedCliIo();
    expect(await drillsShowCommand(refused.drillId, target, { io })).toBe(0);
    expect(cloud.endpoints.dynamodb[DR]).not.toBe(stale);
    expect(out.filter((l) => l.includes('in those deletes'))).toEqual([
      `  The --endpoint-url http://127.0.0.1:<port> in those deletes is the local cloud's of when the drill ran: the local cloud's DynamoDB endpoint of ${DR} is now ${cloud.endpoints.dynamodb[DR]}: use it in place of the printed one.`,
    ]);
  } finally {
    await ddb.send(new DeleteCommand({ TableName: names.catalogTable, Key: { pk: DRILLS_PK, sk: refused.drillId } }));
  }
});

it('evidence re-reads each report object from its vault: all match, exit 0; one altered in the DR vault, exit 1 naming it', async () => {
  const clean = capturedCliIo();
  expect(await drillsEvidenceCommand({ ...target, since: '90d' }, { io: clean.io, now: NOW })).toBe(0);
  expect(clean.out.join('\n')).toContain(
    'Report objects re-read from their vaults: 3 match their catalog item (SHA-256 and content), 0 mismatch their recorded SHA-256, 0 differ from their catalog item, 0 missing, 0 unreadable, 0 without a catalog item.',
  );

  const altered = Buffer.from(passed.object.toString().replace('"verdict": "PASSED"', '"verdict":"PASSED"'));
  await s3.dr.send(new PutObjectCommand({ Bucket: names.drVault, Key: passed.record.reportKey, Body: altered }));
  const tampered = capturedCliIo();
  expect(await drillsEvidenceCommand({ ...target, since: '90d' }, { io: tampered.io, now: NOW })).toBe(1);
  expect(tampered.err).toEqual([expect.stringMatching(new RegExp(`^MISMATCH: the report object ${passed.record.reportKey} of drill ${passed.record.drillId} in the dr vault has SHA-256 [0-9a-f]{64}, the catalog recorded ${passed.record.reportSha256}$`))]);
  await s3.dr.send(new PutObjectCommand({ Bucket: names.drVault, Key: passed.record.reportKey, Body: passed.object }));
});

it('evidence takes the report objects as the evidence: a rewritten catalog item differs, a deleted one leaves its object named; exit 1', async () => {
  const ddb = DynamoDBDocumentClient.from(localDynamoDbClient(cloud.endpoints, DR));
  clients.push(ddb);
  const log = new DrillLog(ddb, names.catalogTable);
  // The PASSED drill's item rewritten (FAILED, 2 h), its reportKey and reportSha256 kept; the FAILED drill's item deleted.
  await log.record({ ...passed.record, verdict: 'FAILED', rto: { seconds: 7200, objectiveSeconds: 3600, met: false } });
  await ddb.send(new DeleteCommand({ TableName: names.catalogTable, Key: { pk: DRILLS_PK, sk: failed.record.drillId } }));
  try {
    const { out, err, io } = capturedCliIo();
    expect(await drillsEvidenceCommand({ ...target, since: '90d' }, { io, now: NOW })).toBe(1);
    const md = out.join('\n');
    expect(md).toContain('| PASSED | 1 |\n| OBJECTIVE_MISSED | 1 |\n| FAILED | 1 |\n| **Total** | 3 |');
    expect(md).toContain('Pass rate: 33.3 % (1 of 3).');
    expect(md).toContain(`| ${passed.record.drillId} | demo | dr (us-west-2) | 20261130T060000Z-0badcafe | PASSED | 12 min 04 s / 1 h |`);
    expect(err).toEqual([
      `UNRECORDED: the report object ${failed.record.reportKey} of drill ${failed.record.drillId} in the dr vault (plan demo, FAILED) has no catalog item: the item was deleted, or the drill's record step never wrote it`,
      `DIFFERS: the catalog item of drill ${passed.record.drillId} differs from the report object ${passed.record.reportKey} of drill ${passed.record.drillId} in the dr vault: rto.seconds: catalog 7200, object 724; rto.met: catalog false, object true; verdict: catalog "FAILED", object "PASSED"`,
    ]);
  } finally {
    await log.record(passed.record);
    await log.record(failed.record);
  }
});

it('with the DR region down, still lists the primary catalog\'s drills and exits 1 saying what it could not read', async () => {
  await stopRegion(dataDir, DR);
  const { out, err, io } = capturedCliIo();
  expect(await drillsListCommand(target, { io, now: NOW })).toBe(1);
  expect(out.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(ids([missed]));
  expect(err).toEqual([expect.stringMatching(/^The dr catalog \(us-west-2\) could not be read, its drills are not listed: .*ECONNREFUSED/)]);
});
