import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { buildSync } from 'esbuild';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { recordInstant } from '../../../../lambdas/catalog/record-instant';
import { resolveFailoverBackup } from '../../../../lambdas/failover/failover-start';
import { UnreadableNewerBackupError, unreadableMaybeNewer } from '../../../../lambdas/failover/unreadable-newer-backups';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';

/**
 * Review r64G F2: a committed record's startedAt is any non-empty string. One that is no time sorted as NaN, and in the
 * index's string order ("not a time" after every "2026-…") it stayed first: the failover restored it as the newest, and
 * unreadableMaybeNewer's `started > NaN` then let a newer damaged record by. And a start naming no zone was read in the
 * process's zone, so the local cloud and a Lambda (UTC) chose another newest from the same catalog.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-west-2' })), 'lifeboat-dev-catalog');
let items: Record<string, unknown>[] = [];
beforeEach(() => {
  ddb.reset();
  ddb.on(QueryCommand).callsFake(() => ({ Items: [...items].sort((a, b) => String(b.startedAt).localeCompare(String(a.startedAt))) }));
  ddb.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({ Item: items.find((i) => i.pk === input.Key.pk) }));
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

const totals = { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
const itemOf = (backupId: string, startedAt: string, extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const record: BackupRecord = {
    backupId,
    plan: 'shop',
    environment: 'dev',
    sourceNames: ['shop-assets'],
    sources: [{ name: 'shop-assets', type: 's3', snapshotId: `snap-${backupId}`, rootHash: 'root', ...totals }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    endedAt: startedAt,
    shardCount: 1,
    totals,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
  return { pk: `BACKUP#${backupId}`, sk: 'BACKUP', ...record, ...extra };
};
const resolve = (request: { at?: string } = {}): Promise<BackupRecord> => resolveFailoverBackup({ plan: 'shop', ...request }, catalog, 'us-west-2');

const NEWEST = itemOf('20261207T060000Z-0000000c', '2026-12-07T06:00:00.000Z');
const OLDER = itemOf('20261206T060000Z-0000000b', '2026-12-06T06:00:00.000Z');

it.each(['not a time', '(hand) edit', '2026-13-45'])('never restores a record whose startedAt %j is no time as the newest', async (startedAt) => {
  items = [itemOf('hand-edited', startedAt), NEWEST, OLDER];
  expect((await resolve()).backupId).toBe(NEWEST.backupId);
  expect((await resolve({ at: '2026-12-06T12:00:00Z' })).backupId).toBe(OLDER.backupId);
});

it('refuses for a newer record it cannot read, whatever record with no time it holds besides', async () => {
  const damaged = itemOf('20261209T060000Z-0000000d', '2026-12-09T06:00:00.000Z', { totals: { ...totals, bytes: '1' } });
  items = [itemOf('hand-edited', 'not a time'), NEWEST, OLDER, damaged];
  await expect(resolve()).rejects.toThrow(UnreadableNewerBackupError);
  await expect(resolve()).rejects.toThrow(`a backup newer than ${String(NEWEST.backupId)} (started 2026-12-07T06:00:00.000Z)`);
});

it('takes every unreadable record for maybe newer than a chosen start that is no time', () => {
  const item = { key: { pk: 'BACKUP#x', sk: 'BACKUP' }, startedAt: '2026-12-09T06:00:00Z', preVault: false, mayBeHeld: false, forgotten: false, snapshotIds: [], error: new CatalogItemInvalidError('t', 'BACKUP#x / BACKUP', ['status: bad']) };
  expect(unreadableMaybeNewer([item], { after: 'not a time' })).toEqual([item]);
  expect(unreadableMaybeNewer([item], { after: '2026-12-08T06:00:00Z', upTo: 'not a time' })).toEqual([item]);
  expect(unreadableMaybeNewer([item], { after: '2026-12-10T06:00:00Z' })).toEqual([]);
});

// Read in the process's zone, a zoneless 10:00 was 04:30Z under TZ=Asia/Kolkata (older than 09:30Z) and 10:00Z in a
// Lambda (newer): read as UTC everywhere, the choice is one. Under TZ=UTC (CI's zone) both readings agree, so these
// cases run in a child process under other zones (review r64O F7): zoneless-start-scenarios.ts, bundled.
const scenariosIn = (zone: string): Record<string, unknown> => {
  const bundle = buildSync({ entryPoints: [path.join(__dirname, 'zoneless-start-scenarios.ts')], bundle: true, write: false, platform: 'node', format: 'cjs', packages: 'external' }).outputFiles[0]?.text ?? '';
  // From stdin, run in the repository: its node_modules resolve the packages left outside the bundle.
  const out = execFileSync(process.execPath, ['-'], { input: bundle, cwd: path.join(__dirname, '../../../..'), env: { ...process.env, TZ: zone }, encoding: 'utf8' });
  return JSON.parse(out) as Record<string, unknown>;
};
const ZONELESS = '(its text names no zone: read as UTC)';

describe.each(['Asia/Kolkata', 'America/New_York'])('under TZ=%s', (zone) => {
  let answers: Record<string, unknown> = {};
  beforeAll(() => {
    answers = scenariosIn(zone);
  });

  it('has the failover, the drill selection and the drill start read a start naming no zone as UTC', () => {
    expect(answers.failoverNewest).toBe('hand-written-b');
    expect(answers.failoverAt0945).toBe('20261207T093000Z-0000000a');
    expect(answers.drillSelection).toEqual({ backupId: 'hand-written-b', backupAgeSeconds: 2 * 3600 });
    // drill-start.ts's check for a newer damaged record (09:45Z): the zoneless 10:00 is the newest, nothing unread is newer.
    expect(answers.drillStart).toBe('20261209T100000Z-0000000b');
  });

  // Review r64O F8: in New York's spring gap 02:30 local does not exist; read through the process's zone it became 03:30Z.
  it('reads a zoneless start in a daylight saving gap as UTC, not shifted by the gap', () => {
    expect(answers.dstInstant).toBe('2026-03-08T02:30:00.000Z');
    expect(answers.dstLegacyInstant).toBe('2026-03-08T02:30:00.000Z');
    expect(answers.dstNewest).toBe('20260308T030000Z-0000000a');
    expect(answers.dstAt0245).toBe('hand-written-b');
  });

  // Review r64O F2: the refusal showed the zoneless start in the process's zone (04:30Z in Kolkata) while comparing it as 10:00Z.
  it('shows a zoneless start in the refusals as the instant it was compared as', () => {
    expect(answers.gapRefusal).toContain(`has backup hand-written-b (started 2026-12-07T10:00:00.000Z ${ZONELESS}) as the newest in the DR catalog, but the catalog is being rebuilt`);
    expect(answers.gapMarkRefusal).toContain(`has come down to the backup started 2026-12-07T11:00:00.000Z ${ZONELESS} (20261207T110000Z-0000000m) so far`);
    expect(answers.unreadableRefusal).toContain(
      `BACKUP#20261207T110000Z-0000000d / BACKUP (started 2026-12-07T11:00:00.000Z ${ZONELESS}), which may be of a backup newer than hand-written-b (started 2026-12-07T10:00:00.000Z ${ZONELESS})`,
    );
  });
});

it('reads a start naming no zone as UTC, and one naming its zone as it says', () => {
  expect(recordInstant('2026-12-07T10:00:00')).toBe(Date.UTC(2026, 11, 7, 10));
  expect(recordInstant('Dec 7 2026 10:00')).toBe(Date.UTC(2026, 11, 7, 10));
  expect(recordInstant('2026-12-07T10:00:00+02:00')).toBe(Date.UTC(2026, 11, 7, 8));
  expect(recordInstant('not a time')).toBeNaN();
});

it('says that it passed over a backup whose startedAt is no time when it finds none else', async () => {
  items = [itemOf('hand-edited', 'not a time')];
  await expect(resolve()).rejects.toThrow(
    'Invalid failover input: plan: plan "shop" has no committed backup in the DR catalog; backup hand-edited, whose startedAt is not a time, was passed over: give its backupId to fail over to it; a backup reaches it',
  );
  items = [itemOf('hand-edited', 'not a time'), itemOf('hand-edited-2', '(x)'), NEWEST];
  await expect(resolve({ at: '2026-12-01T00:00:00Z' })).rejects.toThrow(
    `started at or before 2026-12-01T00:00:00Z; 2 backups whose startedAt is not a time were passed over (hand-edited and others): give one's backupId to fail over to it; its oldest kept backup is ${String(NEWEST.backupId)}`,
  );
});
