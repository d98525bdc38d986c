import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { choiceInRebuildGap, compareRebuildOrder } from '../../../../lambdas/catalog/catalog-rebuild-order';
import { resolveFailoverBackup } from '../../../../lambdas/failover/failover-start';

/**
 * Review r64O F1: the failover chose its backup by the instant a start stands for (recordInstant) but judged the
 * rebuild's gap by the start's text. "Dec 1 2026 06:00 GMT" sorts after every ISO start as text, so a backup older than
 * the rebuild's mark was restored without the refusal; and a start newer than the mark in another offset was refused.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-west-2' })), 'lifeboat-dev-catalog');
let items: Record<string, unknown>[] = [];
beforeEach(() => {
  ddb.reset();
  ddb.on(QueryCommand).callsFake(() => ({ Items: items.filter((i) => i.sk === 'BACKUP') }));
  ddb.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({ Item: items.find((i) => i.pk === input.Key.pk) }));
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

const totals = { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
const itemOf = (backupId: string, startedAt: string): Record<string, unknown> => {
  const record: BackupRecord = {
    backupId,
    plan: 'shop',
    environment: 'dev',
    sourceNames: ['a'],
    sources: [{ name: 'a', type: 's3', snapshotId: `snap-${backupId}`, rootHash: 'root', ...totals }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    endedAt: startedAt,
    shardCount: 1,
    totals,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
  return { pk: `BACKUP#${backupId}`, sk: 'BACKUP', ...record };
};
const MARKED = { startedAt: '2026-12-07T06:00:00.000Z', backupId: '20261207T060000Z-0000000m' };
const marker = { pk: 'REBUILD', sk: 'INCOMPLETE', reliableFrom: MARKED, vault: 'dr', writtenAt: '2026-12-07T07:00:00.000Z' };
const resolve = (at?: string): Promise<BackupRecord> => resolveFailoverBackup({ plan: 'shop', ...(at !== undefined ? { at } : {}) }, catalog, 'us-west-2');

it('refuses a backup older than the rebuild\'s mark whose start, as text, sorts after it', async () => {
  items = [marker, itemOf('old', 'Dec 1 2026 06:00 GMT'), itemOf(MARKED.backupId, MARKED.startedAt)];
  await expect(resolve('2026-12-05T00:00:00Z')).rejects.toThrow('has backup old (started 2026-12-01T06:00:00.000Z) as the newest in the DR catalog at or before 2026-12-05T00:00:00Z, but the catalog is being rebuilt');
});

it('takes a backup newer than the rebuild\'s mark whose start, as text, sorts before it', async () => {
  const newer = itemOf('newer', '2026-12-07T05:59:59.999-01:00');
  items = [marker, newer, itemOf('older', '2026-12-06T06:00:00.000Z')];
  expect((await resolve()).backupId).toBe('newer');
  expect((await resolve('2026-12-07T07:00:00Z')).backupId).toBe('newer');
});

it('orders by the instant, then the backup id, and counts a start that is no time as in the gap', () => {
  expect(compareRebuildOrder({ startedAt: 'Dec 1 2026 06:00 GMT', backupId: 'z' }, MARKED)).toBeLessThan(0);
  expect(compareRebuildOrder({ startedAt: '2026-12-07T06:00:00Z', backupId: '20261207T060000Z-0000000a' }, MARKED)).toBeLessThan(0);
  expect(compareRebuildOrder({ startedAt: '2026-12-07T06:00:00Z', backupId: MARKED.backupId }, MARKED)).toBe(0);
  const mark = { reliableFrom: MARKED };
  expect(choiceInRebuildGap({ startedAt: '2026-12-07T06:59:00+01:00', backupId: 'z' }, mark)).toBe(true);
  expect(choiceInRebuildGap({ startedAt: '2026-12-07T05:30:00-01:00', backupId: 'a' }, mark)).toBe(false);
  expect(choiceInRebuildGap({ startedAt: '~ not a time', backupId: 'z' }, mark)).toBe(true);
  expect(choiceInRebuildGap({ startedAt: '2027-01-01T00:00:00Z', backupId: 'z' }, { reliableFrom: { startedAt: 'not a time', backupId: 'a' } })).toBe(true);
  expect(choiceInRebuildGap(undefined, mark)).toBe(true);
  expect(choiceInRebuildGap({ startedAt: 'not a time', backupId: 'z' }, undefined)).toBe(false);
});
