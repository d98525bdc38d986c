import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { ForgottenRecordUnreadableError } from '../../../../lambdas/retention/forgotten-record-unreadable-error';
import { forgottenSnapshotsOf } from '../../../../lambdas/retention/forgotten-snapshots';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';
import { catalogRecord } from '../replication/memory-primary-catalog';

/**
 * Review r60N F2: a forgotten record that does not validate (one damaged field, a newer Lifeboat's record) was passed
 * over, so its snapshots dropped out of the forgotten set and scrub --repair copied them back from the other vault.
 */

let catalog: BackupCatalog;
let documents: DynamoDBDocumentClient;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ catalog, documents, close } = await catalogOnDynalite({ byPlan: true }));
});
afterEach(async () => close());

const FORGOTTEN_AT = '2026-03-05T00:00:00.000Z';
/** A valid record (catalogRecord's `rootHash` is '', which does not validate), its damage added by `put`. */
const record = (...args: Parameters<typeof catalogRecord>): BackupRecord => {
  const r = catalogRecord(...args);
  return { ...r, sources: r.sources.map((s) => ({ ...s, rootHash: 'r' })) };
};
const put = (record: BackupRecord, damage: Record<string, unknown> = {}) =>
  documents.send(new PutCommand({ TableName: 'catalog', Item: { pk: `BACKUP#${record.backupId}`, sk: 'BACKUP', ...record, ...damage } }));
const quiet = <T>(run: () => Promise<T>): Promise<T> => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  return run().finally(() => warn.mockRestore());
};

it('counts the snapshots of a forgotten record with a damaged field as forgotten, and of none live', async () => {
  await put(record('b-valid', 'COMMITTED', ['a'.repeat(64)], { forgottenAt: FORGOTTEN_AT }));
  // shardCount a string: the record does not validate, its forget and its snapshot still read.
  await put(record('b-damaged', 'COMMITTED', ['b'.repeat(64)], { forgottenAt: FORGOTTEN_AT }), { shardCount: 'one' });
  await put(record('b-live', 'COMMITTED', ['c'.repeat(64)]), { shardCount: 'one' });
  const set = await quiet(() => forgottenSnapshotsOf(catalog, ['files']));
  expect([...set].sort()).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
});

it('refuses, naming the record, its bad field and what to do, a record whose forgottenAt is a number', async () => {
  await put(record('b-numbered', 'COMMITTED', ['d'.repeat(64)]), { forgottenAt: 1772668800 });
  const read = quiet(() => forgottenSnapshotsOf(catalog, ['files']));
  await expect(read).rejects.toBeInstanceOf(ForgottenRecordUnreadableError);
  await expect(read).rejects.toThrow(
    /^the snapshots retention forgot cannot all be read: catalog item BACKUP#b-numbered \/ BACKUP in table catalog \(backup b-numbered, plan files\) does not validate \(forgottenAt: Invalid input: expected string, received number\) and its `forgottenAt` is no ISO time, .*Otherwise fix the item: its `forgottenAt` is the ISO time retention forgot it .*`lifeboat doctor` lists/,
  );
});

it('for replication, counts a record whose forgottenAt is a number as forgotten', async () => {
  await put(record('b-numbered', 'COMMITTED', ['d'.repeat(64)]), { forgottenAt: 1772668800 });
  const set = await quiet(() => forgottenSnapshotsOf(catalog, ['files'], { unreadForgottenAt: 'forgotten' }));
  expect([...set]).toEqual(['d'.repeat(64)]);
});

it('refuses, in either case, a forgotten record naming no readable snapshot for one of its sources', async () => {
  const partial = record('b-partial', 'COMMITTED', ['e'.repeat(64)], { forgottenAt: FORGOTTEN_AT, sourceNames: ['src', 'db'] });
  await put(partial, { sources: [...partial.sources, { name: 'db', type: 'filesystem', snapshotId: 7 }] });
  for (const unreadForgottenAt of ['refuse', 'forgotten'] as const) {
    const read = quiet(() => forgottenSnapshotsOf(catalog, ['files'], { unreadForgottenAt }));
    await expect(read).rejects.toThrow(/catalog item BACKUP#b-partial \/ BACKUP .*and, forgotten by retention, names no snapshot this version can read for source "db", so which snapshots retention deleted cannot be told/);
  }
});

it('passes over a record from before the vault, forgotten or not: the vault holds nothing of it', async () => {
  await documents.send(
    new PutCommand({ TableName: 'catalog', Item: { pk: 'BACKUP#b-old', sk: 'BACKUP', backupId: 'b-old', plan: 'files', startedAt: '2026-01-01T00:00:00.000Z', status: 'COMMITTED', sources: ['src'], forgottenAt: 5 } }),
  );
  await expect(quiet(() => forgottenSnapshotsOf(catalog, ['files']))).resolves.toEqual(new Set());
});
