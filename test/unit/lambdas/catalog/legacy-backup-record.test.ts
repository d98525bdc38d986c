import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { BackupCatalog, type InvalidBackupItem } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord, isPreVaultBackupItem, salvageBackupItem } from '../../../../lambdas/catalog/backup-record';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { watchBackupAges } from '../../../../lambdas/operations/backup-age-watch';
import { newestBackupRecordedIn } from '../../../../lambdas/replication/absent-vault';
import { capturedStdout } from '../../../support/captured-stdout';

/**
 * Audit R31 F1: a backup item of the versions before the vault (`sources` as names, no `sourceNames`) is told from a
 * damaged one, and what an invalid item still tells (its snapshots, a hold, forgotten) is read from its attributes;
 * listBackupsOfPlan passes over invalid items, handing each to onInvalid with that, and returns the others.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'catalog');
beforeEach(() => ddb.reset());

const legacy = { pk: 'BACKUP#20261124T120000Z-0000aaaa', sk: 'BACKUP', backupId: '20261124T120000Z-0000aaaa', plan: 'demo', environment: 'dev', sources: ['demo-assets', 'demo-files'], strategy: 'full', status: 'COMMITTED', startedAt: '2026-11-24T12:00:00.000Z', shardCount: 2 };
const totals = { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
const valid: BackupRecord = {
  backupId: '20261201T000000Z-00000001',
  plan: 'demo',
  environment: 'dev',
  sourceNames: ['demo-files'],
  sources: [{ name: 'demo-files', type: 'filesystem', snapshotId: 'a'.repeat(64), rootHash: 'r', ...totals }],
  strategy: 'full',
  status: 'COMMITTED',
  startedAt: '2026-12-01T00:00:00.000Z',
  shardCount: 1,
};
const damaged = { pk: 'BACKUP#b-2', sk: 'BACKUP', ...valid, backupId: 'b-2', status: 'DONE', hold: { reason: 'case 1' }, sources: [{ snapshotId: 'b'.repeat(64) }, { name: 'x' }, 'c'] };

describe('isPreVaultBackupItem', () => {
  it('is the 2026-11-24 shape only: names in sources, no sourceNames', () => {
    expect(isPreVaultBackupItem(legacy)).toBe(true);
    expect(isPreVaultBackupItem({ ...legacy, sourceNames: ['demo-files'] })).toBe(false);
    expect(isPreVaultBackupItem({ ...legacy, sources: [] })).toBe(false);
    expect(isPreVaultBackupItem({ ...valid, sourceNames: undefined })).toBe(false);
    expect(isPreVaultBackupItem(damaged)).toBe(false);
  });
});

describe('salvageBackupItem', () => {
  it('reads the backup id, startedAt, the snapshot ids that are strings, a hold attribute of any shape, and forgottenAt', () => {
    expect(salvageBackupItem(damaged)).toEqual({ backupId: 'b-2', startedAt: damaged.startedAt, preVault: false, mayBeHeld: true, forgotten: false, snapshotIds: ['b'.repeat(64)], snapshotIdsComplete: false });
    expect(salvageBackupItem(legacy)).toEqual({ backupId: legacy.backupId, startedAt: legacy.startedAt, preVault: true, mayBeHeld: false, forgotten: false, snapshotIds: [], snapshotIdsComplete: false });
    expect(salvageBackupItem({ pk: 'BACKUP#?', sk: 'BACKUP', backupId: 7, forgottenAt: '2026-12-02T00:00:00.000Z', sources: 'x' })).toEqual({ preVault: false, mayBeHeld: false, forgotten: true, snapshotIds: [], snapshotIdsComplete: false });
  });

  // Review r61A F2: absent, null, '' and false mark no forget. Review r61L F1-F3: nor do a number, a map, a list or true
  // (read as a forget, the prune condemned a committed backup's data and failover chose an older backup unwarned): only
  // a non-empty string, as the prune's check read it before c6c1502c.
  it('reads only a non-empty string forgottenAt as a forget, any other value as none; snapshot ids complete by the ids alone', () => {
    const forgottenOf = (forgottenAt: unknown) => salvageBackupItem({ ...damaged, forgottenAt }).forgotten;
    expect([undefined, null, '', false, 0, 1772668800, {}, { at: 1 }, [], ['2026-12-02T00:00:00.000Z'], true].map(forgottenOf)).toEqual(Array(11).fill(false));
    expect(['2026-12-02T00:00:00.000Z', 'not a time'].map(forgottenOf)).toEqual([true, true]);
    expect(salvageBackupItem({ ...damaged, sources: [{ snapshotId: 'c'.repeat(64) }] }).snapshotIdsComplete).toBe(true);
    expect(salvageBackupItem({ ...damaged, sources: [] }).snapshotIdsComplete).toBe(false);
  });
});

describe('listBackupsOfPlan', () => {
  it('returns the valid records and hands each invalid item to onInvalid, the pre-vault one with its own advice', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk: `BACKUP#${valid.backupId}`, sk: 'BACKUP', ...valid }, damaged, legacy] });
    const invalid: InvalidBackupItem[] = [];
    await expect(catalog.listBackupsOfPlan('demo', { onInvalid: (i) => invalid.push(i) })).resolves.toEqual([valid]);
    expect(invalid.map((i) => [i.key, i.backupId, i.preVault, i.mayBeHeld, i.snapshotIds])).toEqual([
      [{ pk: 'BACKUP#b-2', sk: 'BACKUP' }, 'b-2', false, true, ['b'.repeat(64)]],
      [{ pk: legacy.pk, sk: 'BACKUP' }, legacy.backupId, true, false, []],
    ]);
    expect(invalid.map((i) => i.error)).toEqual([expect.any(CatalogItemInvalidError), expect.any(CatalogItemInvalidError)]);
    expect(invalid[0]?.error.message).toMatch(/^Catalog item BACKUP#b-2 \/ BACKUP in table catalog is not a valid backup record: .*Fix or delete the item \(the vault keeps the backup itself\)/);
    expect(invalid[1]?.error.message).toBe(
      `Catalog item ${legacy.pk} / BACKUP in table catalog is a record from before the vault (2026-11-25): the vault holds nothing of it; delete the item (docs/DEPLOYMENT.md, "Upgrades"; \`lifeboat doctor\` prints the command).`,
    );
  });

  it('by default writes one warning line per item passed over', async () => {
    ddb.on(QueryCommand).resolves({ Items: [legacy, { pk: `BACKUP#${valid.backupId}`, sk: 'BACKUP', ...valid }] });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await expect(catalog.listBackupsOfPlan('demo')).resolves.toEqual([valid]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(JSON.parse(String(warn.mock.calls[0]?.[0]))).toEqual({ level: 'WARN', item: `${legacy.pk} / BACKUP`, message: expect.stringMatching(/^passed over: Catalog item BACKUP#20261124T120000Z-0000aaaa \/ BACKUP in table catalog is a record from before the vault/) });
    } finally {
      warn.mockRestore();
    }
  });
});

describe('newestBackupsOfPlan', () => {
  const validItem = { pk: `BACKUP#${valid.backupId}`, sk: 'BACKUP', ...valid };

  it('yields a record from before the vault as not valid, with its own advice, as listBackupsOfPlan passes it over: never as a backup', async () => {
    ddb.on(QueryCommand).resolves({ Items: [validItem, legacy] });
    const reads = [];
    for await (const read of catalog.newestBackupsOfPlan('demo')) reads.push(read);
    expect(reads).toEqual([{ head: { backupId: valid.backupId, plan: 'demo', status: 'COMMITTED', startedAt: valid.startedAt } }, { invalid: expect.any(CatalogItemInvalidError) }]);
    const invalid = reads[1] !== undefined && 'invalid' in reads[1] ? reads[1].invalid : undefined;
    expect(invalid?.preVault).toBe(true);
    expect(invalid?.message).toMatch(/^Catalog item BACKUP#20261124T120000Z-0000aaaa \/ BACKUP in table catalog is a record from before the vault \(2026-11-25\): the vault holds nothing of it; delete the item/);
    // What tells it, read in a few bytes of each item: the first of its sources and of its source names.
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.ProjectionExpression).toMatch(/#sourceNames\[0\], #sources\[0\]/);
  });

  it('so the age watch measures no backup of a plan that has only a record from before the vault, and says why', async () => {
    ddb.on(QueryCommand).resolves({ Items: [legacy] });
    const warnings: string[] = [];
    let ages: Awaited<ReturnType<typeof watchBackupAges>> = [];
    const stdout = await capturedStdout(async () => {
      ages = await watchBackupAges('dev', [{ name: 'demo' }], { catalog, now: () => new Date('2026-12-01T00:00:00.000Z'), warn: (m) => warnings.push(m) });
    });
    // No LastCommittedBackupAge of a backup no vault holds: its alarm sees the plan without backups (missing data).
    expect(ages).toEqual([{ plan: 'demo' }]);
    expect(stdout).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/^Backup age watch of plan "demo" passed over a catalog record it cannot read: .* is a record from before the vault/)]);
  });

  it('so a primary vault not created yet in an environment upgraded from before the vault is not taken as emptied', async () => {
    ddb.on(QueryCommand).resolves({ Items: [legacy] });
    await expect(newestBackupRecordedIn('primary', catalog, ['demo'])).resolves.toBeUndefined();
  });
});
