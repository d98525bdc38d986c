import * as path from 'node:path';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { scrubRunSummary } from '../../../../lambdas/replication/scrub-run-summary';
import { damageMessage } from '../../../../lambdas/replication/scrub-runbook';
import { printScrubReport } from '../../../../cli/commands/scrub-command';
import { planStatus } from '../../../../cli/status/plan-status';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';
import { capturedCliIo } from '../../../support/captured-cli-io';

/**
 * Review r64P F2: a run of one vault whose other vault could not be opened (the DR region down) recorded each corrupt
 * object it read as lost, with no copy: the run DAMAGED, the plan ✗ "no good copy in either vault", and an earlier run's
 * knowledge of that copy (its read refused) dropped, though the other copy was never read. It is an unverified copy now,
 * its reason naming the vault that did not open, the earlier refusal kept.
 */

let dir: string;
let pair: VaultPair;
beforeEach(async () => {
  dir = await tempDir('scrub-unopened');
  pair = await scrubVaultPair(path.join(dir, 'src'));
});
afterEach(async () => removeDir(dir));

const everything = { scope: 'primary', fraction: 1, cursor: FIRST_SCRUB_CURSOR, repair: true } as const;
const DENIED = Object.assign(new Error('User: x is not authorized to perform: s3:GetObject'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

it("a corrupt object whose other vault could not be opened is recorded unverified, not lost, keeping an earlier run's refusal", async () => {
  const [pack] = await listKeys(pair.primary.store, 'data/');
  if (pack === undefined) throw new Error('the pair has a pack');
  await corrupt(pair.primary.store, pack);
  // Run 1, both vaults open: the DR copy's read is refused.
  const get = pair.dr.store.get.bind(pair.dr.store);
  pair.dr.store.get = (key, range) => (key === pack ? Promise.reject(DENIED) : get(key, range));
  const first = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr } });
  const before = scrubRunSummary(first, { environment: 'dev', startedAt: '2026-12-01T00:00:00.000Z', endedAt: '2026-12-01T00:00:01.000Z' });
  expect(before.outstanding?.objects).toEqual([expect.objectContaining({ key: pack, otherCopy: 'unverified', otherCopyRefused: true })]);

  // Run 2, the DR vault could not be opened.
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary } });
  const finding = report.findings.find((f) => f.key === pack);
  expect(finding).toMatchObject({ vault: 'primary', problem: 'corrupt', outcome: 'unrepaired', otherCopy: 'unverified' });
  expect(finding?.reason).toBe('the dr vault could not be opened, so its copy was not read (not verified, not known lost) and there is no copy to repair from: once it opens, `lifeboat scrub --fraction 1 --repair` verifies and copies it');
  const record = scrubRunSummary(report, { environment: 'dev', startedAt: '2026-12-02T00:00:00.000Z', endedAt: '2026-12-02T00:00:01.000Z' }, { previous: before, unopened: ['dr'] });
  expect(record.outcome).toBe('REPAIRABLE');
  expect(record.outstanding?.objects).toEqual([expect.objectContaining({ vault: 'primary', key: pack, goodCopy: false, otherCopy: 'unverified', otherCopyRefused: true, backups: [pair.backupId] })]);

  // Status: the plan is not judged by a lost object.
  const backup: BackupRecord = {
    backupId: pair.backupId, plan: 'files', environment: 'dev', sourceNames: ['src'], sources: [], strategy: 'incremental', status: 'COMMITTED',
    startedAt: '2026-03-01T10:00:00.000Z', endedAt: '2026-03-01T10:05:00.000Z', shardCount: 1, copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
  const status = planStatus({ plan: { name: 'files', objectives: { rpoMinutes: 1e7, rtoMinutes: 60 } }, backups: [backup], drills: [], latestScrub: record, nextRun: { state: 'disabled', schedule: 'lifeboat-dev-files' }, now: new Date('2026-12-02T04:00:00.000Z') });
  expect(status.scrub).toMatchObject({ state: 'ran', outcome: 'REPAIRABLE', affectedBackupsOfPlan: [], refusedCopyBackupsOfPlan: [pair.backupId] });

  // The alarm's message and the CLI's verdict say the copy was not read, never that there is no good copy.
  const alarm = damageMessage(report, record);
  expect(alarm).not.toContain('no good copy in either vault');
  expect(alarm).toContain('the dr vault could not be opened');
  const { out, err, io } = capturedCliIo();
  printScrubReport(report, record, io, { recorded: true, unopened: ['dr'] });
  const printed = [...out, ...err].join('\n');
  expect(printed).not.toContain('no good copy in either vault');
  expect(printed).toContain('the dr vault, which could not be opened, was not searched for a good copy: scrub again with --repair once it opens.');
});
