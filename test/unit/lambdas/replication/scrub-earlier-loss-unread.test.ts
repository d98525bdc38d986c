import * as path from 'node:path';
import { scrubVaults, type ScrubVaultsOptions } from '../../../../lambdas/replication/scrub-vaults';
import { scrubRunSummary } from '../../../../lambdas/replication/scrub-run-summary';
import { planStatus } from '../../../../cli/status/plan-status';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type ScrubRunRecord } from '../../../../lambdas/catalog/scrub-record';
import { earlierLosses } from '../../../../lambdas/replication/earlier-losses';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r64AB F1 HIGH: an object an earlier run found lost (corrupt in both vaults) that a later run left unread in the
 * other vault, the repair cutoff coming first or that read refused, was recorded with an unverified other copy: the run
 * REPAIRABLE, no affected backups, the plan within objectives, and (earlierLosses passing over an entry with an other
 * copy) every later run whose other vault could not be opened took it as not known lost. Unread, it stays lost.
 */

let dir: string;
let pair: VaultPair;
beforeEach(async () => {
  dir = await tempDir('scrub-earlier-loss-unread');
  pair = await scrubVaultPair(path.join(dir, 'src'));
});
afterEach(async () => removeDir(dir));

const everything = { scope: 'primary', fraction: 1, cursor: FIRST_SCRUB_CURSOR, repair: true } as const;
const at = (day: number): { environment: string; startedAt: string; endedAt: string } => ({ environment: 'dev', startedAt: `2026-12-0${day}T00:00:00.000Z`, endedAt: `2026-12-0${day}T00:00:01.000Z` });
const statusOf = (record: ScrubRunRecord): ReturnType<typeof planStatus> => {
  const backup: BackupRecord = {
    backupId: pair.backupId, plan: 'files', environment: 'dev', sourceNames: ['src'], sources: [], strategy: 'incremental', status: 'COMMITTED',
    startedAt: '2026-12-01T10:00:00.000Z', endedAt: '2026-12-01T10:05:00.000Z', shardCount: 1, copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
  return planStatus({ plan: { name: 'files', objectives: { rpoMinutes: 1e7, rtoMinutes: 60 } }, backups: [backup], drills: [], latestScrub: record, nextRun: { state: 'disabled', schedule: 'lifeboat-dev-files' }, now: new Date('2026-12-04T04:00:00.000Z') });
};

/** Run 1, both vaults open: the pack is corrupt in both, lost. */
const lostPack = async (): Promise<{ pack: string; first: ScrubRunRecord }> => {
  const [pack] = await listKeys(pair.primary.store, 'data/');
  if (pack === undefined) throw new Error('the pair has a pack');
  await corrupt(pair.primary.store, pack);
  await corrupt(pair.dr.store, pack);
  const first = scrubRunSummary(await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr } }), at(1));
  expect(first.outcome).toBe('DAMAGED');
  expect(first.outstanding?.objects).toEqual([expect.objectContaining({ vault: 'primary', key: pack, goodCopy: false })]);
  expect(first.outstanding?.objects[0]).not.toHaveProperty('otherCopy');
  return { pack, first };
};

/** Run 2 (`run2`, both vaults open, the DR copy unread) and run 3 (the DR vault not opened): the object stays lost in both. */
async function staysLost(pack: string, first: ScrubRunRecord, run2: Partial<ScrubVaultsOptions>, reason: RegExp): Promise<void> {
  const second = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, earlierLosses: earlierLosses(first), ...run2 });
  const finding = second.findings.find((f) => f.key === pack);
  expect(finding).toMatchObject({ vault: 'primary', problem: 'corrupt', outcome: 'unrepaired' });
  expect(finding).not.toHaveProperty('otherCopy');
  expect(finding?.reason).toMatch(reason);
  expect(finding?.reason).toContain('an earlier scrub found no good copy of it there: it is still lost');
  const record2 = scrubRunSummary(second, at(2), { previous: first });
  expect(record2.outcome).toBe('DAMAGED');
  expect(record2.affectedBackups).toEqual([pair.backupId]);
  expect(record2.outstanding?.objects[0]).not.toHaveProperty('otherCopy');
  expect(statusOf(record2).withinObjectives).toBe(false);

  const third = await scrubVaults({ ...everything, vaults: { primary: pair.primary }, earlierLosses: earlierLosses(record2) });
  expect(third.findings.find((f) => f.key === pack)?.reason).toContain('the dr vault could not be opened, and an earlier scrub found no good copy of it there: it is still lost');
  const record3 = scrubRunSummary(third, at(3), { previous: record2, unopened: ['dr'] });
  expect(record3.outcome).toBe('DAMAGED');
  expect(record3.affectedBackups).toEqual([pair.backupId]);
  expect(statusOf(record3).scrub).toMatchObject({ state: 'ran', outcome: 'DAMAGED', affectedBackupsOfPlan: [pair.backupId] });
  expect(statusOf(record3).withinObjectives).toBe(false);
}

it('one reached after the repair cutoff stays lost, and so in the next run whose other vault cannot be opened', async () => {
  const { pack, first } = await lostPack();
  // A clock of its own: once the slice has read the pack, it stands past the repair cutoff (deadline less 60 s).
  const deadline = 10 * 60_000;
  let clock = 0;
  const get = pair.primary.store.get.bind(pair.primary.store);
  pair.primary.store.get = (key, range) => {
    const read = get(key, range);
    if (key === pack) clock = deadline - 30_000;
    return read;
  };
  await staysLost(pack, first, { deadline, now: () => clock }, /^the run's deadline came first, so the dr vault's copy was not read, and /);
});

it('one whose other copy’s read is refused stays lost, and so in the next run whose other vault cannot be opened', async () => {
  const { pack, first } = await lostPack();
  const denied = Object.assign(new Error('User: x is not authorized to perform: kms:Decrypt'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  const get = pair.dr.store.get.bind(pair.dr.store);
  pair.dr.store.get = (key, range) => (key === pack ? Promise.reject(denied) : get(key, range));
  await staysLost(pack, first, {}, /^reading the dr vault's copy was refused \(kms:Decrypt: .*; its copy unread, an earlier scrub found/);
});
