import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type DrillStart, startDrill, type StartDrillDeps } from '../../../../lambdas/drill/drill-start';
import { REBUILD_MARKER_KEY, type RebuildMarker } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { NewestBackupInRebuildGapError } from '../../../../lambdas/drill/newest-backup-in-rebuild-gap-error';
import { UnreadableNewerBackupError } from '../../../../lambdas/failover/unreadable-newer-backups';
import { drilledPlan } from './drill-test-plans';

/**
 * Review 43c F2: the catalog passes over a backup record it cannot read (listBackupsOfPlan). A drill that picks its
 * backup (latest, or at random in the window) fails when that record may be of a backup newer than the newest it can
 * drill, instead of drilling an older one and measuring the RPO against it; a drill of a backup named by id, and
 * records from before the vault, forgotten, older than that backup or started after the drill, are not held up.
 * Review rP F1: likewise when an unfinished rebuild of the catalog marks a backup newer than the newest it holds.
 * The real catalog over a mocked DynamoDB, so the records go through its schema.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-west-2' })), 'lifeboat-dev-catalog');
let items: Record<string, unknown>[] = [];
/** The catalog rebuild's marker item (catalog-rebuild-marker.ts), read by its key alone: it is in no plan's index. */
let marker: RebuildMarker | undefined;
beforeEach(() => {
  ddb.reset();
  marker = undefined;
  ddb.on(QueryCommand).callsFake(() => ({ Items: [...items].sort((a, b) => String(b.startedAt).localeCompare(String(a.startedAt))) }));
  ddb.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({
    Item: input.Key.pk === REBUILD_MARKER_KEY.pk ? marker && { ...REBUILD_MARKER_KEY, ...marker } : items.find((i) => i.pk === input.Key.pk),
  }));
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

const STARTED = '2026-12-09T12:00:00.000Z';
const totals = { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
// Only a DynamoDB source: the start makes no scratch bucket, so any S3 call is a failure of the test.
const itemOf = (backupId: string, startedAt: string, extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const record: BackupRecord = {
    backupId,
    plan: 'orders',
    environment: 'dev',
    sourceNames: ['orders-table'],
    sources: [{ name: 'orders-table', type: 'dynamodb', snapshotId: `snap-${backupId}`, rootHash: 'root', ...totals }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    shardCount: 1,
    totals,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
  return { pk: `BACKUP#${backupId}`, sk: 'BACKUP', ...record, ...extra };
};
const OLDER = itemOf('20261209T060000Z-0000000a', '2026-12-09T06:00:00.000Z');
// The newest before the drill: one field a hand edit or another version's writer got wrong.
const DAMAGED = itemOf('20261209T100000Z-0000000b', '2026-12-09T10:00:00.000Z', { totals: { ...totals, bytes: '1' } });
const damagedAs = (backupId: string, startedAt: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ...DAMAGED, pk: `BACKUP#${backupId}`, backupId, startedAt, ...extra });

const noS3 = new Proxy({}, { get: () => () => Promise.reject(new Error('no S3 call expected')) }) as unknown as S3Client;
// The plan of these backups: the drill restores every source of the plan, and the backups hold only the table.
const tablePlan = { ...drilledPlan, sources: drilledPlan.sources.filter((s) => s.name === 'orders-table') };
const deps = (vault: StartDrillDeps['vault'] = 'primary'): StartDrillDeps => ({ plans: [tablePlan], catalog, vault, region: 'us-east-1', drillTargetPrefix: 'lifeboat-dev-drill-', s3: noS3 });
const start = (input: object, vault?: StartDrillDeps['vault']): Promise<DrillStart> => startDrill({ input: { plan: 'orders', ...input }, execution: 'exec-1', startedAt: STARTED }, deps(vault));

it.each([['latest'], ['random-within-window']])('fails a %s drill when the newest record cannot be read, naming it, why, its delete command and backupId', async (selection) => {
  items = [OLDER, DAMAGED];
  const failure = start({ selection });
  await expect(failure).rejects.toThrow(UnreadableNewerBackupError);
  await expect(failure).rejects.toThrow(
    `Drill of plan "orders" failed: the primary catalog has a backup record it cannot read, ${String(DAMAGED.pk)} / BACKUP (started 2026-12-09T10:00:00.000Z), ` +
      `which may be of a backup newer than ${String(OLDER.backupId)} (started 2026-12-09T06:00:00.000Z), which the drill would test in its place. ` +
      `Catalog item ${String(DAMAGED.pk)} / BACKUP in table lifeboat-dev-catalog is not a valid backup record: totals.bytes: `,
  );
  await expect(failure).rejects.toThrow(
    `Delete it with aws dynamodb delete-item --region us-east-1 --table-name lifeboat-dev-catalog --key '${JSON.stringify({ pk: { S: DAMAGED.pk }, sk: { S: 'BACKUP' } })}' --condition-expression 'attribute_exists(pk)', ` +
      'and `lifeboat catalog rebuild --vault primary` writes the record again from the vault\'s snapshots (or correct the item by hand). ' +
      'Then run the drill again; or give "backupId" to drill a backup by id (lifeboat drill run --plan orders --backup <id>).',
  );
});

// Review r62H F1: in the local cloud the drill names the deletes against the local cloud itself (its endpoint), so the
// CLI prints them as recorded and reads no command back from its summary, which a damaged key can forge.
it('names the deletes against the local cloud\'s DynamoDB when it runs there', async () => {
  items = [OLDER, DAMAGED];
  const local = startDrill({ input: { plan: 'orders', selection: 'latest' }, execution: 'exec-1', startedAt: STARTED }, { ...deps(), localDynamoDb: 'http://127.0.0.1:4569' });
  await expect(local).rejects.toThrow(
    `Delete it with AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url http://127.0.0.1:4569 dynamodb delete-item --region us-east-1 --table-name lifeboat-dev-catalog --key '${JSON.stringify({ pk: { S: DAMAGED.pk }, sk: { S: 'BACKUP' } })}' --condition-expression 'attribute_exists(pk)', and \``,
  );
});

it('fails a DR drill alike, against the newest backup replicated to the DR vault', async () => {
  const notReplicated = itemOf('20261209T080000Z-0000000c', '2026-12-09T08:00:00.000Z', { copies: { primary: 'COMMITTED', dr: 'PENDING' } });
  items = [OLDER, notReplicated, damagedAs('20261209T070000Z-0000000d', '2026-12-09T07:00:00.000Z')];
  await expect(start({ selection: 'latest' }, 'dr')).rejects.toThrow(
    `the DR catalog has a backup record it cannot read, BACKUP#20261209T070000Z-0000000d / BACKUP (started 2026-12-09T07:00:00.000Z), which may be of a backup newer than ${String(OLDER.backupId)}`,
  );
  // The same catalog drilled from the primary vault: the newest drillable there is newer than the unreadable record.
  expect((await start({ selection: 'latest' }, 'primary')).backup.backupId).toBe(notReplicated.backupId);
});

it('drills a backup named by backupId, whatever record it cannot read, where the latest fails', async () => {
  items = [OLDER, DAMAGED];
  await expect(start({ selection: 'latest' })).rejects.toThrow(UnreadableNewerBackupError);
  expect((await start({ backupId: OLDER.backupId })).backup.backupId).toBe(OLDER.backupId);
});

it('is not held up by a record from before the vault, one retention forgot, one older than the newest backup, or one started after the drill; is by a newer one among them', async () => {
  const preVault = { pk: 'BACKUP#20261209T110000Z-0000000e', sk: 'BACKUP', backupId: '20261209T110000Z-0000000e', plan: 'orders', environment: 'dev', sources: ['orders-table'], strategy: 'full', status: 'COMMITTED', startedAt: '2026-12-09T11:00:00.000Z', shardCount: 1 };
  items = [
    damagedAs('20261209T050000Z-0000000f', '2026-12-09T05:00:00.000Z'),
    OLDER,
    preVault,
    damagedAs('20261209T103000Z-00000010', '2026-12-09T10:30:00.000Z', { forgottenAt: '2026-12-09T11:30:00.000Z' }),
    damagedAs('20261209T130000Z-00000011', '2026-12-09T13:00:00.000Z'),
  ];
  const drill = await start({ selection: 'latest' });
  expect(drill.backup.backupId).toBe(OLDER.backupId);
  expect(drill.restores.map((r) => r.request.backupId)).toEqual([OLDER.backupId]);
  items.push(DAMAGED);
  await expect(start({ selection: 'latest' })).rejects.toThrow(`the primary catalog has a backup record it cannot read, ${String(DAMAGED.pk)} / BACKUP (started`);
});

it.each([['latest'], ['random-within-window']])('fails a %s drill when an unfinished rebuild of the catalog marks a backup newer than its newest; by id, or without a marker, drills as before (review rP F1)', async (selection) => {
  // A rebuild cut before its first write: the mark stays at the vault's newest backup, which the catalog (restored from PITR) lacks.
  items = [OLDER];
  marker = { reliableFrom: { startedAt: '2026-12-09T10:00:00.000Z', backupId: String(DAMAGED.backupId) }, vault: 'primary', writtenAt: '2026-12-09T11:00:00.000Z' };
  const failure = start({ selection });
  await expect(failure).rejects.toThrow(NewestBackupInRebuildGapError);
  await expect(failure).rejects.toThrow(
    `Drill of plan "orders" failed: the catalog of us-east-1 has backup ${String(OLDER.backupId)} (started 2026-12-09T06:00:00.000Z) as the newest the drill can test, ` +
      'but the catalog is being rebuilt from the primary vault and the rebuild has not finished (it is running, or it stopped; the marker was last written at 2026-12-09T11:00:00.000Z): ' +
      `it writes the newest backups first and has come down to the backup started 2026-12-09T10:00:00.000Z (${String(DAMAGED.backupId)}) so far: ` +
      'the catalog may lack any backup older than that one, and that one too when the rebuild has not written one yet; a drill of an older backup than the newest proves nothing about the newest. ' +
      'Finish the rebuild (from a machine, which has no time limit: lifeboat catalog rebuild --vault primary; the command without --runbook creates only what the catalog lacks), ' +
      'then run the drill again; or give "backupId" to drill a backup by id now (lifeboat drill run --plan orders --backup <id>).',
  );
  items = [];
  await expect(start({ selection })).rejects.toThrow('the catalog of us-east-1 has no backup the drill can test, but the catalog is being rebuilt');
  items = [OLDER];
  expect((await start({ backupId: OLDER.backupId })).backup.backupId).toBe(OLDER.backupId);
  marker = { ...marker, reliableFrom: { startedAt: String(OLDER.startedAt), backupId: String(OLDER.backupId) } };
  expect((await start({ selection })).backup.backupId).toBe(OLDER.backupId);
  marker = undefined;
  expect((await start({ selection })).backup.backupId).toBe(OLDER.backupId);
});
