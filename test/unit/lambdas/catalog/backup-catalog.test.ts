import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { BackupInProgressError, CatalogItemInvalidError, NoBackupAtTimeError, UnknownBackupError } from '../../../../lambdas/catalog/catalog-errors';
import { HoldOnForgettingBackupError } from '../../../../lambdas/catalog/hold-on-forgetting-backup-error';
import { REBUILD_MARKER_KEY, type RebuildMarker } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { PointInTimeInRebuildGapError } from '../../../../lambdas/catalog/point-in-time-in-rebuild-gap-error';

/**
 * Catalog reads over a scripted DynamoDB: every item read is validated (an invalid one is named in
 * the error), and queries follow LastEvaluatedKey through the SDK paginator.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'catalog');

function record(backupId: string, overrides: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId,
    plan: 'orders',
    environment: 'prod',
    sourceNames: ['orders-bucket'],
    sources: [],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt: '2026-03-01T10:00:00.000Z',
    shardCount: 1,
    ...overrides,
  };
}

const item = (r: BackupRecord): Record<string, unknown> => ({ pk: `BACKUP#${r.backupId}`, sk: 'BACKUP', ...r });

beforeEach(() => ddb.reset());

describe('reading backup records', () => {
  it('returns the record without the table keys', async () => {
    ddb.on(GetCommand).resolves({ Item: item(record('b-1')) });
    await expect(catalog.getBackup('b-1')).resolves.toEqual(record('b-1'));
  });

  it('rejects an item that is not a backup record, naming the item and each bad field', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...item(record('b-2')), status: 'DONE', shardCount: '3', sourceNames: undefined } });
    const read = catalog.requireBackup('b-2');
    await expect(read).rejects.toThrow(CatalogItemInvalidError);
    await expect(read).rejects.toThrow(
      'Catalog item BACKUP#b-2 / BACKUP in table catalog is not a valid backup record: ' +
        'sourceNames: Invalid input: expected array, received undefined; ' +
        'status: Invalid option: expected one of "RUNNING"|"COMMITTED"|"FAILED"; ' +
        'shardCount: Invalid input: expected number, received string. ' +
        'Fix or delete the item (the vault keeps the backup itself), or upgrade Lifeboat if a newer version wrote it.',
    );
  });

  it('rejects a committed source without its snapshot id', async () => {
    const totals = { entries: 1, bytes: 2, bytesScanned: 2, bytesNew: 2, bytesStored: 3, blobsNew: 1 };
    const bad = { ...item(record('b-3')), sources: [{ ...totals, name: 'orders-bucket', type: 's3', rootHash: 'r' }] };
    ddb.on(GetCommand).resolves({ Item: bad });
    await expect(catalog.getBackup('b-3')).rejects.toThrow(/^Catalog item BACKUP#b-3 \/ BACKUP in table catalog is not a valid backup record: sources\.0\.snapshotId: /);
  });
});

describe('queries', () => {
  it('follows every page of a plan\'s backups, newest first as DynamoDB returns them', async () => {
    const [a, b, c] = [record('b-c', { startedAt: '3' }), record('b-b', { startedAt: '2' }), record('b-a', { startedAt: '1' })];
    // The paginator reuses one input object for every page: record each request's start key as it is sent.
    const startKeys: unknown[] = [];
    const pages = [{ Items: [item(a), item(b)], LastEvaluatedKey: { pk: 'BACKUP#b-b', sk: 'BACKUP' } }, { Items: [item(c)] }];
    ddb.on(QueryCommand).callsFake((input: { ExclusiveStartKey?: unknown }) => {
      startKeys.push(input.ExclusiveStartKey);
      return pages[startKeys.length - 1];
    });
    await expect(catalog.listBackupsOfPlan('orders')).resolves.toEqual([a, b, c]);
    expect(startKeys).toEqual([undefined, { pk: 'BACKUP#b-b', sk: 'BACKUP' }]);
  });

  it('follows every page of a source\'s index to choose a point in time', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'SOURCE#s', sk: 'BACKUP#2026-03-01T12:00:00.000Z#b-2', backupId: 'b-2', strategy: 'full' }], LastEvaluatedKey: { pk: 'SOURCE#s', sk: 'BACKUP#2026-03-01T12:00:00.000Z#b-2' } })
      .resolvesOnce({ Items: [{ pk: 'SOURCE#s', sk: 'BACKUP#2026-03-01T10:00:00.000Z#b-1', backupId: 'b-1', strategy: 'full' }] });
    ddb.on(GetCommand).resolves({ Item: item(record('b-2')) });
    ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
    await expect(catalog.backupAsOf('s', '2026-03-02T00:00:00.000Z')).resolves.toEqual(record('b-2'));
  });

  describe('chooses by the instant of the start, not its text (review r64O F6)', () => {
    const index = (id: string, startedAt: string, strategy = 'full'): Record<string, unknown> => ({ pk: 'SOURCE#s', sk: `BACKUP#${startedAt}#${id}`, backupId: id, strategy, startedAt });
    beforeEach(() => {
      // In text order (as DynamoDB returns them, newest text first): 'not a time' > 11:00+02:00 > 10:00:00 > 09:30Z.
      ddb.on(QueryCommand).resolves({
        Items: [
          index('b-untimed', 'not a time'),
          index('b-offset', '2026-12-07T11:00:00+02:00'),
          index('b-zoneless', '2026-12-07T10:00:00', 'differential'),
          index('b-z', '2026-12-07T09:30:00.000Z'),
        ],
      });
      for (const [id, startedAt] of <Array<[string, string]>>[['b-untimed', 'not a time'], ['b-offset', '2026-12-07T11:00:00+02:00'], ['b-zoneless', '2026-12-07T10:00:00'], ['b-z', '2026-12-07T09:30:00.000Z']]) {
        ddb.on(GetCommand, { Key: { pk: `BACKUP#${id}`, sk: 'BACKUP' } }).resolves({ Item: item(record(id, { startedAt })) });
      }
      ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
    });

    it('the newest is the zoneless start (10:00Z), not the offset one (09:00Z) nor the untimed one', async () => {
      await expect(catalog.latestBackupOfSource('s')).resolves.toMatchObject({ backupId: 'b-zoneless' });
    });

    it('a differential\'s parent (the last full) is the 09:30Z one, newer in instant than the offset start', async () => {
      await expect(catalog.latestBackupOfSource('s', { strategy: 'full' })).resolves.toMatchObject({ backupId: 'b-z' });
    });

    it('a point in time takes the start\'s instant and the --at\'s instant, offset included', async () => {
      await expect(catalog.backupAsOf('s', '2026-12-07T09:15:00.000Z')).resolves.toMatchObject({ backupId: 'b-offset' });
      await expect(catalog.backupAsOf('s', '2026-12-07T11:45:00+02:00')).resolves.toMatchObject({ backupId: 'b-z' });
      await expect(catalog.backupAsOf('s', '2026-12-07T08:00:00.000Z')).rejects.toThrow(NoBackupAtTimeError);
    });
  });

  describe('f65P: the order and the cost of choosing a source\'s backup', () => {
    const index = (id: string, startedAt: string, strategy = 'full'): Record<string, unknown> => ({ pk: 'SOURCE#s', sk: `BACKUP#${startedAt}#${id}`, backupId: id, strategy, startedAt });
    const totals = { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
    const kept = (id: string, startedAt: string, overrides: Partial<BackupRecord> = {}): void => {
      ddb.on(GetCommand, { Key: { pk: `BACKUP#${id}`, sk: 'BACKUP' } }).resolves({ Item: item(record(id, { startedAt, ...overrides })) });
    };
    /** An all-canonical history of `pages` pages of `perPage` hourly backups, newest text first, as DynamoDB pages it. */
    const pagedHistory = (pages: number, perPage: number): void => {
      const hour = (i: number): string => new Date(Date.parse('2026-01-01T00:00:00.000Z') + i * 3_600_000).toISOString();
      const all = Array.from({ length: pages * perPage }, (_, i) => pages * perPage - 1 - i).map((i) => index(`b-${String(i).padStart(5, '0')}`, hour(i)));
      let mock = ddb.on(QueryCommand);
      for (let p = 0; p < pages; p++) {
        const items = all.slice(p * perPage, (p + 1) * perPage);
        const last = items[items.length - 1];
        mock = mock.resolvesOnce({ Items: items, ...(p < pages - 1 && last ? { LastEvaluatedKey: { pk: last.pk, sk: last.sk } } : {}) });
      }
      ddb.on(GetCommand).resolves({ Item: item(record('b-00000')) });
      ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
    };

    it('reads an all-canonical history of 3 index pages in 3 Queries of DynamoDB\'s 1 MB pages, once per choice', async () => {
      pagedHistory(3, 4);
      await catalog.latestBackupOfSource('s');
      const queries = ddb.commandCalls(QueryCommand);
      expect(queries).toHaveLength(3);
      // No Limit: a page holds thousands of index items, not 25 (docs/ARCHITECTURE.md, the cost rule).
      expect(queries.map((q) => q.args[0].input.Limit)).toEqual([undefined, undefined, undefined]);
    });

    it('chooses a non-canonical start on the last page, newer in instant than every canonical one above it', async () => {
      const first = { Items: [index('b-new-z', '2026-12-07T10:00:00.000Z'), index('b-old-z', '2026-12-07T08:00:00.000Z')], LastEvaluatedKey: { pk: 'SOURCE#s', sk: 'BACKUP#2026-12-07T08:00:00.000Z#b-old-z' } };
      // 14:00Z: its text sorts below every canonical start of that day.
      const last = { Items: [index('b-offset', '2026-12-07T09:00:00-05:00')] };
      ddb.on(QueryCommand).callsFake((input: { ExclusiveStartKey?: unknown }) => (input.ExclusiveStartKey === undefined ? first : last));
      kept('b-new-z', '2026-12-07T10:00:00.000Z');
      kept('b-old-z', '2026-12-07T08:00:00.000Z');
      kept('b-offset', '2026-12-07T09:00:00-05:00');
      ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
      await expect(catalog.latestBackupOfSource('s')).resolves.toMatchObject({ backupId: 'b-offset' });
      await expect(catalog.backupAsOf('s', '2026-12-07T23:00:00.000Z')).resolves.toMatchObject({ backupId: 'b-offset' });
      await expect(catalog.backupAsOf('s', '2026-12-07T13:59:59.999Z')).resolves.toMatchObject({ backupId: 'b-new-z' });
    });

    it('breaks a tie of instants by the greater backup id, as a catalog rebuild orders them, whatever the texts', async () => {
      // One instant, 10:00Z, in two texts: b-a's sorts above b-b's, so text order chose b-a; the rebuild's order ranks b-b newer.
      ddb.on(QueryCommand).resolves({ Items: [index('b-a', '2026-12-07T11:00:00+01:00'), index('b-b', '2026-12-07T10:00:00.000Z')] });
      kept('b-a', '2026-12-07T11:00:00+01:00');
      kept('b-b', '2026-12-07T10:00:00.000Z');
      ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
      await expect(catalog.latestBackupOfSource('s')).resolves.toMatchObject({ backupId: 'b-b' });
      await expect(catalog.backupAsOf('s', '2026-12-07T10:00:00.000Z')).resolves.toMatchObject({ backupId: 'b-b' });
      expect((await catalog.listBackupsOfSource('s')).map((r) => r.backupId)).toEqual(['b-b', 'b-a']);
    });

    it('names a kept backup whose start is no time when a point in time finds nothing else', async () => {
      ddb.on(QueryCommand).resolves({ Items: [index('b-untimed', 'not a time'), index('b-gone', 'last week'), index('b-z', '2026-12-07T09:30:00.000Z')] });
      kept('b-untimed', 'not a time');
      kept('b-gone', 'last week', { forgottenAt: '2026-12-07T12:00:00.000Z' });
      kept('b-z', '2026-12-07T09:30:00.000Z');
      ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
      const none = catalog.backupAsOf('s', '2026-12-07T08:00:00.000Z');
      await expect(none).rejects.toThrow(NoBackupAtTimeError);
      await expect(none).rejects.toThrow(
        'Source "s" has no committed backup at or before 2026-12-07T08:00:00.000Z. Backup b-untimed, whose startedAt is not a time, was passed over: give its backupId to restore it (lifeboat restore --backup b-untimed).',
      );
    });

    it('r65B F1: lists a kept backup whose start is no time after the timed ones, as the refusal of a point in time says the list shows it', async () => {
      ddb.on(QueryCommand).resolves({ Items: [index('b-untimed', 'not a time'), index('b-gone', 'last week'), index('b-z', '2026-12-07T09:30:00.000Z')] });
      kept('b-untimed', 'not a time');
      kept('b-gone', 'last week', { forgottenAt: '2026-12-07T12:00:00.000Z' });
      kept('b-z', '2026-12-07T09:30:00.000Z');
      expect((await catalog.listBackupsOfSource('s')).map((r) => [r.backupId, r.startedAt])).toEqual([
        ['b-z', '2026-12-07T09:30:00.000Z'],
        ['b-untimed', 'not a time'],
      ]);
      // A bound is an instant: a start that is no time is not at or before it.
      expect((await catalog.listBackupsOfSource('s', { startedAtOrBefore: '2026-12-08T00:00:00.000Z' })).map((r) => r.backupId)).toEqual(['b-z']);
    });

    it('r65B F4: passes over a record whose start, edited after it was indexed, is after the point in time, for the next older one', async () => {
      ddb.on(QueryCommand).resolves({ Items: [index('b-edited', '2026-12-07T08:00:00.000Z'), index('b-older', '2026-12-07T07:00:00.000Z')] });
      kept('b-edited', '2026-12-07T12:00:00.000Z');
      kept('b-older', '2026-12-07T07:00:00.000Z');
      ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
      await expect(catalog.backupAsOf('s', '2026-12-07T09:00:00.000Z')).resolves.toMatchObject({ backupId: 'b-older', startedAt: '2026-12-07T07:00:00.000Z' });
      await expect(catalog.backupAsOf('s', '2026-12-07T12:00:00.000Z')).resolves.toMatchObject({ backupId: 'b-edited' });
    });

    it('r65R F3: lists a backup once when a rebuild re-indexed its corrected start and its old item, no time, stays', async () => {
      ddb.on(QueryCommand).resolves({ Items: [index('b-fixed', 'yesterday noon'), index('b-fixed', '2026-12-07T08:00:00.000Z'), index('b-old', '2026-12-01T08:00:00.000Z')] });
      kept('b-fixed', '2026-12-07T08:00:00.000Z');
      kept('b-old', '2026-12-01T08:00:00.000Z');
      expect((await catalog.listBackupsOfSource('s')).map((r) => r.backupId)).toEqual(['b-fixed', 'b-old']);
    });

    it('r65R F2: names a backup whose record\'s own start is no time, though its index item\'s is, when a point in time refuses', async () => {
      ddb.on(QueryCommand).resolves({ Items: [index('b-edited', '2026-12-07T08:00:00.000Z')] });
      kept('b-edited', 'garbled');
      ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
      await expect(catalog.backupAsOf('s', '2026-12-07T09:00:00.000Z')).rejects.toThrow(
        'Source "s" has no committed backup at or before 2026-12-07T09:00:00.000Z. Backup b-edited, whose startedAt is not a time, was passed over: give its backupId to restore it (lifeboat restore --backup b-edited).',
      );
      // What the refusal sends to shows it.
      expect((await catalog.listBackupsOfSource('s')).map((r) => [r.backupId, r.startedAt])).toEqual([['b-edited', 'garbled']]);
    });

    it('r65R F1: ranks a backup indexed at no time by its record\'s corrected start, as the doctor tells an operator to correct it', async () => {
      ddb.on(QueryCommand).resolves({ Items: [index('b-fixed', 'yesterday noon'), index('b-old', '2026-12-01T08:00:00.000Z'), index('b-mid', '2026-12-05T08:00:00.000Z')] });
      kept('b-fixed', '2026-12-07T08:00:00.000Z');
      kept('b-old', '2026-12-01T08:00:00.000Z');
      kept('b-mid', '2026-12-05T08:00:00.000Z');
      ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
      await expect(catalog.backupAsOf('s', '2026-12-07T09:00:00.000Z')).resolves.toMatchObject({ backupId: 'b-fixed', startedAt: '2026-12-07T08:00:00.000Z' });
      await expect(catalog.latestBackupOfSource('s')).resolves.toMatchObject({ backupId: 'b-fixed' });
      // Before its start, the next older one, and the refusal names no backup as starting at no time.
      await expect(catalog.backupAsOf('s', '2026-12-06T00:00:00.000Z')).resolves.toMatchObject({ backupId: 'b-mid' });
      await expect(catalog.backupAsOf('s', '2026-11-30T00:00:00.000Z')).rejects.toThrow(/^Source "s" has no committed backup at or before 2026-11-30T00:00:00\.000Z\.$/);
      expect((await catalog.listBackupsOfSource('s')).map((r) => r.backupId)).toEqual(['b-fixed', 'b-mid', 'b-old']);
    });

    it('r65R F1: reads no record more to rank a source whose every index start is a time', async () => {
      ddb.on(QueryCommand).resolves({ Items: [index('b-new', '2026-12-07T08:00:00.000Z'), index('b-old', '2026-12-01T08:00:00.000Z')] });
      kept('b-new', '2026-12-07T08:00:00.000Z');
      kept('b-old', '2026-12-01T08:00:00.000Z');
      await expect(catalog.latestBackupOfSource('s')).resolves.toMatchObject({ backupId: 'b-new' });
      expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input.Key)).toEqual([{ pk: 'BACKUP#b-new', sk: 'BACKUP' }]);
    });

    it('says nothing of untimed backups when there are none to restore', async () => {
      ddb.on(QueryCommand).resolves({ Items: [index('b-gone', 'last week'), index('b-z', '2026-12-07T09:30:00.000Z')] });
      kept('b-gone', 'last week', { forgottenAt: '2026-12-07T12:00:00.000Z' });
      kept('b-z', '2026-12-07T09:30:00.000Z');
      ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
      await expect(catalog.backupAsOf('s', '2026-12-07T08:00:00.000Z')).rejects.toThrow(/^Source "s" has no committed backup at or before 2026-12-07T08:00:00\.000Z\.$/);
    });

    it('finds the last whole read by the instant of its start, not the text of its sort key', async () => {
      const snapshot = (parentSnapshotId?: string): BackupRecord['sources'] => [
        { ...totals, name: 's', type: 's3', rootHash: 'r', snapshotId: 'snap', ...(parentSnapshotId !== undefined ? { parentSnapshotId } : {}) },
      ];
      // Text order: the offset start (09:00Z) first, then the zoneless one (10:00Z), then a differential at 09:30Z.
      ddb.on(QueryCommand).resolves({
        Items: [index('b-offset', '2026-12-07T11:00:00+02:00'), index('b-zoneless', '2026-12-07T10:00:00'), index('b-diff', '2026-12-07T09:30:00.000Z', 'differential')],
      });
      kept('b-offset', '2026-12-07T11:00:00+02:00', { sources: snapshot(), sourceNames: ['s'] });
      kept('b-zoneless', '2026-12-07T10:00:00', { sources: snapshot(), sourceNames: ['s'] });
      kept('b-diff', '2026-12-07T09:30:00.000Z', { strategy: 'differential', sources: snapshot('snap-parent'), sourceNames: ['s'] });
      await expect(catalog.latestWholeReadOfSource('s')).resolves.toMatchObject({ backupId: 'b-zoneless' });
    });
  });

  it('rejects an index item without a backup id, naming it', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'SOURCE#s', sk: 'BACKUP#1#x', strategy: 'full' }] });
    await expect(catalog.latestBackupOfSource('s')).rejects.toThrow(
      'Catalog item SOURCE#s / BACKUP#1#x in table catalog is not a valid catalog item: backupId: Invalid input: expected string, received undefined.',
    );
  });
});

