import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { forgetLostLines } from '../../../../cli/commands/backups-forget-lost';
import { BackupBeingForgottenError } from '../../../../lambdas/catalog/backup-being-forgotten-error';
import { BackupCatalog, type InvalidBackupItem } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { CatalogItemInvalidError, ForgottenBackupError } from '../../../../lambdas/catalog/catalog-errors';
import { forgetLostBackup, type ForgetLostBackupDeps } from '../../../../lambdas/retention/forget-lost-backup';

/**
 * Review r64L F4: a catalog item under a valid key (`BACKUP#<id>`) could carry another backupId, any text, which every
 * reader printed raw: `backups forget --lost`'s refusal, a restore's, verify's and a drill's ForgottenBackupError (with
 * its forgottenAt). An ESC in it rewrote the operator's terminal line. The catalog now reads such an item as damaged,
 * and the refusals name the id asked for and show a record's times as the instants they parse to.
 */

const SAFE = '20261130T000000Z-1a2b3c4d';
const FORGED = `${SAFE}\u001b[2K\r\u001b[32mforgotten? no: restored OK\u001b[0m`;
const FORGED_TIME = 'Nov 30 2026 00:00 GMT (\u001b[8m)';

function record(overrides: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId: SAFE,
    plan: 'demo',
    environment: 'dev',
    sourceNames: ['a'],
    sources: [{ name: 'a', type: 's3', snapshotId: 's', rootHash: 'r', entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt: '2026-11-30T00:00:00.000Z',
    shardCount: 1,
    ...overrides,
  };
}

const ddb = mockClient(DynamoDBDocumentClient);
const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'catalog');
beforeEach(() => ddb.reset());

describe('a backup record whose backupId is not its key', () => {
  it('is read as damaged, naming the key asked for and the field', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: `BACKUP#${SAFE}`, sk: 'BACKUP', ...record({ backupId: FORGED }) } });
    const read = catalog.getBackup(SAFE);
    await expect(read).rejects.toThrow(CatalogItemInvalidError);
    await expect(read).rejects.toThrow(`Catalog item BACKUP#${SAFE} / BACKUP in table catalog is not a valid backup record: backupId: is not the backup id its key (pk) names.`);
  });

  it('is passed over by a listing, as any damaged record', async () => {
    const good = record({ backupId: '20261129T000000Z-00000001' });
    ddb.on(QueryCommand).resolves({ Items: [{ pk: `BACKUP#${SAFE}`, sk: 'BACKUP', ...record({ backupId: FORGED }) }, { pk: `BACKUP#${good.backupId}`, sk: 'BACKUP', ...good }] });
    const invalid: InvalidBackupItem[] = [];
    await expect(catalog.listBackupsOfPlan('demo', { onInvalid: (i) => invalid.push(i) })).resolves.toEqual([good]);
    expect(invalid.map((i) => i.key)).toEqual([{ pk: `BACKUP#${SAFE}`, sk: 'BACKUP' }]);
  });
});

describe('refusals that name a forgotten backup', () => {
  it('show the id escaped and cut, and the time as the instant it parses to', () => {
    for (const error of [new ForgottenBackupError(FORGED, FORGED_TIME, 'primary'), new BackupBeingForgottenError(FORGED, FORGED_TIME, 'dr')]) {
      expect([...error.message].filter((c) => c < ' ')).toEqual([]);
      expect(error.message).toContain(`Backup ${SAFE}\\u001b[2…tored OK\\u001b[0m (cut from 65 characters, sha256 `);
      expect(error.message).toContain('by retention ');
      expect(error.message).toContain('2026-11-30T00:00:00.000Z: its snapshots ');
      expect(error.message).not.toContain('[8m');
    }
    expect(new ForgottenBackupError(SAFE, '(not a time)', 'primary').message).toContain(`Backup ${SAFE} was forgotten by retention at a forgottenAt that is not a time:`);
    expect(new ForgottenBackupError(SAFE, '2026-11-30T00:00:00Z', 'primary').message).toContain(`Backup ${SAFE} was forgotten by retention at 2026-11-30T00:00:00.000Z:`);
  });

  it("forget --lost's refusal of a held backup names the id asked for, whatever the record's own", async () => {
    const held = record({ backupId: FORGED, hold: { reason: 'r', by: 'b', at: '2026-11-30T00:00:00Z' } });
    const deps = { vault: 'primary', catalog: { getBackup: () => Promise.resolve(held) }, now: new Date('2026-12-01T00:00:00Z'), targetOptions: '' } as unknown as ForgetLostBackupDeps;
    const refused = forgetLostBackup(SAFE, deps);
    await expect(refused).rejects.toThrow(`backup ${SAFE} was not forgotten: it is on legal hold ("r", by b): release it first (\`lifeboat backups release ${SAFE}\`)`);
  });

  it("forget --lost's lines show a forgottenAt as the instant it parses to", () => {
    const report = { vault: 'primary' as const, backupId: SAFE, dryRun: false, snapshots: [], deletedObjects: 0, forgotten: false };
    const target = { config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat', aws: false };
    expect(forgetLostLines({ ...report, forgottenBefore: FORGED_TIME }, target)).toEqual([`Backup ${SAFE} was forgotten from the primary vault already (at 2026-11-30T00:00:00.000Z): nothing to do.`]);
    expect(forgetLostLines({ ...report, forgottenBefore: 'soon' }, target)).toEqual([`Backup ${SAFE} was forgotten from the primary vault already (at a forgottenAt that is not a time): nothing to do.`]);
    expect(forgetLostLines({ ...report, forgotten: true }, target, FORGED_TIME).join('\n')).not.toContain('\u001b');
  });
});
