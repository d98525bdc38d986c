import { join } from 'node:path';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backupsListCommand } from '../../../cli/commands/backup-commands';
import { loadLifeboatConfig } from '../../../config/load-config';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { createCatalogShapedTable } from '../../../local/cloud';
import { type LocalCloudHandle, localDynamoDbClient, startLocalCloud, startRegion, stopLocalCloud, stopRegion } from '../../../local/cloud/local-cloud';
import { capturedCliIo } from '../../support/captured-cli-io';
import { DR, PRIMARY, tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat backups list` after the DR vault's own retention forgot a copy: the primary's record still
 * says its DR copy was COMMITTED (replication wrote that, and the DR forget writes only the DR
 * catalog), so the list asks the DR catalog and shows the copy FORGOTTEN; with the DR region down it
 * says it could not, and shows the primary's record. On the local cloud, both regions' catalog tables.
 */

const tmp = tempDir('backups-list-dr');
const dataDir = join(tmp.dir, 'data');
const environment = loadLifeboatConfig(SAMPLE_CONFIG_FILE).environments[0];
if (!environment) throw new Error('the sample config has no environment');
const names = resourceNames(environment);
let cloud: LocalCloudHandle;
const clients: DynamoDBClient[] = [];
const [older, newer] = ['20260301T060000Z-00000001', '20260302T060000Z-00000002'];

const catalogIn = (region: string): BackupCatalog => {
  const ddb = localDynamoDbClient(cloud.endpoints, region);
  clients.push(ddb);
  return new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
};
const commandClients = () => {
  const [dynamodb, drDynamodb] = [localDynamoDbClient(cloud.endpoints, PRIMARY), localDynamoDbClient(cloud.endpoints, DR)];
  clients.push(dynamodb, drDynamodb);
  return { dynamodb, drDynamodb };
};
const target = () => ({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir, plan: 'demo' });

/** A committed backup of plan demo, as the commit step and replication leave it in a catalog. */
async function committed(catalog: BackupCatalog, backupId: string, startedAt: string): Promise<void> {
  const record: BackupRecord = { backupId, plan: 'demo', environment: 'dev', sourceNames: ['demo-files'], sources: [], strategy: 'full', status: 'RUNNING', startedAt, shardCount: 1 };
  await catalog.createBackup(record);
  const totals = { entries: 1, bytes: 6, bytesScanned: 6, bytesNew: 6, bytesStored: 40, blobsNew: 1 };
  await catalog.markCommitted(backupId, { sources: [], totals, endedAt: startedAt });
  expect(await catalog.markCopied(backupId)).toBe(true);
}

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  for (const region of [PRIMARY, DR]) {
    const ddb = localDynamoDbClient(cloud.endpoints, region);
    clients.push(ddb);
    await createCatalogShapedTable(ddb, names.catalogTable, { byPlan: true });
  }
  // Both backups replicated (both catalogs hold them); the DR vault's retention then forgot the older one there only.
  for (const region of [PRIMARY, DR]) {
    const catalog = catalogIn(region);
    await committed(catalog, older, '2026-03-01T06:00:00.000Z');
    await committed(catalog, newer, '2026-03-02T06:00:00.000Z');
  }
  expect(await catalogIn(DR).markForgotten(older, '2026-03-05T00:00:00.000Z')).toBe(true);
}, 60_000);

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

const drCopyOf = (out: string[], backupId: string): string | undefined => {
  const header = out.find((l) => l.startsWith('BACKUP'));
  const row = out.find((l) => l.startsWith(backupId));
  const at = header?.indexOf('DR COPY') ?? -1;
  return row?.slice(at, at + 11).trim();
};

it('shows the DR copy the DR catalog marks forgotten as FORGOTTEN, not the primary\'s COMMITTED, in the table and in --json', async () => {
  const text = capturedCliIo();
  expect(await backupsListCommand(target(), { io: text.io, clients: commandClients() })).toBe(0);
  expect(text.err).toEqual([]);
  expect([drCopyOf(text.out, older), drCopyOf(text.out, newer)]).toEqual(['FORGOTTEN', 'COMMITTED']);
  // The backup is still in the primary vault: listed as COMMITTED there.
  expect(text.out.find((l) => l.startsWith(older))?.split(/\s+/).slice(0, 3)).toEqual([older, 'demo', 'COMMITTED']);

  const json = capturedCliIo();
  expect(await backupsListCommand({ ...target(), json: true }, { io: json.io, clients: commandClients() })).toBe(0);
  const records = JSON.parse(json.out.join('\n')) as (BackupRecord & { drForgottenAt?: string })[];
  expect(records.map((r) => [r.backupId, r.copies?.dr, r.drForgottenAt])).toEqual([
    [newer, 'COMMITTED', undefined],
    [older, 'COMMITTED', '2026-03-05T00:00:00.000Z'],
  ]);
});

it('with the DR region down, says the DR catalog could not be read and shows the primary\'s record', async () => {
  await stopRegion(dataDir, DR);
  const text = capturedCliIo();
  expect(await backupsListCommand(target(), { io: text.io, clients: commandClients() })).toBe(0);
  expect(text.err).toEqual([
    expect.stringMatching(/^warning: the DR catalog \(us-west-2\) could not be read \(.+\): DR COPY is the primary catalog's record, which does not know what the DR vault's retention forgot$/),
  ]);
  expect([drCopyOf(text.out, older), drCopyOf(text.out, newer)]).toEqual(['COMMITTED', 'COMMITTED']);
});

it('with the primary region down, names it and lists the DR catalog instead, pointing to restore --from dr (exit 1)', async () => {
  await startRegion(dataDir, DR);
  await stopRegion(dataDir, PRIMARY);
  try {
    const text = capturedCliIo();
    expect(await backupsListCommand({ ...target(), all: true }, { io: text.io, clients: commandClients() })).toBe(1);
    expect(text.err).toEqual([
      expect.stringMatching(
        /^lifeboat backups list: the primary catalog \(us-east-1\) could not be read: .+\. Listed instead: the DR catalog \(us-west-2\), the backups the DR vault holds; restore one with `lifeboat restore --from dr …` \(the DR region's restore runbook, which works with the primary region down\), or fail a plan over with `lifeboat failover --plan …`\.$/,
      ),
    ]);
    // The DR catalog's own records: the older one forgotten there.
    expect(text.out.filter((l) => /^\d{8}T/.test(l)).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      [newer, 'demo', 'COMMITTED'],
      [older, 'demo', 'FORGOTTEN'],
    ]);
    const json = capturedCliIo();
    expect(await backupsListCommand({ ...target(), json: true }, { io: json.io, clients: commandClients() })).toBe(1);
    expect((JSON.parse(json.out.join('\n')) as BackupRecord[]).map((r) => r.backupId)).toEqual([newer]);
  } finally {
    await startRegion(dataDir, PRIMARY);
  }
}, 60_000);

// Review 41b F2: a backup a forget run claimed cannot be restored (its pin is refused): listed as a forgotten one is.
it('hides a backup a forget run is forgetting (claimed) unless --all, which shows it as FORGETTING; --json likewise', async () => {
  const claimed = '20260303T060000Z-00000003';
  const primary = catalogIn(PRIMARY);
  await committed(primary, claimed, '2026-03-03T06:00:00.000Z');
  expect(await primary.claimForgetting(claimed, '2026-03-05T00:00:00.000Z', {})).toBe(true);
  const rows = (out: string[]) => out.filter((l) => /^\d{8}T/.test(l)).map((l) => l.split(/\s+/).slice(0, 3));

  const text = capturedCliIo();
  expect(await backupsListCommand(target(), { io: text.io, clients: commandClients() })).toBe(0);
  expect(rows(text.out).map(([id]) => id)).toEqual([newer, older]);
  const all = capturedCliIo();
  expect(await backupsListCommand({ ...target(), all: true }, { io: all.io, clients: commandClients() })).toBe(0);
  expect(rows(all.out)[0]).toEqual([claimed, 'demo', 'FORGETTING']);

  const json = capturedCliIo();
  expect(await backupsListCommand({ ...target(), json: true }, { io: json.io, clients: commandClients() })).toBe(0);
  expect((JSON.parse(json.out.join('\n')) as BackupRecord[]).map((r) => r.backupId)).toEqual([newer, older]);
  const jsonAll = capturedCliIo();
  expect(await backupsListCommand({ ...target(), json: true, all: true }, { io: jsonAll.io, clients: commandClients() })).toBe(0);
  expect((JSON.parse(jsonAll.out.join('\n')) as BackupRecord[]).find((r) => r.backupId === claimed)?.forgettingAt).toBe('2026-03-05T00:00:00.000Z');
});

it('shows under a backup\'s row the source entries it left out, with the reason lines its record keeps, escaped', async () => {
  const leaving = '20260304T060000Z-00000004';
  const primary = catalogIn(PRIMARY);
  await primary.createBackup({ backupId: leaving, plan: 'demo', environment: 'dev', sourceNames: ['demo-assets'], sources: [], strategy: 'full', status: 'RUNNING', startedAt: '2026-03-04T06:00:00.000Z', shardCount: 1 });
  const source = { name: 'demo-assets', type: 's3' as const, snapshotId: 's-4', rootHash: 'r-4', entries: 3, bytes: 6, bytesScanned: 6, bytesNew: 6, bytesStored: 40, blobsNew: 1, changedDuringRead: 0, vanished: 0, skipped: 2 };
  const skippedExamples = ['cold/a.bin: in storage class GLACIER (archived); not backed up', 'cold/\x1b]0;x\x07b: in storage class DEEP_ARCHIVE (archived); not backed up'];
  await primary.markCommitted(leaving, { sources: [{ ...source, skippedExamples }], totals: { entries: 3, bytes: 6, bytesScanned: 6, bytesNew: 6, bytesStored: 40, blobsNew: 1 }, endedAt: '2026-03-04T06:00:00.000Z' });
  const text = capturedCliIo();
  expect(await backupsListCommand(target(), { io: text.io, clients: commandClients() })).toBe(0);
  const row = text.out.findIndex((l) => l.startsWith(leaving));
  expect(text.out.slice(row + 1, row + 4)).toEqual([
    '    source demo-assets: 2 not backed up whole (left out as archived or unreadable, or stored without metadata it could not read)',
    '      cold/a.bin: in storage class GLACIER (archived); not backed up',
    '      cold/\\x1b]0;x\\ab: in storage class DEEP_ARCHIVE (archived); not backed up',
  ]);
  // The next row is the next backup: a backup that left nothing out has no note.
  expect(text.out[row + 4]?.startsWith(newer)).toBe(true);
});

// Audit c5-2: a primary catalog rebuilt from the primary vault says PENDING for every DR copy, and Replicate never
// records a copy the DR catalog forgot: only COMMITTED copies were asked about, so it showed PENDING for good.
it('shows FORGOTTEN for a DR copy the DR catalog forgot whose primary record says PENDING (a rebuilt primary catalog)', async () => {
  const rebuilt = '20260228T060000Z-00000005';
  const primary = catalogIn(PRIMARY);
  await primary.createBackup({ backupId: rebuilt, plan: 'demo', environment: 'dev', sourceNames: ['demo-files'], sources: [], strategy: 'full', status: 'RUNNING', startedAt: '2026-02-28T06:00:00.000Z', shardCount: 1 });
  await primary.markCommitted(rebuilt, { sources: [], totals: { entries: 1, bytes: 6, bytesScanned: 6, bytesNew: 6, bytesStored: 40, blobsNew: 1 }, endedAt: '2026-02-28T06:00:00.000Z' });
  const dr = catalogIn(DR);
  await committed(dr, rebuilt, '2026-02-28T06:00:00.000Z');
  expect(await dr.markForgotten(rebuilt, '2026-03-06T00:00:00.000Z')).toBe(true);

  const text = capturedCliIo();
  expect(await backupsListCommand(target(), { io: text.io, clients: commandClients() })).toBe(0);
  expect(drCopyOf(text.out, rebuilt)).toBe('FORGOTTEN');
  const json = capturedCliIo();
  expect(await backupsListCommand({ ...target(), json: true }, { io: json.io, clients: commandClients() })).toBe(0);
  const record = (JSON.parse(json.out.join('\n')) as (BackupRecord & { drForgottenAt?: string })[]).find((r) => r.backupId === rebuilt);
  expect([record?.copies?.dr, record?.drForgottenAt]).toEqual(['PENDING', '2026-03-06T00:00:00.000Z']);
});

// Review rFF F3: a run that failed (a throttled scan after the workflow's retries) was listed FAILED, and only --json said why.
it('shows under a FAILED row the error and the cause its record keeps, on one escaped line, cut when long', async () => {
  const [failed, longFailed] = ['20260305T060000Z-00000006', '20260306T060000Z-00000007'];
  const primary = catalogIn(PRIMARY);
  for (const [id, startedAt] of [[failed, '2026-03-05T06:00:00.000Z'], [longFailed, '2026-03-06T06:00:00.000Z']] as const) {
    await primary.createBackup({ backupId: id, plan: 'demo', environment: 'dev', sourceNames: ['demo-table'], sources: [], strategy: 'full', status: 'RUNNING', startedAt, shardCount: 1 });
  }
  // The cause as Step Functions passes a Lambda's error on: JSON whose errorMessage is what a person reads.
  const cause = JSON.stringify({ errorType: 'TransientError', errorMessage: 'table demo-table: the scan was throttled\nfor the whole call \x1b[31m', trace: ['at x'] });
  // As the Record failure step keeps a shard's error (review rM F5: with the prefix the cause was printed as raw JSON).
  expect(await primary.markFailed(failed, 'TransientError', `Shard 0 of the batch that failed: ${cause}`, '2026-03-05T06:10:00.000Z')).toBe(true);
  expect(await primary.markFailed(longFailed, 'States.TaskFailed', 'x'.repeat(400), '2026-03-06T06:10:00.000Z')).toBe(true);

  const text = capturedCliIo();
  expect(await backupsListCommand(target(), { io: text.io, clients: commandClients() })).toBe(0);
  const under = (id: string): string | undefined => text.out[text.out.findIndex((l) => l.startsWith(id)) + 1];
  expect(text.out.find((l) => l.startsWith(failed))?.split(/\s+/).slice(0, 3)).toEqual([failed, 'demo', 'FAILED']);
  expect(under(failed)).toBe('    failed: TransientError: Shard 0 of the batch that failed: table demo-table: the scan was throttled for the whole call \\x1b[31m');
  expect(under(longFailed)).toBe(`    failed: States.TaskFailed: ${'x'.repeat(300 - 'States.TaskFailed: '.length)}… (backups list --json has all of it)`);
  // A committed backup's row has no such line.
  expect(under(newer)?.startsWith('    failed:')).toBe(false);
});

// Audit a59A F1: with the primary down and the DR catalog lost (emptied), the list said "No backups." and no more.
it('with the primary region down and the DR catalog emptied, says it may have been lost and names its rebuild with the list\'s own target options', async () => {
  const drDdb = localDynamoDbClient(cloud.endpoints, DR);
  clients.push(drDdb);
  await drDdb.send(new DeleteTableCommand({ TableName: names.catalogTable }));
  await createCatalogShapedTable(drDdb, names.catalogTable, { byPlan: true });
  await stopRegion(dataDir, PRIMARY);
  try {
    const text = capturedCliIo();
    expect(await backupsListCommand(target(), { io: text.io, clients: commandClients() })).toBe(1);
    expect(text.err[1]).toBe(
      'lifeboat backups list: the DR catalog (us-west-2) holds no backup of plan demo; if the DR vault holds backups, the DR catalog may have been lost: ' +
        `rebuild it from the DR vault with \`lifeboat catalog rebuild --vault dr --region dr --config ${SAMPLE_CONFIG_FILE} --data-dir ${dataDir}\`, then list again.`,
    );
    expect(text.out.at(-1)).toBe('No backups.');
  } finally {
    await startRegion(dataDir, PRIMARY);
  }
}, 60_000);
