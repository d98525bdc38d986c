import { type AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { BackupCatalog, type CatalogItemKey, type LiveBackupSnapshotsRead } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { recordedSnapshotsCheck, type RecordedSnapshotsCatalog, snapshotsRecordedIn } from '../../../../lambdas/retention/recorded-snapshots';
import { RecordedPlansUnreadError } from '../../../../lambdas/retention/recorded-plans-unread-error';
import { RecordedBackupUnreadableError } from '../../../../lambdas/retention/recorded-backup-unreadable-error';
import { RecordedSnapshotMissingError } from '../../../../lambdas/retention/recorded-snapshot-missing-error';
import { createCatalogShapedTable } from '../../../../local/cloud';

/**
 * What a prune checks its vault's `snapshots/` listing against (review r59C F1), on the real BackupCatalog over dynalite
 * (127.0.0.1): the snapshots of the committed backups recorded in that vault, read page by page through the byPlan
 * index, and the forgotten, the being-forgotten, the unfinished and (for the DR vault) the not-yet-copied left out.
 */

let server: ReturnType<typeof dynalite>;
let ddb: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let catalog: BackupCatalog;
let queries = 0;

const start = Date.parse('2026-01-01T00:00:00.000Z');
function record(plan: string, i: number, overrides: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId: `${plan}-${String(i).padStart(6, '0')}`,
    plan,
    environment: 'prod',
    sourceNames: ['a', 'b'],
    sources: ['a', 'b'].map((name) => ({ name, type: 's3' as const, snapshotId: `snap-${plan}-${i}-${name}`, rootHash: 'r', entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 })),
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt: new Date(start + i * 3_600_000).toISOString(),
    endedAt: new Date(start + i * 3_600_000).toISOString(),
    shardCount: 1,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    ...overrides,
  };
}
const item = (r: BackupRecord): Record<string, unknown> => ({ pk: `BACKUP#${r.backupId}`, sk: 'BACKUP', ...r });
/**
 * The catalog as if `plans` were all the plans it holds: each case keeps its records in a plan of its own, and the check
 * reads every plan the catalog holds (review r59M F3). Its Scan is the real one, filtered.
 */
