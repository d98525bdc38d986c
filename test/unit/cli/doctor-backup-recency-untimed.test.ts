import { checkLastBackup } from '../../../cli/doctor/backup-recency-checks';
import { type DoctorContext } from '../../../cli/doctor/doctor-context';
import { type ProtectionPlanConfig } from '../../../config/lifeboat-config';
import { type BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';

/**
 * The doctor's `last backup` line judges the newest committed backup by the instant its start stands for, and passes
 * over a record whose startedAt is no time: taken first in the catalog's text order, it was aged NaN, and `NaN > RPO`
 * false said "within the RPO" while the real newest backup was 3 days old (review r64Z F1).
 */

const NOW = new Date('2026-11-30T12:00:00.000Z');
const PLAN = { name: 'demo', objectives: { rpoMinutes: 60, rtoMinutes: 60 } } as unknown as ProtectionPlanConfig;
const ctx = {
  lifeboat: (command: string) => `lifeboat ${command}`,
  request: { mode: 'local', envName: 'dev', dataDir: '.lifeboat' },
  environment: { primaryRegion: 'us-east-1', drRegion: 'us-west-2' },
  names: { catalogTable: 'lifeboat-dev-catalog', drVault: 'lifeboat-dev-dr-vault' },
} as unknown as DoctorContext;

function record(backupId: string, startedAt: string, overrides: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId,
    plan: 'demo',
    environment: 'dev',
    sourceNames: ['a'],
    sources: [],
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt,
    endedAt: startedAt,
    shardCount: 1,
    totals: { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 },
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    ...overrides,
  };
}

const catalogOf = (records: BackupRecord[]) => ({ listBackupsOfPlan: () => Promise.resolve(records) }) as unknown as BackupCatalog;

it('passes over a record whose startedAt is not a time, names it, and ages the real newest backup against the RPO', async () => {
  // Catalog (text) order: 'hand-edited' sorts before every ISO start.
  const records = [record('hand-edited', 'hand-edited'), record('real-newest', '2026-11-27T12:00:00.000Z', { copies: { primary: 'COMMITTED', dr: 'FAILED' } })];
  const [last, dr] = await checkLastBackup(catalogOf(records), ctx, PLAN, NOW);
  expect(last).toMatchObject({
    verdict: 'warn',
    detail: 'real-newest (incremental) started 3 d ago, older than the RPO 1 h; hand-edited (COMMITTED) has a startedAt that is not a time: the record was written by hand or damaged (not counted)',
  });
  expect(last?.fix).toContain('see lifeboat backups list --plan demo, and fix the startedAt of that record');
  expect(dr).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('replication of real-newest to the DR vault failed') });
});

it('takes the newest committed backup by instant, not by the text of its start', async () => {
  // '2026-11-30T12:30:00+02:00' is 10:30Z, newer than 10:00Z, but sorts after it as text.
  const records = [record('older', '2026-11-30T10:00:00.000Z', { copies: { primary: 'COMMITTED', dr: 'PENDING' } }), record('newer', '2026-11-30T12:30:00+02:00')];
  const [last, dr] = await checkLastBackup(catalogOf(records), ctx, { ...PLAN, objectives: { rpoMinutes: 1440, rtoMinutes: 60 } } as ProtectionPlanConfig, NOW);
  expect(last).toMatchObject({ verdict: 'ok', detail: 'newer (incremental) started 1 h 30 min ago, within the RPO 24 h' });
  expect(dr).toMatchObject({ verdict: 'ok', detail: expect.stringContaining('newer is committed in the DR vault') });
});

it('says a plan whose only committed record has no time has no committed backup to judge, and names the record', async () => {
  const [last, dr] = await checkLastBackup(catalogOf([record('hand-edited', 'hand-edited')]), ctx, PLAN, NOW);
  expect(last).toMatchObject({ verdict: 'warn', detail: 'plan demo has no committed backup yet; hand-edited (COMMITTED) has a startedAt that is not a time: the record was written by hand or damaged (not counted)' });
  expect(dr).toMatchObject({ verdict: 'skipped' });
  // f65E (5): the dr copy line said 'no committed backup yet' of a plan whose committed backups are there, untimed.
  expect(dr).toMatchObject({ detail: "the plan's 1 committed backup(s) have starts that are no time, so none can be judged the newest (see last backup demo)" });
});

it('f65N (r65E F6): the dr copy line says the committed backups start in the future, not "no committed backup yet"', async () => {
  const ahead = record('ahead', '2027-11-30T12:00:00.000Z');
  const [, dr] = await checkLastBackup(catalogOf([ahead]), ctx, PLAN, NOW);
  expect(dr).toMatchObject({ detail: "the plan's 1 committed backup(s) start in the future, so none can be judged the newest (see last backup demo)" });
  const [, both] = await checkLastBackup(catalogOf([ahead, record('hand-edited', 'hand-edited')]), ctx, PLAN, NOW);
  expect(both).toMatchObject({ detail: "the plan's 1 committed backup(s) have starts that are no time and 1 committed backup(s) start in the future, so none can be judged the newest (see last backup demo)" });
});
