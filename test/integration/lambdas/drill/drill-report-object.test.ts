import { createHash } from 'node:crypto';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DrillLog } from '../../../../lambdas/catalog/drill-log';
import { type DrillReport } from '../../../../lambdas/catalog/drill-record';
import { DrillReportConflictError } from '../../../../lambdas/drill/drill-errors';
import { recordDrillReport, writeDrillReportObject } from '../../../../lambdas/drill/drill-report-object';
import { createCatalogShapedTable, localDynamoDbClient, localS3Client, startLocalCloud, stopLocalCloud } from '../../../../local/cloud';
import { S3VaultStore } from '../../../../vault/aws';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/** The drill's evidence: `drills/<drillId>.json` written once into the vault bucket, and the catalog item that points at it. */
const REGION = 'us-east-1';
const VAULT = 'lifeboat-dev-vault-000000000000-us-east-1';
const CATALOG = 'lifeboat-dev-catalog';

let dataDir: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;

const report: DrillReport = {
  drillId: '20261130T120000Z-1a2b3c4d',
  plan: 'orders',
  environment: 'dev',
  region: REGION,
  vault: 'primary',
  execution: 'exec-1',
  startedAt: '2026-11-30T12:00:00.000Z',
  endedAt: '2026-11-30T12:10:00.000Z',
  selection: 'latest',
  windowDays: 7,
  backup: { backupId: '20261130T110000Z-00000001', startedAt: '2026-11-30T11:00:00.000Z', strategy: 'full' },
  sources: [],
  totals: { entries: 0, bytes: 0 },
  objectives: { rpoMinutes: 120, rtoMinutes: 30 },
  rto: { seconds: 600, objectiveSeconds: 1800, met: true },
  rpo: { backupAgeSeconds: 3600, largestGapSeconds: 3600, backupsInWindow: 3, objectiveSeconds: 7200, met: true },
  verdict: 'PASSED',
  missed: [],
  errors: [],
  cleanup: { removed: [], swept: [], errors: [] },
};

beforeAll(async () => {
  dataDir = await tempDir('drill-report-cloud');
  const cloud = await startLocalCloud({ dataDir, regions: [REGION], exitWithParent: true });
  s3 = localS3Client(cloud.endpoints, REGION);
  dynamodb = localDynamoDbClient(cloud.endpoints, REGION);
  await s3.send(new CreateBucketCommand({ Bucket: VAULT }));
  await createCatalogShapedTable(dynamodb, CATALOG);
});

afterAll(async () => {
  s3.destroy();
  dynamodb.destroy();
  await stopLocalCloud(dataDir);
  await removeDir(dataDir);
});

async function objectBytes(key: string): Promise<Buffer> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: VAULT, Key: key }));
  return Buffer.from((await Body?.transformToByteArray()) ?? []);
}

describe('drill report object', () => {
  const store = (): S3VaultStore => new S3VaultStore({ client: s3, bucket: VAULT });

  it('is written once as drills/<drillId>.json; its SHA-256 is of the stored bytes; a retry with the same report is accepted', async () => {
    const first = await writeDrillReportObject(store(), report);
    expect(first.key).toBe('drills/20261130T120000Z-1a2b3c4d.json');
    const bytes = await objectBytes(first.key);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(report);
    expect(first.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await writeDrillReportObject(store(), report)).toEqual(first);
  });

  it('a retry that rebuilt the report later takes the stored one; a different report is refused and the object stays', async () => {
    const before = await objectBytes('drills/20261130T120000Z-1a2b3c4d.json');
    const retried = await writeDrillReportObject(store(), { ...report, endedAt: '2026-11-30T12:11:00.000Z' });
    expect(retried.report.endedAt).toBe(report.endedAt);
    expect(retried.sha256).toBe(createHash('sha256').update(before).digest('hex'));
    await expect(writeDrillReportObject(store(), { ...report, verdict: 'FAILED', errors: [{ error: 'X', message: 'y' }] })).rejects.toThrow(DrillReportConflictError);
    expect(await objectBytes('drills/20261130T120000Z-1a2b3c4d.json')).toEqual(before);
  });

  it('the catalog item records the report with its key and SHA-256', async () => {
    const other = { ...report, drillId: '20261130T130000Z-2b3c4d5e' };
    const drillLog = new DrillLog(DynamoDBDocumentClient.from(dynamodb), CATALOG);
    const record = await recordDrillReport(other, { store: store(), drillLog });
    const bytes = await objectBytes('drills/20261130T130000Z-2b3c4d5e.json');
    expect(record).toEqual({ ...other, reportKey: 'drills/20261130T130000Z-2b3c4d5e.json', reportSha256: createHash('sha256').update(bytes).digest('hex') });
    expect(await drillLog.get(other.drillId)).toEqual(record);
  });
});