describe('a point in time while a catalog rebuild is unfinished (review rH F2)', () => {
  // A rebuild from the DR vault stopped after writing the backups from b-3 on; the table still held b-1 (restored from PITR).
  const marker: RebuildMarker = {
    reliableFrom: { startedAt: '2026-03-03T10:00:00.000Z', backupId: 'b-3' },
    vault: 'dr',
    writtenAt: '2026-12-06T09:00:00.000Z',
    finishWith: 'lifeboat catalog rebuild --vault dr --region dr --env prod --aws',
  };
  const indexOf = (r: BackupRecord) => ({ pk: 'SOURCE#s', sk: `BACKUP#${r.startedAt}#${r.backupId}`, backupId: r.backupId, strategy: 'full' });
  const b1 = record('b-1', { startedAt: '2026-03-01T10:00:00.000Z' });
  const b3 = record('b-3', { startedAt: '2026-03-03T10:00:00.000Z' });
  const b4 = record('b-4', { startedAt: '2026-03-04T10:00:00.000Z' });
  beforeEach(() => {
    ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({ Item: { ...REBUILD_MARKER_KEY, ...marker } });
    for (const r of [b1, b3, b4]) ddb.on(GetCommand, { Key: { pk: `BACKUP#${r.backupId}`, sk: 'BACKUP' } }).resolves({ Item: item(r) });
  });

  // The DR region's function of environment prod in AWS, which reads this catalog: its rebuild writes the marker's line.
  const drCatalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'catalog', { environment: 'prod', region: 'dr', aws: true, vaultKeyArn: undefined });

  it('refuses a point in time in the gap, naming the time the catalog is whole from and how to finish, instead of choosing the older record', async () => {
    ddb.on(QueryCommand).resolves({ Items: [indexOf(b1)] });
    const refused = drCatalog.backupAsOf('s', '2026-03-02T12:00:00.000Z');
    await expect(refused).rejects.toThrow(PointInTimeInRebuildGapError);
    await expect(refused).rejects.toThrow(
      'Source "s" cannot be restored by point in time 2026-03-02T12:00:00.000Z: the catalog is being rebuilt from the dr vault and the rebuild has not finished ' +
        '(it is running, or it stopped; the marker was last written at 2026-12-06T09:00:00.000Z): it writes the newest backups first and has come down to the backup started ' +
        '2026-03-03T10:00:00.000Z (b-3) so far: the catalog may lack any backup older than that one, and that one too when the rebuild has not written one yet, and the catalog would choose backup b-1 (started 2026-03-01T10:00:00.000Z), older than that, which may not be the newest backup of the source then. ' +
        'Finish the rebuild (from a machine, which has no time limit: lifeboat catalog rebuild --vault dr --region dr --env prod --aws; the command without --runbook creates only what the catalog lacks), ' +
        'then restore by point in time again; or restore by backup id now (a backup the catalog lists: `lifeboat backups list`).',
    );
  });

  it('withholds the marker\'s line from a reader of another environment (review r58J F1)', async () => {
    ddb.on(QueryCommand).resolves({ Items: [indexOf(b1)] });
    const other = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'catalog', { environment: 'staging', region: 'dr', aws: true, vaultKeyArn: undefined });
    await expect(other.backupAsOf('s', '2026-03-02T12:00:00.000Z')).rejects.toThrow('no time limit: lifeboat catalog rebuild --vault dr with the options that name this catalog');
  });

  it('refuses a later point in time whose source has no backup written since the mark, and says of none found that the catalog may lack it', async () => {
    ddb.on(QueryCommand).resolves({ Items: [indexOf(b1)] });
    await expect(catalog.backupAsOf('s', '2026-03-05T00:00:00.000Z')).rejects.toThrow(PointInTimeInRebuildGapError);
    ddb.on(QueryCommand).resolves({ Items: [] });
    const none = catalog.backupAsOf('s', '2026-02-01T00:00:00.000Z');
    await expect(none).rejects.toThrow(NoBackupAtTimeError);
    await expect(none).rejects.toThrow(/^Source "s" has no committed backup at or before 2026-02-01T00:00:00.000Z in the catalog, which may lack it: the catalog is being rebuilt .* Finish the rebuild/);
  });

  it('answers a point in time whose backup is at or after the mark, and a restore by id or of the latest as before', async () => {
    ddb.on(QueryCommand).resolves({ Items: [indexOf(b3), indexOf(b1)] });
    await expect(catalog.backupAsOf('s', '2026-03-03T12:00:00.000Z')).resolves.toEqual(b3);
    ddb.on(QueryCommand).resolves({ Items: [indexOf(b4), indexOf(b3), indexOf(b1)] });
    await expect(catalog.latestBackupOfSource('s')).resolves.toEqual(b4);
    await expect(catalog.requireBackup('b-1')).resolves.toEqual(b1);
  });
});

