import { selectParents } from '../../../../lambdas/backup/parent-selection';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord, type BackupSourceRecord, type BackupStrategy } from '../../../../lambdas/catalog/backup-record';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';

/**
 * Parent selection (lambdas/backup/parent-selection.ts) over the real BackupCatalog on dynalite, with backups
 * committed and indexed as the workflow commits them. A source added to the plan after the last full backup is in no
 * full backup, so every later differential read it whole again (for an S3 source, a GetObject of every object on
 * every run); now the first differential reads it whole and the next ones build on that read.
 */

let catalog: BackupCatalog;
let documents: DynamoDBDocumentClient;
let close: () => Promise<void>;
let day = 0;

beforeAll(async () => {
  ({ catalog, documents, close } = await catalogOnDynalite());
});

afterAll(async () => {
  await close?.();
});

type Read = { name: string; parent?: string };

/** Commits and indexes a backup of `plan` one day after the previous one; each source's snapshot id is `<backupId>/<source>`. */
async function committed(plan: string, strategy: BackupStrategy, reads: readonly Read[], extra: Pick<BackupRecord, 'parentBackupId' | 'baseBackupId'> = {}): Promise<BackupRecord> {
  day++;
  const startedAt = new Date(Date.UTC(2026, 2, 1) + day * 86_400_000).toISOString();
  const backupId = `${startedAt.slice(0, 10).replaceAll('-', '')}T000000Z-${plan}`;
  const counters = { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
  const sources: BackupSourceRecord[] = reads.map((r) => ({
    name: r.name,
    type: 'filesystem',
    snapshotId: `${backupId}/${r.name}`,
    rootHash: 'r',
    ...counters,
    ...(r.parent ? { parentSnapshotId: r.parent } : {}),
  }));
  await catalog.createBackup({ backupId, plan, environment: 'dev', sourceNames: reads.map((r) => r.name), sources: [], strategy, status: 'RUNNING', startedAt, shardCount: 1, ...extra });
  await catalog.markCommitted(backupId, { sources, totals: counters, endedAt: startedAt });
  const record = await catalog.requireBackup(backupId);
  await catalog.indexCommittedBackup(record);
  return record;
}

const snapshotOf = (record: BackupRecord, name: string): string => `${record.backupId}/${name}`;
const parentIn = (record: BackupRecord, name: string) => ({ backupId: record.backupId, snapshotId: snapshotOf(record, name), startedAt: record.startedAt });

it('differential: a source added after the last full is read whole once, then built on that read, while the others keep the full', async () => {
  const [a, b] = ['added-a', 'added-b'];
  const full = await committed('added', 'full', [{ name: a }]);

  // The first differential after adding b: no backup has read b, so b is read whole.
  const first = await selectParents(catalog, [a, b], 'differential');
  expect(first).toEqual({ strategy: 'differential', parentBackupId: full.backupId, baseBackupId: full.backupId, parents: new Map([[a, parentIn(full, a)], [b, null]]) });
  const whole = await committed('added', 'differential', [{ name: a, parent: snapshotOf(full, a) }, { name: b }], { parentBackupId: full.backupId, baseBackupId: full.backupId });

  // Every later differential builds b on that whole read; the run's parent and base stay the full backup.
  for (let run = 0; run < 2; run++) {
    const next = await selectParents(catalog, [a, b], 'differential');
    expect(next).toEqual({ strategy: 'differential', parentBackupId: full.backupId, baseBackupId: full.backupId, parents: new Map([[a, parentIn(full, a)], [b, parentIn(whole, b)]]) });
    await committed('added', 'differential', [{ name: a, parent: snapshotOf(full, a) }, { name: b, parent: snapshotOf(whole, b) }], { parentBackupId: full.backupId, baseBackupId: full.backupId });
  }

  // Once a full backup holds b, differentials build on it.
  const second = await committed('added', 'full', [{ name: a }, { name: b }]);
  await expect(selectParents(catalog, [a, b], 'differential')).resolves.toEqual({
    strategy: 'differential',
    parentBackupId: second.backupId,
    baseBackupId: second.backupId,
    parents: new Map([[a, parentIn(second, a)], [b, parentIn(second, b)]]),
  });
});

it('differential: a whole read that retention forgot is passed over for the next older one, or none', async () => {
  const [a, b] = ['forgot-a', 'forgot-b'];
  const full = await committed('forgot', 'full', [{ name: a }]);
  const older = await committed('forgot', 'differential', [{ name: a, parent: snapshotOf(full, a) }, { name: b }], { parentBackupId: full.backupId, baseBackupId: full.backupId });
  const newer = await committed('forgot', 'differential', [{ name: a, parent: snapshotOf(full, a) }, { name: b }], { parentBackupId: full.backupId, baseBackupId: full.backupId });
  await committed('forgot', 'differential', [{ name: a, parent: snapshotOf(full, a) }, { name: b, parent: snapshotOf(newer, b) }], { parentBackupId: full.backupId, baseBackupId: full.backupId });

  expect((await selectParents(catalog, [a, b], 'differential')).parents.get(b)).toEqual(parentIn(newer, b));
  expect(await catalog.markForgotten(newer.backupId, '2026-04-01T00:00:00.000Z')).toBe(true);
  expect((await selectParents(catalog, [a, b], 'differential')).parents.get(b)).toEqual(parentIn(older, b));
  expect(await catalog.markForgotten(older.backupId, '2026-04-01T00:00:00.000Z')).toBe(true);
  // No kept backup read b whole: b is read whole again (the run still builds a on the full).
  await expect(selectParents(catalog, [a, b], 'differential')).resolves.toEqual({
    strategy: 'differential',
    parentBackupId: full.backupId,
    baseBackupId: full.backupId,
    parents: new Map([[a, parentIn(full, a)], [b, null]]),
  });
});

it('differential with no full backup left runs as full: every source read whole, even one a differential read whole', async () => {
  const [a, b] = ['nofull-a', 'nofull-b'];
  const full = await committed('nofull', 'full', [{ name: a }]);
  await committed('nofull', 'differential', [{ name: a, parent: snapshotOf(full, a) }, { name: b }], { parentBackupId: full.backupId, baseBackupId: full.backupId });
  expect(await catalog.markForgotten(full.backupId, '2026-04-01T00:00:00.000Z')).toBe(true);
  await expect(selectParents(catalog, [a, b], 'differential')).resolves.toEqual({ strategy: 'full', parents: new Map([[a, null], [b, null]]) });
});

it('incremental: a source added since the last backup builds on its first read like the others (unchanged)', async () => {
  const [a, b] = ['incr-a', 'incr-b'];
  const full = await committed('incr', 'full', [{ name: a }]);
  const added = await committed('incr', 'incremental', [{ name: a, parent: snapshotOf(full, a) }, { name: b }], { parentBackupId: full.backupId, baseBackupId: full.backupId });
  await expect(selectParents(catalog, [a, b], 'incremental')).resolves.toEqual({
    strategy: 'incremental',
    parentBackupId: added.backupId,
    baseBackupId: full.backupId,
    parents: new Map([[a, parentIn(added, a)], [b, parentIn(added, b)]]),
  });
});

it('differential: a whole read further back than one page of the source\'s backups is not looked for, nor past a damaged record: the source is read whole', async () => {
  const [a, b] = ['far-a', 'far-b'];
  const full = await committed('far', 'full', [{ name: a }]);
  const whole = await committed('far', 'differential', [{ name: a, parent: snapshotOf(full, a) }, { name: b }], { parentBackupId: full.backupId, baseBackupId: full.backupId });
  const later: BackupRecord[] = [];
  for (let run = 0; run < 24; run++) {
    later.push(await committed('far', 'differential', [{ name: a, parent: snapshotOf(full, a) }, { name: b, parent: snapshotOf(whole, b) }], { parentBackupId: full.backupId, baseBackupId: full.backupId }));
  }
  // 25 backups of b from the newest back to its whole read: found.
  expect((await selectParents(catalog, [a, b], 'differential')).parents.get(b)).toEqual(parentIn(whole, b));
  // A damaged record on the way: the walk stops there (reading b whole is always safe), the plan does not fail.
  const damaged = later[3]?.backupId ?? '';
  await documents.send(new UpdateCommand({ TableName: 'catalog', Key: { pk: `BACKUP#${damaged}`, sk: 'BACKUP' }, UpdateExpression: 'SET totals = :bad', ExpressionAttributeValues: { ':bad': 'garbled' } }));
  await expect(catalog.getBackup(damaged)).rejects.toThrow('is not a valid backup record: totals');
  expect((await selectParents(catalog, [a, b], 'differential')).parents.get(b)).toBeNull();
  await documents.send(new UpdateCommand({ TableName: 'catalog', Key: { pk: `BACKUP#${damaged}`, sk: 'BACKUP' }, UpdateExpression: 'SET totals = :ok', ExpressionAttributeValues: { ':ok': later[3]?.totals } }));
  expect((await selectParents(catalog, [a, b], 'differential')).parents.get(b)).toEqual(parentIn(whole, b));
  // One backup more and the whole read is the 26th: not looked for.
  await committed('far', 'differential', [{ name: a, parent: snapshotOf(full, a) }, { name: b, parent: snapshotOf(whole, b) }], { parentBackupId: full.backupId, baseBackupId: full.backupId });
  expect((await selectParents(catalog, [a, b], 'differential')).parents.get(b)).toBeNull();
});

it('differential: runs that failed after Commit indexed them do not count toward the lookback: a whole read within the newest 25 kept backups is still found', async () => {
  const [a, b] = ['failed-a', 'failed-b'];
  const full = await committed('failed', 'full', [{ name: a }]);
  const whole = await committed('failed', 'differential', [{ name: a, parent: snapshotOf(full, a) }, { name: b }], { parentBackupId: full.backupId, baseBackupId: full.backupId });
  const reads = [{ name: a, parent: snapshotOf(full, a) }, { name: b, parent: snapshotOf(whole, b) }];
  const lineage = { parentBackupId: full.backupId, baseBackupId: full.backupId };
  // 24 kept backups after the whole read, and among them 4 runs whose index items Commit wrote before they failed.
  for (let run = 0; run < 28; run++) {
    const record = await committed('failed', 'differential', reads, lineage);
    if (run % 7 === 6) expect(await failedAfterIndexing(record)).toBe(true);
  }
  expect((await selectParents(catalog, [a, b], 'differential')).parents.get(b)).toEqual(parentIn(whole, b));
});

/** Makes a committed, indexed backup one whose run failed after Commit wrote its index items (which nothing removes). */
async function failedAfterIndexing(record: BackupRecord): Promise<boolean> {
  await documents.send(new UpdateCommand({ TableName: 'catalog', Key: { pk: `BACKUP#${record.backupId}`, sk: 'BACKUP' }, UpdateExpression: 'SET #status = :running', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':running': 'RUNNING' } }));
  return catalog.markFailed(record.backupId, 'States.Timeout', 'the run failed after Commit wrote its index items', record.startedAt);
}

it('r65B F2: the run\'s parent is the sources\' parent backup newest by the instant of its start, not by its text', async () => {
  // 09:00-05:00 is 14:00Z, newer than 10:00Z, though its text sorts below.
  const offset = { ...(await committed('instant', 'full', [{ name: 'instant-a' }])), startedAt: '2026-12-07T09:00:00-05:00' };
  const zulu = { ...(await committed('instant', 'full', [{ name: 'instant-b' }])), backupId: 'zulu', startedAt: '2026-12-07T10:00:00.000Z' };
  const latest: Record<string, BackupRecord> = { 'instant-a': offset, 'instant-b': zulu };
  const byLatest = { latestBackupOfSource: async (source: string) => latest[source] } as unknown as BackupCatalog;
  const selection = await selectParents(byLatest, ['instant-a', 'instant-b'], 'incremental');
  expect(selection).toMatchObject({ strategy: 'incremental', parentBackupId: offset.backupId, baseBackupId: offset.backupId });
});
