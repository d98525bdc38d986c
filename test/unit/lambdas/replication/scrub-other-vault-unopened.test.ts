import * as path from 'node:path';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { scrubRunSummary } from '../../../../lambdas/replication/scrub-run-summary';
import { damageMessage } from '../../../../lambdas/replication/scrub-runbook';
import { printScrubReport } from '../../../../cli/commands/scrub-command';
import { planStatus } from '../../../../cli/status/plan-status';
import { reasonsNotWithin } from '../../../../cli/status/status-screen';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';
import { capturedCliIo } from '../../../support/captured-cli-io';
import { earlierLosses } from '../../../../lambdas/replication/earlier-losses';
import { scrubOutstandingObjects } from '../../../../lambdas/catalog/scrub-outstanding-count';
import { type OutstandingScrub, type ScrubRunRecord } from '../../../../lambdas/catalog/scrub-record';

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

it('review r65S F3: the alarm for a corrupt object whose other vault could not be opened says to scrub once that vault opens, not now', async () => {
  const [pack] = await listKeys(pair.primary.store, 'data/');
  if (pack === undefined) throw new Error('the pair has a pack');
  await corrupt(pair.primary.store, pack);
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary } });
  const record = scrubRunSummary(report, { environment: 'dev', startedAt: '2026-12-01T00:00:00.000Z', endedAt: '2026-12-01T00:00:01.000Z' }, { unopened: ['dr'] });
  expect(record.outcome).toBe('REPAIRABLE');
  const alarm = damageMessage(report, record, '', ['dr']);
  expect(alarm).toContain(
    '1 object(s) damaged or missing whose other copy is a copy in the other vault, not verified in this run: once the dr vault opens, a scrub with repair verifies and copies it when its slice comes round again, or at once with `lifeboat scrub --fraction 1 --repair`',
  );
  expect(alarm).not.toContain('or now with');
  // Both vaults open, the advice is unchanged.
  expect(damageMessage(report, record)).toContain('not verified in this run: a scrub with repair verifies and copies it when its slice comes round again, or now with `lifeboat scrub --fraction 1 --repair`');
});

/**
 * Review r64T F1 HIGH: the fix above made every object found while the other vault could not be opened unverified, an
 * object an earlier run had found lost (the DR vault lacking it) too: the run REPAIRABLE, no affected backups, status
 * within objectives, run after run while the DR region was down. The earlier loss stands.
 */