describe('retention: forgotten backups and legal holds', () => {
  const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

  it('passes over a forgotten backup in a source\'s reads: the point-in-time backup is the newest kept one', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: 'SOURCE#s', sk: 'BACKUP#2#b-2', backupId: 'b-2', strategy: 'full' },
        { pk: 'SOURCE#s', sk: 'BACKUP#1#b-1', backupId: 'b-1', strategy: 'full' },
      ],
    });
    ddb.on(GetCommand, { Key: { pk: 'BACKUP#b-2', sk: 'BACKUP' } }).resolves({ Item: item(record('b-2', { forgottenAt: '2026-04-01T00:00:00.000Z' })) });
    ddb.on(GetCommand, { Key: { pk: 'BACKUP#b-1', sk: 'BACKUP' } }).resolves({ Item: item(record('b-1')) });
    ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({});
    await expect(catalog.backupAsOf('s', '2026-03-02T00:00:00.000Z')).resolves.toEqual(record('b-1'));
    await expect(catalog.latestBackupOfSource('s')).resolves.toEqual(record('b-1'));
  });

  it('sets a hold only on an existing record, naming an unknown id', async () => {
    const hold = { reason: 'case 42', by: 'ann', at: '2026-04-01T00:00:00.000Z' };
    ddb.on(UpdateCommand).resolvesOnce({ Attributes: item(record('b-1', { hold })) }).rejectsOnce(conditionFailed());
    await expect(catalog.setHold('b-1', hold)).resolves.toEqual(record('b-1', { hold }));
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({ UpdateExpression: 'SET #hold = :hold', ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(forgettingAt)', ExpressionAttributeValues: { ':hold': hold } });
    await expect(catalog.clearHold('b-404')).rejects.toThrow(new UnknownBackupError('b-404'));
  });

  it('refuses a hold on a backup a forget run has claimed, saying since when and that a hold cannot keep it', async () => {
    const hold = { reason: 'case 42', by: 'ann', at: '2026-04-01T00:00:00.000Z' };
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { pk: 'BACKUP#b-1', sk: 'BACKUP' } }).resolves({ Item: item(record('b-1', { forgettingAt: '2026-04-01T00:00:00.000Z' })) });
    ddb.on(GetCommand, { Key: { pk: 'BACKUP#b-404', sk: 'BACKUP' } }).resolves({});
    const refused = catalog.setHold('b-1', hold);
    await expect(refused).rejects.toThrow(HoldOnForgettingBackupError);
    await expect(refused).rejects.toThrow(
      'Backup b-1 cannot be held: it is being forgotten by retention since 2026-04-01T00:00:00.000Z, and its snapshots may already be deleted; a hold cannot keep it.',
    );
    await expect(catalog.setHold('b-404', hold)).rejects.toThrow(new UnknownBackupError('b-404'));
  });

  it('refuses a hold on a claimed backup whose forgettingAt holds terminal escapes without printing them (no forged "held OK")', async () => {
    const hold = { reason: 'case 42', by: 'ann', at: '2026-04-01T00:00:00.000Z' };
    const forged = '2026-11-30T00:00:00Z\u001b[2K\r\u001b[32mlifeboat backups hold: Backup held OK\u001b[0m';
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { pk: 'BACKUP#b-1', sk: 'BACKUP' } }).resolves({ Item: item(record('b-1', { forgettingAt: forged })) });
    const refused: unknown = await catalog.setHold('b-1', hold).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(HoldOnForgettingBackupError);
    const error = refused as HoldOnForgettingBackupError;
    expect(error.message).toContain('Backup b-1 cannot be held: it is being forgotten by retention since a forgettingAt that is not a time, and');
    const dr = error.drCopyKeptMessage('lifeboat backups hold b-1 --only dr');
    expect(dr).toContain("the primary vault's retention is forgetting it since a forgettingAt that is not a time, and");
    for (const shown of [error.message, dr]) {
      expect(shown).not.toContain('\u001b');
      expect(shown).not.toContain('held OK');
    }
  });

  it('marks a committed backup forgotten once, keeping the first time, and reports a record that is not committed or is marked already', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    await expect(catalog.markForgotten('b-1', '2026-04-01T00:00:00.000Z')).resolves.toBe(true);
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({ UpdateExpression: 'SET forgottenAt = :at', ConditionExpression: '#status = :committed AND attribute_not_exists(forgottenAt)' });
    await expect(catalog.markForgotten('b-2', '2026-04-01T00:00:00.000Z')).resolves.toBe(false);
  });
});

describe('the plan lease', () => {
  const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  const now = new Date('2026-04-01T00:00:00.000Z');
  it('takes a free lease for the new holder', async () => {
    ddb.on(PutCommand).resolves({});
    await expect(catalog.acquireLock('orders', 'b-new', now, 600, 'arn:exec:1')).resolves.toBe('b-new');
  });

  it('gives a retried task of the same execution the holder its first invocation took, leaving the lease alone', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { pk: 'LOCK#orders', sk: 'LOCK', holder: 'b-first', expiresAt: 1_775_000_600, execution: 'arn:exec:1' } });
    await expect(catalog.acquireLock('orders', 'b-second', now, 600, 'arn:exec:1')).resolves.toBe('b-first');
    await expect(catalog.acquireLock('orders', 'b-other', now, 600, 'arn:exec:2')).rejects.toThrow(new BackupInProgressError('orders', 'b-first', new Date(1_775_000_600_000).toISOString()));
    await expect(catalog.acquireLock('orders', 'b-other', now, 600)).rejects.toThrow(BackupInProgressError);
  });
});