const scoped = (...plans: string[]): RecordedSnapshotsCatalog => ({
  liveBackupSnapshotsOfPlan: (plan) => catalog.liveBackupSnapshotsOfPlan(plan),
  liveBackupSnapshotsAt: (key) => catalog.liveBackupSnapshotsAt(key),
  recordedPlanNames: async () => (await catalog.recordedPlanNames()).filter((plan) => plans.includes(plan)),
});

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await createCatalogShapedTable(ddb, 'catalog', { byPlan: true });
  doc = DynamoDBDocumentClient.from(ddb);
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand') queries++;
      return next(args);
    },
    { step: 'initialize', name: 'countQueries' },
  );
  catalog = new BackupCatalog(doc, 'catalog');
  // 450 backups of `files` (3 pages of 200), the newest 50 forgotten, one being forgotten, one failed, one still running,
  // one not yet copied to the DR vault; one backup of another plan.
  const files = Array.from({ length: 450 }, (_, i) => record('files', i));
  const changed = new Map<number, Partial<BackupRecord>>([
    [10, { status: 'FAILED' }],
    [11, { status: 'RUNNING', copies: undefined }],
    [12, { forgettingAt: '2026-06-01T00:00:00.000Z' }],
    [13, { copies: { primary: 'COMMITTED', dr: 'PENDING' } }],
  ]);
  for (let i = 400; i < 450; i++) changed.set(i, { forgottenAt: '2026-06-01T00:00:00.000Z' });
  const items = [...files.map((r, i) => item({ ...r, ...changed.get(i) })), item(record('other', 0))];
  for (let i = 0; i < items.length; i += 25) await doc.send(new BatchWriteCommand({ RequestItems: { catalog: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
}, 30_000);

afterAll(async () => {
  ddb.destroy();
  await new Promise((resolve) => server.close(resolve));
});

it('reads the snapshots of every committed backup not forgotten of the plans, in pages, for each vault', async () => {
  queries = 0;
  const primary = await snapshotsRecordedIn('primary', catalog, ['files']);
  // 400 not forgotten, less the failed, the running and the one being forgotten: two sources each.
  expect(primary).toHaveLength(2 * 397);
  expect(primary).toContainEqual({ backupId: 'files-000013', plan: 'files', snapshotId: 'snap-files-13-b', key: { pk: 'BACKUP#files-000013', sk: 'BACKUP' } });
  expect(primary.map((r) => r.backupId)).not.toEqual(expect.arrayContaining(['files-000010', 'files-000011', 'files-000012', 'files-000400']));
  // Pages of 200 items, every state read (the check decides, review r60B F3): 450 items take 3 Queries.
  expect(queries).toBe(3);
  const dr = await snapshotsRecordedIn('dr', catalog, ['files', 'other']);
  expect(dr).toHaveLength(2 * 396 + 2);
  expect(dr.map((r) => r.backupId)).not.toContain('files-000013');
});

it('stops a prune whose listing lacks a recorded snapshot, naming the first backups and how many more', async () => {
  const check = await recordedSnapshotsCheck('primary', scoped('files'), ['files']);
  const all = new Set((await snapshotsRecordedIn('primary', catalog, ['files'])).map((r) => r.snapshotId));
  await expect(check(all)).resolves.toBeUndefined();
  const listed = new Set([...all].filter((id) => !/^snap-files-(2|3|4|5|6|7|8)-/.test(id)));
  const stopped = check(listed);
  await expect(stopped).rejects.toThrow(RecordedSnapshotMissingError);
  await expect(stopped).rejects.toThrow(/the primary catalog records 7 committed backup\(s\) stored in this vault whose snapshot object it does not hold \(14 snapshot\(s\)\): backup files-0000\d\d \(plan files\): snapshots\/snap-files-\d-[ab];( [^;]+;){3} [^;]+, and 9 more\./);
});

it('does not stop for a backup whose forget began after the catalog was read', async () => {
  const check = await recordedSnapshotsCheck('primary', scoped('files'), ['files']);
  const all = new Set((await snapshotsRecordedIn('primary', catalog, ['files'])).map((r) => r.snapshotId));
  // A forget claims files-000020 and deletes its snapshot objects between the read and the prune's listing.
  await doc.send(new UpdateCommand({ TableName: 'catalog', Key: { pk: 'BACKUP#files-000020', sk: 'BACKUP' }, UpdateExpression: 'SET forgettingAt = :at', ExpressionAttributeValues: { ':at': '2026-06-02T00:00:00.000Z' } }));
  try {
    await expect(check(new Set([...all].filter((id) => !id.startsWith('snap-files-20-'))))).resolves.toBeUndefined();
  } finally {
    await doc.send(new PutCommand({ TableName: 'catalog', Item: item(record('files', 20)) }));
  }
});

describe('the plans it reads: the configured ones and every plan the catalog holds (review r59M F3)', () => {
  it('lists every plan the byPlan index holds once, whatever the state of its records', async () => {
    // `files` has 450 records (committed, failed, running, forgotten), `other` one; the plans later cases add may be there too.
    expect(await catalog.recordedPlanNames()).toEqual(expect.arrayContaining(['files', 'other']));
    const listed = await catalog.recordedPlanNames();
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('stops for a committed backup of a plan not configured whose snapshot object the listing lacks', async () => {
    // `other` is not configured: a plan removed from the config, or renamed there, keeps its committed backups.
    const check = await recordedSnapshotsCheck('primary', scoped('files', 'other'), ['files']);
    const all = new Set((await snapshotsRecordedIn('primary', catalog, ['files', 'other'])).map((r) => r.snapshotId));
    await expect(check(all)).resolves.toBeUndefined();
    const stopped = check(new Set([...all].filter((id) => id !== 'snap-other-0-b')));
    await expect(stopped).rejects.toThrow(RecordedSnapshotMissingError);
    await expect(stopped).rejects.toThrow(/records 1 committed backup\(s\) .*: backup other-000000 \(plan other\): snapshots\/snap-other-0-b\. /);
  });

  it('stops when the plans cannot be listed, naming the Scan it needs; a transient failure keeps its own error, to be retried', async () => {
    const failing = (err: Error): RecordedSnapshotsCatalog => ({ ...scoped('files'), recordedPlanNames: () => Promise.reject(err) });
    const denied = Object.assign(new Error('not authorized to perform: dynamodb:Scan'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    const stopped = recordedSnapshotsCheck('dr', failing(denied), ['files']);
    await expect(stopped).rejects.toThrow(RecordedPlansUnreadError);
    await expect(stopped).rejects.toThrow(/^prune of the DR vault stops before it deletes or condemns anything: the plans the DR catalog holds backups of could not be listed \(a Scan of its byPlan index: AccessDeniedException: not authorized to perform: dynamodb:Scan\).*Allow dynamodb:Scan on the catalog's byPlan index/);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    await expect(recordedSnapshotsCheck('primary', failing(throttled), ['files'])).rejects.toBe(throttled);
  });

  // Review r60F F4: every non-transient failure advised granting dynamodb:Scan, though a missing table, a disabled key
  // or a refused request is not fixed by that permission. Only a refusal of the caller names it.
  it.each([
    ['ResourceNotFoundException', 'Requested resource not found: Table: lifeboat-dev-catalog not found'],
    ['KMSAccessDeniedException', 'The ciphertext refers to a customer master key that is disabled'],
    ['ValidationException', 'The table does not have the specified index: byPlan'],
  ])('names no permission when the Scan failed with %s, only what the catalog answered', async (name, text) => {
    const err = Object.assign(new Error(text), { name, $metadata: { httpStatusCode: 400 } });
    const stopped = recordedSnapshotsCheck('primary', { ...scoped('files'), recordedPlanNames: () => Promise.reject(err) }, ['files']);
    await expect(stopped).rejects.toThrow(RecordedPlansUnreadError);
    const message = await stopped.then(
      () => '',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    expect(message).toContain(`(a Scan of its byPlan index: ${name}: ${text})`);
    expect(message).not.toContain('Allow dynamodb:Scan');
    expect(message).toMatch(/Fix what the catalog answered \(above\), then prune again\.$/);
  });
});

describe('a committed record that does not validate (review r59H F1)', () => {
  // A newer Lifeboat's record (source type `efs`), one not yet copied to the DR vault, one forgotten, and one whose
  // `sources` name no snapshot: this version validates none of them.
  const newer = (i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> => {
    const r = item(record('newer', i));
    return { ...r, sources: (r.sources as BackupRecord['sources']).map((s) => ({ ...s, type: 'efs' })), ...overrides };
  };
  beforeAll(async () => {
    await doc.send(new PutCommand({ TableName: 'catalog', Item: newer(0) }));
    await doc.send(new PutCommand({ TableName: 'catalog', Item: newer(1, { copies: { primary: 'COMMITTED', dr: 'PENDING' } }) }));
    await doc.send(new PutCommand({ TableName: 'catalog', Item: newer(2, { forgettingAt: '2026-06-01T00:00:00.000Z' }) }));
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...item(record('garbled', 0)), sources: 'efs:/data' } }));
  });

  it('checks the snapshots its item still names, and stops naming the backup and that its record does not validate', async () => {
    const primary = await snapshotsRecordedIn('primary', catalog, ['newer']);
    expect(primary.map((r) => r.snapshotId).sort()).toEqual(['snap-newer-0-a', 'snap-newer-0-b', 'snap-newer-1-a', 'snap-newer-1-b']);
    const dr = await snapshotsRecordedIn('dr', catalog, ['newer']);
    expect(dr.map((r) => r.snapshotId).sort()).toEqual(['snap-newer-0-a', 'snap-newer-0-b']);
    const check = await recordedSnapshotsCheck('primary', scoped('newer'), ['newer']);
    await expect(check(new Set(primary.map((r) => r.snapshotId)))).resolves.toBeUndefined();
    const stopped = check(new Set(['snap-newer-0-a', 'snap-newer-1-a', 'snap-newer-1-b']));
    await expect(stopped).rejects.toThrow(RecordedSnapshotMissingError);
    await expect(stopped).rejects.toThrow(/backup newer-000000 \(plan newer, its record does not validate\): snapshots\/snap-newer-0-b\..* upgrade Lifeboat if a newer version wrote it, or fix the item/);
  });

  it('checks in the DR vault one whose copies.dr is a state this version does not know; passes over PENDING and FAILED (review r60B F2)', async () => {
    // `VERIFIED`, say a newer Lifeboat's state of a complete copy: read as not copied, the DR prune passed it over and,
    // its snapshot object missing there, deleted its DR copy.
    for (const [i, dr] of [[0, 'VERIFIED'], [1, 'PENDING'], [2, 'FAILED']] as const) {
      await doc.send(new PutCommand({ TableName: 'catalog', Item: newer(i, { backupId: `copy-00000${i}`, pk: `BACKUP#copy-00000${i}`, plan: 'copystate', copies: { primary: 'COMMITTED', dr } }) }));
    }
    const dr = await snapshotsRecordedIn('dr', catalog, ['copystate']);
    expect(dr.map((r) => r.snapshotId).sort()).toEqual(['snap-newer-0-a', 'snap-newer-0-b']);
    const check = await recordedSnapshotsCheck('dr', scoped('copystate'), ['copystate']);
    await expect(check(new Set(['snap-newer-0-a', 'snap-newer-0-b']))).resolves.toBeUndefined();
    await expect(check(new Set(['snap-newer-0-a']))).rejects.toThrow(/prune of the DR vault stops .*backup copy-000000 \(plan copystate, its record does not validate\): snapshots\/snap-newer-0-b\. /);
  });

  it('stops before the listing when a record names no snapshot it can read, naming the item and how to fix it', async () => {
    const stopped = recordedSnapshotsCheck('primary', scoped('garbled'), ['garbled']);
    await expect(stopped).rejects.toThrow(RecordedBackupUnreadableError);
    await expect(stopped).rejects.toThrow(/catalog item BACKUP#garbled-000000 \/ BACKUP in table catalog \(plan garbled\) records a committed backup, not forgotten, but does not validate \(sources: .*\).*each name of its `sourceNames` needs its source in `sources`, and each of its `sources` its `snapshotId`/);
  });

  it('stops before the listing on one whose sources are an empty list while its sourceNames name sources, naming them (review r60B F1)', async () => {
    // Committed, `sources: []`, `sourceNames: ['a', 'b']`, not valid for another field (a newer copy state). Passed over
    // since review r59M F4, its snapshot object missing, the prune deleted the tree of its backup.
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...newer(0), backupId: 'empty-000000', pk: 'BACKUP#empty-000000', plan: 'empty', sources: [], copies: { primary: 'SHIPPED' } } }));
    const stopped = recordedSnapshotsCheck('primary', scoped('empty'), ['empty']);
    await expect(stopped).rejects.toThrow(RecordedBackupUnreadableError);
    await expect(stopped).rejects.toThrow(/catalog item BACKUP#empty-000000 \/ BACKUP in table catalog \(plan empty\) .* names no snapshot this version can read for sources "a", "b" of the 2 its `sourceNames` and `sources` name, so prune cannot tell/);
  });

  it('stops on a committed record lacking the source of one of its sourceNames, valid or not (review r60B F1)', async () => {
    // Valid in every field but one source short: source "b" went unchecked, and its tree condemned were its object missing.
    const r = item(record('short', 0));
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...r, sources: (r.sources as BackupRecord['sources']).slice(0, 1) } }));
    const stopped = recordedSnapshotsCheck('primary', scoped('short'), ['short']);
    await expect(stopped).rejects.toThrow(RecordedBackupUnreadableError);
    await expect(stopped).rejects.toThrow(/BACKUP#short-000000 .* does not validate \(sources: no source "b", which its `sourceNames` names\) and names no snapshot this version can read for source "b" of the 2/);
    // Not valid for another field too (a newer source type): the same.
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...newer(0, { backupId: 'short-000001', pk: 'BACKUP#short-000001', plan: 'short2' }), sources: [{ ...(r.sources as BackupRecord['sources'])[0], type: 'efs' }] } }));
    await expect(recordedSnapshotsCheck('primary', scoped('short2'), ['short2'])).rejects.toThrow(/BACKUP#short-000001 .* names no snapshot this version can read for source "b" of the 2/);
  });

  it('stops on a committed record naming no source at all, sourceNames and sources both empty: no Lifeboat writes one (review r60B F1)', async () => {
    const r = item(record('none', 0));
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...r, sourceNames: [], sources: [] } }));
    const stopped = recordedSnapshotsCheck('primary', scoped('none'), ['none']);
    await expect(stopped).rejects.toThrow(RecordedBackupUnreadableError);
    await expect(stopped).rejects.toThrow(/BACKUP#none-000000 .* does not validate \(sourceNames: a committed backup names one source at least\) and names no snapshot this version can read in its `sources`/);
  });

  it('stops before the listing when one of its sources has no snapshot id it can read, naming that source (review r59M F1)', async () => {
    // Two sources: the first in a newer shape (`snapshot: { id }`), the second as this version writes it. Checking the
    // second alone protected nothing of the first: its snapshot object missing, the prune condemned its tree.
    const r = newer(0);
    const [first, second] = r.sources as BackupRecord['sources'];
    const { snapshotId, ...rest } = first as BackupRecord['sources'][number];
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...r, backupId: 'partial-000000', pk: 'BACKUP#partial-000000', plan: 'partial', sources: [{ ...rest, snapshot: { id: snapshotId } }, second] } }));
    const stopped = recordedSnapshotsCheck('primary', scoped('partial'), ['partial']);
    await expect(stopped).rejects.toThrow(RecordedBackupUnreadableError);
    await expect(stopped).rejects.toThrow(/catalog item BACKUP#partial-000000 \/ BACKUP in table catalog \(plan partial\) .* names no snapshot this version can read for source "a" of the 2 its `sourceNames` and `sources` name, so prune cannot tell/);
  });
});