describe('an object an earlier run found lost, found again while the other vault cannot be opened', () => {
  const at = (day: number): { environment: string; startedAt: string; endedAt: string } => ({ environment: 'dev', startedAt: `2026-12-0${day}T00:00:00.000Z`, endedAt: `2026-12-0${day}T00:00:01.000Z` });
  const statusOf = (record: ScrubRunRecord): ReturnType<typeof planStatus> => {
    const backup: BackupRecord = {
      backupId: pair.backupId, plan: 'files', environment: 'dev', sourceNames: ['src'], sources: [], strategy: 'incremental', status: 'COMMITTED',
      startedAt: '2026-12-01T10:00:00.000Z', endedAt: '2026-12-01T10:05:00.000Z', shardCount: 1, copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    };
    return planStatus({ plan: { name: 'files', objectives: { rpoMinutes: 1e7, rtoMinutes: 60 } }, backups: [backup], drills: [], latestScrub: record, nextRun: { state: 'disabled', schedule: 'lifeboat-dev-files' }, now: new Date('2026-12-03T04:00:00.000Z') });
  };
  const lostPack = async (): Promise<{ pack: string; first: ScrubRunRecord }> => {
    const [pack] = await listKeys(pair.primary.store, 'data/');
    if (pack === undefined) throw new Error('the pair has a pack');
    await corrupt(pair.primary.store, pack);
    await pair.dr.store.delete(pack);
    const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr } });
    const first = scrubRunSummary(report, at(1));
    expect(first.outcome).toBe('DAMAGED');
    expect(first.outstanding?.objects).toEqual([expect.objectContaining({ vault: 'primary', key: pack, goodCopy: false, backups: [pair.backupId] })]);
    expect(first.outstanding?.objects[0]).not.toHaveProperty('otherCopy');
    return { pack, first };
  };

  it('stays lost, run after run: the run DAMAGED, its backups affected, the plan not within objectives', async () => {
    const { pack, first } = await lostPack();
    let previous = first;
    for (const day of [2, 3]) {
      const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary }, earlierLosses: earlierLosses(previous) });
      const finding = report.findings.find((f) => f.key === pack);
      expect(finding).toMatchObject({ vault: 'primary', problem: 'corrupt', outcome: 'unrepaired' });
      expect(finding).not.toHaveProperty('otherCopy');
      expect(finding?.reason).toBe('the dr vault could not be opened, and an earlier scrub found no good copy of it there: it is still lost; once that vault opens, `lifeboat scrub --fraction 1 --repair` reads its copy again');
      const record = scrubRunSummary(report, at(day), { previous, unopened: ['dr'] });
      expect(record.outcome).toBe('DAMAGED');
      expect(record.affectedBackups).toEqual([pair.backupId]);
      expect(record.outstanding?.objects).toEqual([expect.objectContaining({ vault: 'primary', key: pack, goodCopy: false, since: first.startedAt, backups: [pair.backupId] })]);
      expect(record.outstanding?.objects[0]).not.toHaveProperty('otherCopy');
      const status = statusOf(record);
      expect(status.scrub).toMatchObject({ state: 'ran', outcome: 'DAMAGED', affectedBackupsOfPlan: [pair.backupId] });
      expect(status.withinObjectives).toBe(false);
      expect(damageMessage(report, record)).toMatch(/^DAMAGED/);
      previous = record;
    }
  });

  it('stays lost when the earlier record counted it in a lost group of its key alone, not listed', async () => {
    const { pack, first } = await lostPack();
    // As a record whose listed places were taken: the object counted in a group with no copy.
    const counted: ScrubRunRecord = {
      ...first,
      outstanding: { objects: [], notListed: 1, notListedSince: first.startedAt, notListedGroups: [{ problem: 'corrupt', first: pack, last: pack, vaults: ['primary'], count: 1, since: first.startedAt, cycle: 1, lost: true }] },
    };
    const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary }, earlierLosses: earlierLosses(counted) });
    expect(report.findings.find((f) => f.key === pack)?.reason).toBe('the dr vault could not be opened, and an earlier scrub found no good copy of it there: it is still lost; once that vault opens, `lifeboat scrub --fraction 1 --repair` reads its copy again');
    const record = scrubRunSummary(report, at(2), { previous: counted, unopened: ['dr'] });
    expect(record.outcome).toBe('DAMAGED');
    expect(record.affectedBackups).toEqual([pair.backupId]);
  });

  /**
   * Review r65A F6: a group from before `lost` was kept is lost by the record's last listed object (none listed: lost),
   * as status and the carrying of groups judge it; earlierLosses took only `lost === true`, so the loss went unverified.
   */
  it('stays lost when the earlier record counted it in a group from before the lost flag, with nothing listed', async () => {
    const { pack, first } = await lostPack();
    const counted: ScrubRunRecord = {
      ...first,
      outstanding: { objects: [], notListed: 1, notListedSince: first.startedAt, notListedGroups: [{ problem: 'corrupt', first: pack, last: pack, vaults: ['primary'], count: 1, since: first.startedAt, cycle: 1 }] },
    };
    expect(earlierLosses(counted)('primary', pack, 'corrupt')).toEqual({ kind: 'lost' });
    const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary }, earlierLosses: earlierLosses(counted) });
    expect(report.findings.find((f) => f.key === pack)).not.toHaveProperty('otherCopy');
    const record = scrubRunSummary(report, at(2), { previous: counted, unopened: ['dr'] });
    expect(record.outcome).toBe('DAMAGED');
    expect(record.affectedBackups).toEqual([pair.backupId]);
  });

  /**
   * Review r64AB F2, r64AE F1: a group counts objects in its range, not which. Said unverified with the group recounted,
   * an object within it that really was one of the losses (a group of two or more never spans one key alone) read
   * "within objectives" run after run; taken as lost, a new object there whose DR copy is good was listed as a known loss.
   * Each is unverified now, and the record carries the group as lost (the run DAMAGED, its backups affected) until a run
   * reads the DR vault's copies, which counts its objects afresh.
   */
  it('one within the range of a lost group is unverified while the group is carried as lost, run after run, till a run reads the DR copies', async () => {
    const { pack, first } = await lostPack();
    // `fresh`: damaged in the primary vault only, its DR copy good; `pack`: lost in both.
    const fresh = (await listKeys(pair.primary.store, 'data/')).find((key) => key !== pack);
    if (fresh === undefined) throw new Error('the pair has a second pack');
    await corrupt(pair.primary.store, fresh);
    const [low, high] = [pack, fresh].sort();
    const group = { problem: 'corrupt' as const, first: low ?? pack, last: high ?? fresh, vaults: ['primary' as const], count: 2, since: first.startedAt, cycle: 1, lost: true };
    const counted: ScrubRunRecord = { ...first, outstanding: { objects: [], notListed: 2, notListedSince: first.startedAt, notListedGroups: [group] } };
    let previous = counted;
    for (const day of [2, 3]) {
      const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary }, earlierLosses: earlierLosses(previous) });
      for (const key of [pack, fresh]) {
        const finding = report.findings.find((f) => f.key === key);
        expect(finding).toMatchObject({ outcome: 'unrepaired', otherCopy: 'unverified', inLostGroup: true });
        expect(finding?.reason).toBe(`the dr vault could not be opened, so its copy was not read (not verified) and there is no copy to repair from; an earlier scrub counted 2 damaged or missing objects from ${low} to ${high}, a range that holds its key, some with no good copy in the dr vault: it may be one of them, so that group is kept as lost until a run reads the dr vault's copies: once that vault opens, \`lifeboat scrub --fraction 1 --repair\` verifies and copies it`);
      }
      const record = scrubRunSummary(report, at(day), { previous, unopened: ['dr'] });
      // Never within objectives while a real loss may be among them: DAMAGED, the backups affected, the group kept.
      expect(record.outcome).toBe('DAMAGED');
      expect(record.affectedBackups).toEqual([pair.backupId]);
      expect(record.outstanding?.notListedGroups).toEqual([expect.objectContaining({ first: low, last: high, count: 2, lost: true })]);
      // Neither is listed as a known loss.
      for (const key of [pack, fresh]) expect(record.outstanding?.objects).toContainEqual(expect.objectContaining({ vault: 'primary', key, goodCopy: false, otherCopy: 'unverified' }));
      expect(statusOf(record).withinObjectives).toBe(false);
      // Review r65A F4: the two listed within the carried group's range are not counted beside it ("4 still DAMAGED").
      expect(statusOf(record).scrub).toMatchObject({ outstanding: { objects: 2, outcome: 'DAMAGED' } });
      // Review r65J F2: nor on the scrub-damage alarm's gauge, which counted 4.
      expect(scrubOutstandingObjects(record)).toBe(2);
      // The verdict says why the run is DAMAGED, not "0 object(s) are damaged".
      const { out, err, io } = capturedCliIo();
      printScrubReport(report, record, io, { recorded: true, unopened: ['dr'] });
      const printed = [...out, ...err].join('\n');
      expect(printed).not.toContain('0 object(s) are damaged');
      expect(printed).toContain(`Objects an earlier scrub counted among lost ones may be among those found, so that count is kept as lost (affected backups: "${pair.backupId}"): scrub again with --repair once the dr vault opens.`);
      // Review r65A F2: the alarm sorted them as unverified, saying nothing was lost and to scrub now.
      const alarm = damageMessage(report, record);
      expect(alarm).toContain('Objects an earlier scrub counted among lost ones may be among those found, so that count is kept as lost: 2 object(s) damaged or missing whose other copy was not read; scrub again with --repair to read their other copies');
      expect(alarm).not.toContain('not verified in this run');
      previous = record;
    }
    // A run that reads the DR copies: the new object is repaired from its good copy, the real loss is lost, the group gone.
    const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, earlierLosses: earlierLosses(previous) });
    expect(report.findings.find((f) => f.key === fresh)).toMatchObject({ outcome: 'repaired' });
    expect(report.findings.find((f) => f.key === pack)).toMatchObject({ outcome: 'unrepaired' });
    expect(report.findings.find((f) => f.key === pack)).not.toHaveProperty('otherCopy');
    const record = scrubRunSummary(report, at(4), { previous });
    expect(record.outcome).toBe('DAMAGED');
    expect(record.outstanding?.notListedGroups).toBeUndefined();
    expect(record.outstanding?.objects).toEqual([expect.objectContaining({ vault: 'primary', key: pack, goodCopy: false })]);
    expect(record.outstanding?.objects[0]).not.toHaveProperty('otherCopy');
  });

  /** Two packs lost in both vaults, counted in one lost group by the first run (no listed place left). */
  const lostGroup = async (): Promise<{ counted: ScrubRunRecord; low: string; high: string }> => {
    const { pack, first } = await lostPack();
    const other = (await listKeys(pair.primary.store, 'data/')).sort().find((key) => key !== pack);
    if (other === undefined) throw new Error('the pair has a second pack');
    await corrupt(pair.primary.store, other);
    await pair.dr.store.delete(other);
    const [low = pack, high = other] = [pack, other].sort();
    const group = { problem: 'corrupt' as const, first: low, last: high, vaults: ['primary' as const], count: 2, since: first.startedAt, cycle: 1, lost: true };
    return { counted: { ...first, outstanding: { objects: [], notListed: 2, notListedSince: first.startedAt, notListedGroups: [group] } }, low, high };
  };

  /**
   * Review r65A F1: a deadline that cut the mapping (`backupsNotWorkedOut`) left the objects within the carried lost group
   * with no backups; they have an other copy (unverified), so neither the affected backups nor lostWithoutBackups named
   * them, and the DAMAGED run read "within objectives".
   */
  it('a run whose deadline cut the mapping, carrying a lost group, leaves the plan not within objectives', async () => {
    const { counted } = await lostGroup();
    const read = await scrubVaults({ ...everything, vaults: { primary: pair.primary }, earlierLosses: earlierLosses(counted) });
    // As describeDamageUntil leaves it: no object mapped to a backup.
    const unmapped = (damage: typeof read.damage): typeof read.damage => damage.map((d) => ({ ...d, affects: [] }));
    const report = { ...read, backupsNotWorkedOut: true as const, damage: unmapped(read.damage), archivedCopyDamage: unmapped(read.archivedCopyDamage ?? []) };
    const record = scrubRunSummary(report, at(2), { previous: counted, unopened: ['dr'] });
    expect(record.outcome).toBe('DAMAGED');
    expect(record.affectedBackups).toEqual([]);
    const status = statusOf(record);
    expect(status.scrub).toMatchObject({ state: 'ran', lostNotListed: { count: 2, since: counted.startedAt } });
    expect(status.withinObjectives).toBe(false);
  });

  /**
   * Review r65A F5: a run whose slice does not reach a carried lost group's range is CLEAN with no backups affected; the
   * plan read "within objectives" while its scrub cell said "2 still DAMAGED".
   */
  it('a run whose slice misses a carried lost group leaves the plan not within objectives', async () => {
    const { counted, low, high } = await lostGroup();
    const report = await scrubVaults({ ...everything, fraction: 0.01, vaults: { primary: pair.primary }, earlierLosses: earlierLosses(counted) });
    const record = scrubRunSummary(report, at(2), { previous: counted, unopened: ['dr'] });
    expect(record.outcome).toBe('CLEAN');
    expect(record.outstanding?.notListedGroups).toEqual([expect.objectContaining({ first: low, last: high, count: 2, lost: true })]);
    const status = statusOf(record);
    expect(status.scrub).toMatchObject({ state: 'ran', affectedBackupsOfPlan: [], lostNotListed: { count: 2, since: counted.startedAt }, outstanding: { outcome: 'DAMAGED' } });
    expect(status.withinObjectives).toBe(false);
    expect(reasonsNotWithin(status)).toEqual([expect.stringContaining('2 damaged or missing object(s) found by scrubs since 12-01 00:00Z, some with no good copy in either vault, are only counted')]);
  });

  /** Review r65A F3: a refused read of the other copy of an object within a lost group's range dropped `otherCopyRefused`. */
  it('one within the range of a lost group whose other copy was refused keeps the refusal, and the advice names the permission', async () => {
    // Damaged in the primary vault only; the earlier record counted them in a lost group (as one of a DR vault since restored).
    const packs = (await listKeys(pair.primary.store, 'data/')).sort();
    const [low, high] = [packs[0], packs[packs.length - 1]];
    if (low === undefined || high === undefined || low === high) throw new Error('the pair has two packs');
    for (const key of [low, high]) await corrupt(pair.primary.store, key);
    const first = scrubRunSummary(await scrubVaults({ ...everything, repair: false, vaults: { primary: pair.primary, dr: pair.dr } }), at(1));
    const group = { problem: 'corrupt' as const, first: low, last: high, vaults: ['primary' as const], count: 2, since: first.startedAt, cycle: 1, lost: true };
    const counted: ScrubRunRecord = { ...first, outcome: 'DAMAGED', outstanding: { objects: [], notListed: 2, notListedSince: first.startedAt, notListedGroups: [group] } };
    const get = pair.dr.store.get.bind(pair.dr.store);
    pair.dr.store.get = (key, range) => (key === low || key === high ? Promise.reject(DENIED) : get(key, range));
    const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, earlierLosses: earlierLosses(counted) });
    for (const key of [low, high]) expect(report.findings.find((f) => f.key === key)).toMatchObject({ otherCopy: 'unverified', otherCopyRefused: true, inLostGroup: true });
    const record = scrubRunSummary(report, at(2), { previous: counted });
    expect(record.outcome).toBe('DAMAGED');
    for (const key of [low, high]) expect(record.outstanding?.objects).toContainEqual(expect.objectContaining({ key, otherCopy: 'unverified', otherCopyRefused: true }));
    expect(damageMessage(report, record)).toContain('kept as lost: 2 object(s) damaged or missing whose other copy was not read; fix the permission the reason names, then scrub again with --repair');
    const { out, err, io } = capturedCliIo();
    printScrubReport(report, record, io, { recorded: true, unopened: [] });
    expect([...out, ...err].join('\n')).toContain('so that count is kept as lost (affected backups: "' + pair.backupId + '"): fix the permission the reason names, then scrub again with --repair');
  });

  /** Review r65A F7: with a real listed loss beside them, the verdict said nothing of the group kept as lost. */
  it('a listed loss and objects within a lost group: the verdict names both', async () => {
    const { pack, first } = await lostPack();
    const others = (await listKeys(pair.primary.store, 'data/')).filter((key) => key !== pack).sort();
    const [low, high] = [others[0], others[others.length - 1]];
    if (low === undefined || high === undefined || low === high) throw new Error('the pair has three packs');
    for (const key of [low, high]) await corrupt(pair.primary.store, key);
    const group = { problem: 'corrupt' as const, first: low, last: high, vaults: ['primary' as const], count: 2, since: first.startedAt, cycle: 1, lost: true };
    const previous: ScrubRunRecord = { ...first, outstanding: { ...(first.outstanding as OutstandingScrub), notListed: 2, notListedSince: first.startedAt, notListedGroups: [group] } };
    const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary }, earlierLosses: earlierLosses(previous) });
    const record = scrubRunSummary(report, at(2), { previous, unopened: ['dr'] });
    const { out, err, io } = capturedCliIo();
    printScrubReport(report, record, io, { recorded: true, unopened: ['dr'] });
    const printed = [...out, ...err].join('\n');
    expect(printed).toContain('1 object(s) are damaged or missing, and the dr vault, which could not be opened, was not searched for a good copy');
    expect(printed).toContain('Objects an earlier scrub counted among lost ones may be among those found, so that count is kept as lost');
  });

  it('an object with an earlier unverified verdict, or none, is unverified', async () => {
    const { pack, first } = await lostPack();
    const unverified: ScrubRunRecord = { ...first, outstanding: { ...(first.outstanding as OutstandingScrub), objects: (first.outstanding as OutstandingScrub).objects.map((o) => ({ ...o, otherCopy: 'unverified' as const })) } };
    for (const previous of [unverified, undefined]) {
      const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary }, earlierLosses: earlierLosses(previous) });
      expect(report.findings.find((f) => f.key === pack)).toMatchObject({ otherCopy: 'unverified' });
      expect(scrubRunSummary(report, at(2), { previous, unopened: ['dr'] }).outcome).toBe('REPAIRABLE');
    }
  });
});

/**
 * Review r64T F2: a stop of the damage mapping named an object found while the other vault could not be opened as left
 * unread because "the repair's cutoff came first": the run had no cutoff, the vault did not open.
 */
it("a refused mapping read names an object whose other vault did not open as such, not as the repair cutoff's", async () => {
  const [pack] = await listKeys(pair.primary.store, 'data/');
  if (pack === undefined) throw new Error('the pair has a pack');
  await corrupt(pair.primary.store, pack);
  // The mapping's reads of snapshots and manifests (after the check's own first read of each) are refused.
  const denied = Object.assign(new Error('User: x is not authorized to perform: kms:Decrypt'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  const seen = new Map<string, number>();
  const get = pair.primary.store.get.bind(pair.primary.store);
  pair.primary.store.get = (key, range) => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return (key.startsWith('manifest/') || key.startsWith('snapshots/')) && n >= 2 ? Promise.reject(denied) : get(key, range);
  };
  const run = scrubVaults({ ...everything, concurrency: 1, vaults: { primary: pair.primary } });
  await expect(run).rejects.toThrow(`${pack} (primary; its copy unverified: the dr vault could not be opened)`);
  await expect(run).rejects.not.toThrow('cutoff');
});