describe('a record whose state the byPlan Query filter judged (review r60B F3)', () => {
  // The Query kept only `status` COMMITTED without a `forgottenAt`, so these never reached the check.
  // Review r61L F1: c6c1502c read any other value but false as a forget, so a committed record whose forgottenAt was 0
  // or a map was passed over and, its snapshot object missing, the prune deleted its backup's packs. Only a non-empty
  // string is a forget.
  it.each([
    ['an empty forgottenAt', 'blankforgotempty', ''],
    ['a null forgottenAt', 'blankforgotnull', null],
    ['a false forgottenAt', 'blankforgotfalse', false],
    ['a forgottenAt 0', 'oddforgotzero', 0],
    ['a numeric forgottenAt', 'oddforgotnumber', 1765000000],
    ['a forgottenAt {}', 'oddforgotmap', {}],
    ['a forgottenAt map', 'oddforgotundone', { undone: true }],
    ['a forgottenAt []', 'oddforgotlist', []],
    ['a forgottenAt true', 'oddforgottrue', true],
  ])('checks a committed record with %s: it is not forgotten, and its snapshot object missing stops the prune', async (_, plan, forgottenAt) => {
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...item(record(plan, 0)), forgottenAt } }));
    expect((await snapshotsRecordedIn('primary', catalog, [plan])).map((r) => r.snapshotId).sort()).toEqual([`snap-${plan}-0-a`, `snap-${plan}-0-b`]);
    const check = await recordedSnapshotsCheck('primary', scoped(plan), [plan]);
    await expect(check(new Set([`snap-${plan}-0-a`]))).rejects.toThrow(new RegExp(`backup ${plan}-000000 \\(plan ${plan}, its record does not validate\\): snapshots/snap-${plan}-0-b\\. `));
  });

  // Review r61U F3: the stop ended "upgrade Lifeboat …, or fix the item, first" without the field or its fix.
  it('names the field of a record that does not validate and how to set its forgottenAt', async () => {
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...item(record('oddforgotfield', 0)), forgottenAt: 0 } }));
    const check = await recordedSnapshotsCheck('primary', scoped('oddforgotfield'), ['oddforgotfield']);
    await expect(check(new Set())).rejects.toThrow(
      /A record that does not validate \(oddforgotfield-000000's: forgottenAt: [^)]+\) was read for its snapshot ids alone, and neither forget reads it: set its `forgottenAt` to the ISO time retention forgot it if its backup is gone, else remove the attribute, first\. /,
    );
  });

  it('stops on a record whose status this version does not know, naming it; passes over a FAILED one that does not validate', async () => {
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...item(record('oddstatus', 0)), status: 'COMMITED' } }));
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...item(record('oddstatus', 1)), status: 'FAILED', copies: { primary: 'SHIPPED' } } }));
    const stopped = recordedSnapshotsCheck('primary', scoped('oddstatus'), ['oddstatus']);
    await expect(stopped).rejects.toThrow(RecordedBackupUnreadableError);
    await expect(stopped).rejects.toThrow(
      /^prune of the primary vault stops before it deletes or condemns anything: catalog item BACKUP#oddstatus-000000 \/ BACKUP in table catalog \(plan oddstatus\) records a backup, not forgotten, with `status` "COMMITED", which this version does not know \(status: .*\), so prune cannot tell whether it is committed.*its `status` is one of RUNNING, COMMITTED, FAILED/,
    );
    await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...item(record('oddstatus', 0)), status: 'COMMITED', forgottenAt: '2026-06-01T00:00:00.000Z' } }));
    expect(await snapshotsRecordedIn('primary', catalog, ['oddstatus'])).toEqual([]);
  });
});

it('looks again at the item it read, and stops when that item names another backup or is gone (review r59M F2)', async () => {
  // A damaged item whose `backupId` is another backup's: the second look read that other record (BACKUP#files-000030),
  // found the missing snapshot not in it, and let the prune condemn this item's tree.
  const r = item(record('mismatch', 0));
  const sources = (r.sources as BackupRecord['sources']).map((s) => ({ ...s, type: 'efs' }));
  await doc.send(new PutCommand({ TableName: 'catalog', Item: { ...r, backupId: 'files-000030', sources } }));
  const check = await recordedSnapshotsCheck('primary', scoped('mismatch'), ['mismatch']);
  await expect(check(new Set(['snap-mismatch-0-a', 'snap-mismatch-0-b']))).resolves.toBeUndefined();
  const mismatched = check(new Set(['snap-mismatch-0-b']));
  await expect(mismatched).rejects.toThrow(
    /backup files-000030 \(plan mismatch, catalog item BACKUP#mismatch-000000 \/ BACKUP, its record does not validate\): snapshots\/snap-mismatch-0-a\. /,
  );
  // Its way out is not `backups forget --lost files-000030`, which acts on the healthy files-000030 (review r60B F4).
  await expect(mismatched).rejects.toThrow(
    /If it is lost for good: fix the `backupId` of catalog item BACKUP#mismatch-000000 first \(it names files-000030\); then `lifeboat backups forget --lost mismatch-000000` forgets/,
  );
  await expect(mismatched).rejects.not.toThrow(/forget --lost files-000030/);
  // Counted by item: this one and files-000030's own, both missing a snapshot, are two records (one backupId).
  const both = new RecordedSnapshotMissingError('primary', [
    { backupId: 'files-000030', plan: 'mismatch', snapshotId: 'snap-mismatch-0-a', key: { pk: 'BACKUP#mismatch-000000', sk: 'BACKUP' }, recordInvalid: true },
    { backupId: 'files-000030', plan: 'files', snapshotId: 'snap-files-30-a', key: { pk: 'BACKUP#files-000030', sk: 'BACKUP' } },
  ]);
  expect(both.message).toMatch(/the primary catalog records 2 committed backup\(s\) stored in this vault whose snapshot object it does not hold \(2 snapshot\(s\)\)/);
  // An item the first read found and the second does not: nothing tells its snapshots went on purpose.
  const ghost = record('ghost', 0);
  const gone = {
    async *liveBackupSnapshotsOfPlan(): AsyncGenerator<LiveBackupSnapshotsRead> {
      yield await Promise.resolve({ backup: ghost, key: { pk: 'BACKUP#ghost-000000', sk: 'BACKUP' } });
    },
    liveBackupSnapshotsAt: (key: CatalogItemKey) => catalog.liveBackupSnapshotsAt(key),
    recordedPlanNames: () => Promise.resolve(['ghost']),
  };
  const stopped = (await recordedSnapshotsCheck('primary', gone, ['ghost']))(new Set(['snap-ghost-0-a']));
  await expect(stopped).rejects.toThrow(RecordedSnapshotMissingError);
  await expect(stopped).rejects.toThrow(/backup ghost-000000 \(plan ghost\): snapshots\/snap-ghost-0-b\. /);
});

// Review r60F F6, F2, F3: the message's pasteable lines and the record it says does not validate.
describe('the way out RecordedSnapshotMissingError prints', () => {
  const key = (id: string): CatalogItemKey => ({ pk: `BACKUP#${id}`, sk: 'BACKUP' });

  // Review r64Q F4: quoted, such an id was still printed whole in the code span, where a backtick of its own ended it.
  // f65O: a printable, short one a shell would misread bare is single-quoted (pastedIdWord), as the doctor's hold line did.
  it('prints the backup id of `backups forget --lost` as one word a shell reads as the id, from the record or from its item\'s key', () => {
    const crafted = "x'; rm -rf ~ #";
    const own = new RecordedSnapshotMissingError('dr', [{ backupId: crafted, plan: 'files', snapshotId: 's-1', key: key(crafted) }], { scrub: ' --env prod --aws', forget: ' --env prod --aws' });
    expect(own.message).toContain("`lifeboat backups forget --lost 'x'\\''; rm -rf ~ #' --vault dr --env prod --aws` forgets");
    const mismatched = new RecordedSnapshotMissingError('primary', [{ backupId: 'files-000030', plan: 'files', snapshotId: 's-1', key: key('a b$(id)') }]);
    expect(mismatched.message).toContain("then `lifeboat backups forget --lost 'a b$(id)'` forgets");
    const unseen = new RecordedSnapshotMissingError('primary', [{ backupId: 'files-000030', plan: 'files', snapshotId: 's-1', key: key('a\u001b[2Kb') }]);
    expect(unseen.message).toContain("then `lifeboat backups forget --lost '<backup id>'` (for '<backup id>' put the backup id: the part after BACKUP# of catalog item BACKUP#a\\u001b[2Kb's key; it is not printed as a word to paste) forgets");
    const plain = new RecordedSnapshotMissingError('primary', [{ backupId: 'files-000030', plan: 'files', snapshotId: 's-1', key: key('files-000031') }]);
    expect(plain.message).toContain('then `lifeboat backups forget --lost files-000031` forgets');
  });

  it('names the item, not the other backup, of a record that does not validate whose backupId is another backup\'s', () => {
    const mismatched = new RecordedSnapshotMissingError('primary', [{ backupId: 'files-000030', plan: 'mismatch', snapshotId: 's-1', key: key('mismatch-000000'), recordInvalid: true }]);
    expect(mismatched.message).toContain('A record that does not validate (that of catalog item BACKUP#mismatch-000000) was read for its snapshot ids alone');
    expect(mismatched.message).not.toContain("files-000030's");
    const own = new RecordedSnapshotMissingError('primary', [{ backupId: 'newer-000001', plan: 'newer', snapshotId: 's-1', key: key('newer-000001'), recordInvalid: true }]);
    expect(own.message).toContain("A record that does not validate (newer-000001's)");
  });

  it('says no policy forgets a backup of a plan not in the config, and gives the forget with a policy on the command line', async () => {
    const check = await recordedSnapshotsCheck('dr', scoped('files', 'other'), ['files'], { scrub: ' --env prod --aws', forget: ' --env prod --aws' });
    const all = new Set((await snapshotsRecordedIn('dr', catalog, ['files', 'other'])).map((r) => r.snapshotId));
    const stopped = check(new Set([...all].filter((id) => id !== 'snap-other-0-b')));
    await expect(stopped).rejects.toThrow(
      'no retention policy forgets it: its plan other is not in the config; `lifeboat backups forget --plan other --vault dr --keep-last 1 --dry-run --env prod --aws` gives that plan\'s backups one',
    );
    await expect(stopped).rejects.not.toThrow(/retention forgets it when its plan's policy lets it go/);
    // A configured plan's backup: its policy forgets it in time, as before.
    const configured = await recordedSnapshotsCheck('dr', scoped('files', 'other'), ['files', 'other']);
    await expect(configured(new Set([...all].filter((id) => id !== 'snap-other-0-b')))).rejects.toThrow(/retention forgets it when its plan's policy lets it go\. /);
  });
});

it('passes over a record from before the vault without a warning: it names no snapshot (review r59H F4)', async () => {
  await doc.send(new PutCommand({ TableName: 'catalog', Item: { pk: 'BACKUP#old', sk: 'BACKUP', backupId: 'old', plan: 'prevault', status: 'COMMITTED', startedAt: '2025-01-01T00:00:00.000Z', sources: ['src'] } }));
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const check = await recordedSnapshotsCheck('primary', scoped('prevault'), ['prevault']);
    await expect(check(new Set())).resolves.toBeUndefined();
    expect(await snapshotsRecordedIn('dr', catalog, ['prevault'])).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  } finally {
    warn.mockRestore();
  }
});

it('does not stop for a backup forgotten since, which the eventually consistent index still shows live (review r59H F2)', async () => {
  // The byPlan index as it may answer right after the workflow's Forget: the record forgotten, the index not yet told.
  const stale: LiveBackupSnapshotsRead[] = [];
  for await (const read of catalog.liveBackupSnapshotsOfPlan('files')) stale.push(read);
  const lagging = {
    async *liveBackupSnapshotsOfPlan(): AsyncGenerator<LiveBackupSnapshotsRead> {
      yield* stale;
    },
    liveBackupSnapshotsAt: (key: CatalogItemKey) => catalog.liveBackupSnapshotsAt(key),
    recordedPlanNames: () => Promise.resolve(['files']),
  };
  const check = await recordedSnapshotsCheck('primary', lagging, ['files']);
  const all = new Set((await snapshotsRecordedIn('primary', catalog, ['files'])).map((r) => r.snapshotId));
  await doc.send(new UpdateCommand({ TableName: 'catalog', Key: { pk: 'BACKUP#files-000021', sk: 'BACKUP' }, UpdateExpression: 'SET forgottenAt = :at', ExpressionAttributeValues: { ':at': '2026-06-02T00:00:00.000Z' } }));
  try {
    await expect(check(new Set([...all].filter((id) => !id.startsWith('snap-files-21-'))))).resolves.toBeUndefined();
    // One still recorded, missing too, still stops it: the consistent read confirms it.
    await expect(check(new Set([...all].filter((id) => !id.startsWith('snap-files-21-') && id !== 'snap-files-22-a')))).rejects.toThrow(/backup files-000022 \(plan files\): snapshots\/snap-files-22-a\. /);
  } finally {
    await doc.send(new PutCommand({ TableName: 'catalog', Item: item(record('files', 21)) }));
  }
});
