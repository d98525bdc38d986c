import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { cleanUpFailedBackupSnapshots } from '../../../../lambdas/backup/failed-snapshots-cleanup';
import { BackupWorkspace } from '../../../../lambdas/backup/backup-workspace';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { type InvalidBackupItem } from '../../../../lambdas/catalog/backup-catalog';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { discardedSnapshotsIn, discardedSnapshotsOf } from '../../../../lambdas/replication/discarded-snapshots';
import { planOutcomeBytes, planOutcomeOf, PlanOutcomes, planOutcomesBudgetBytes } from '../../../../lambdas/replication/plan-outcomes';
import { runScrubRunbook, snapshotsNotWorkedOutNotes } from '../../../../lambdas/replication/scrub-runbook';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { COPY_BACK_RESERVE_MS, DAMAGE_MAPPING_MARGIN_MS, DISCARDED_READS_MARGIN_MS } from '../../../../lambdas/replication/scrub-time-reserves';
import { DISCARDED_NOT_READ_REASON } from '../../../../lambdas/replication/lacked-snapshot-records';
import { readAfterWorkOutReason } from '../../../../lambdas/replication/vault-needs-work-out';
import { replicateVault } from '../../../../lambdas/replication/replicate-vault';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { scrubRunSummary } from '../../../../lambdas/replication/scrub-run-summary';
import { type ScrubRunRecord } from '../../../../lambdas/catalog/scrub-record';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';
import { catalogRecord, MemoryPrimaryCatalog } from './memory-primary-catalog';

/**
 * Review r7 F3: a Replicate pass copies a run's snapshot to the DR vault while the run is still RUNNING; its commit then
 * fails and Record failure deletes the snapshot from the primary vault (cleanUpFailedBackupSnapshots). The scrub must
 * not copy it back: it is a FAILED backup's, deleted on purpose. In-memory vaults (scrub-vault-pair) and catalog.
 */

let dir: string;
let pair: VaultPair;
let catalog: MemoryPrimaryCatalog;
const BACKUP = 'b-failed';

const recordOf = (backupId: string, status: BackupRecord['status'], snapshotIds: readonly string[] = []): BackupRecord => catalogRecord(backupId, status, snapshotIds, { startedAt: '2026-03-01T10:00:00.000Z' });

beforeEach(async () => {
  dir = await tempDir('scrub-failed');
  // The pair's backup, tagged backupId:b-failed plan:files, is in both vaults: the DR copy is Replicate's.
  pair = await scrubVaultPair(path.join(dir, 'src'), BACKUP);
  catalog = new MemoryPrimaryCatalog();
  catalog.records.set(BACKUP, recordOf(BACKUP, 'FAILED'));
  await new BackupWorkspace(pair.primary.store).putCommittedSource({ backupId: BACKUP, source: 'src', snapshotId: pair.snapshot.id, invocation: 'i-1', claimedAt: '2026-03-01T10:05:00.000Z' });
});
afterEach(async () => removeDir(dir));

const everything = { scope: 'both', fraction: 1, cursor: FIRST_SCRUB_CURSOR, repair: true } as const;
// The environment names another plan only: the FAILED record is found through the snapshot's own plan: tag.
const discardedSnapshots = (snapshots: Parameters<typeof discardedSnapshotsOf>[2]) => discardedSnapshotsOf(catalog, ['other'], snapshots);

async function recordFailure(): Promise<void> {
  expect(await cleanUpFailedBackupSnapshots(BACKUP, { store: pair.primary.store, catalog, openVault: async () => pair.primary }, (m) => { throw new Error(m); })).toEqual({ snapshotsDeleted: 1 });
}

it('does not copy back into the primary a FAILED backup\'s snapshot its cleanup deleted there after Replicate copied it to DR', async () => {
  const key = `snapshots/${pair.snapshot.id}`;
  await recordFailure();
  const primaryKeys = await listKeys(pair.primary.store, '');
  const drKeys = await listKeys(pair.dr.store, '');
  expect(primaryKeys).not.toContain(key);

  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots });
  expect(report).toMatchObject({ ok: true, findings: [], damage: [], discardedSnapshots: { primary: [pair.snapshot.id] } });
  expect(report.notNeeded).toBeUndefined();
  // Nothing written anywhere: the primary stays without it, the DR copy is left (docs/RUNBOOKS.md, "Scrub").
  expect(await listKeys(pair.primary.store, '')).toEqual(primaryKeys);
  expect(await listKeys(pair.dr.store, '')).toEqual(drKeys);
  expect(catalog.reads.sort()).toEqual(['files', 'other']);

  // Without the catalog's word the scrub cannot tell it from a lost snapshot, and copies it back (the defect as it was).
  const unaware = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr } });
  expect(unaware.findings).toEqual([expect.objectContaining({ vault: 'primary', key, problem: 'missing', outcome: 'repaired' })]);
  expect(await pair.primary.store.has(key)).toBe(true);
});

it('does not copy into the DR vault a FAILED backup\'s snapshot the primary could not delete (kept), and reports it', async () => {
  const key = `snapshots/${pair.snapshot.id}`;
  await pair.dr.store.delete(key);
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots });
  expect(report).toMatchObject({ ok: true, findings: [], discardedSnapshots: { dr: [pair.snapshot.id] } });
  expect(await pair.dr.store.has(key)).toBe(false);
});

it('still repairs a snapshot a COMMITTED record names, whatever backup its tag names, and a snapshot of a backup not FAILED', async () => {
  const key = `snapshots/${pair.snapshot.id}`;
  await recordFailure();
  // Another run's commit recorded this snapshot (its marker named it: audit a2 F2): that backup needs it.
  catalog.records.set('b-other', recordOf('b-other', 'COMMITTED', [pair.snapshot.id]));
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots });
  expect(report.findings).toEqual([expect.objectContaining({ vault: 'primary', key, problem: 'missing', outcome: 'repaired' })]);
  expect(report.discardedSnapshots).toBeUndefined();

  // A RUNNING (or unknown) backup's snapshot lost from the primary is missing, as any other.
  catalog.records.delete('b-other');
  catalog.records.set(BACKUP, recordOf(BACKUP, 'RUNNING'));
  await pair.primary.store.delete(key);
  const running = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots });
  expect(running.findings).toEqual([expect.objectContaining({ vault: 'primary', key, problem: 'missing', outcome: 'repaired' })]);
});

it('does not copy back a snapshot a failed commit invocation discarded, once a retry committed the backup with another', async () => {
  const key = `snapshots/${pair.snapshot.id}`;
  // The invocation wrote it, never published it, and deleted it (commit-backup.ts, cleanUpFailedInvocation); a retry committed another.
  catalog.records.set(BACKUP, recordOf(BACKUP, 'COMMITTED', ['f'.repeat(64)]));
  await pair.primary.store.delete(key);
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots });
  expect(report).toMatchObject({ ok: true, findings: [], discardedSnapshots: { primary: [pair.snapshot.id] } });
  expect(await pair.primary.store.has(key)).toBe(false);
});

it('reads the records of lacked snapshots only until its time: one not read by then is not discarded, and is named', async () => {
  // Audit aW2: 8 at a time with no deadline, a vault lacking 200,000 snapshots read ~875 s of records, past the Lambda's
  // timeout, and the run was killed without a record every time.
  let t = 0;
  const started: string[] = [];
  // Each read takes 35 ms of the clock, and the time is 1 ms in.
  const holder = {
    loadSnapshot: async (id: string) => {
      started.push(id);
      await Promise.resolve();
      t += 35;
      return { tags: [`backupId:${BACKUP}`, 'plan:files'] } as unknown as Awaited<ReturnType<VaultPair['primary']['loadSnapshot']>>;
    },
  };
  const ids = Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(64, '0'));
  const found = await discardedSnapshotsIn(holder, ids, discardedSnapshots, { until: 1, now: () => t });
  // Those started before the time are read and judged; none starts after it, and the rest are named as not read.
  expect(started.length).toBeGreaterThan(0);
  expect(started.length).toBeLessThan(ids.length);
  expect([...found.discarded].sort()).toEqual([...started].sort());
  expect([...found.notRead].sort()).toEqual(ids.filter((id) => !started.includes(id)));
});

it('a run whose deadline left no time to read a lacked snapshot\'s record does not count it missing: not worked out, copied nowhere, a note, and an earlier finding of it stays outstanding (review rF F2)', async () => {
  const key = `snapshots/${pair.snapshot.id}`;
  // The primary kept a FAILED backup's snapshot the DR vault lacks; the run reaches it past the reads' time.
  await pair.dr.store.delete(key);
  const read: string[] = [];
  const get = pair.primary.store.get.bind(pair.primary.store);
  pair.primary.store.get = async (k, range) => {
    read.push(k);
    return get(k, range);
  };
  // An earlier run, without the catalog's word, recorded it missing.
  const earlier = scrubRunSummary(await scrubVaults({ ...everything, repair: false, vaults: { primary: pair.primary, dr: pair.dr } }), { environment: 'dev', startedAt: '2026-12-01T00:00:00Z', endedAt: '2026-12-01T00:01:00Z' });
  expect(earlier.outstanding?.objects).toEqual([expect.objectContaining({ vault: 'dr', key, problem: 'missing' })]);
  read.length = 0;

  const deadline = 1_000_000;
  const now = () => deadline - DAMAGE_MAPPING_MARGIN_MS + 1;
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots, deadline, now });
  expect(read.filter((k) => k.startsWith('snapshots/'))).toEqual([]);
  expect(report).toMatchObject({ ok: true, findings: [], snapshotsNotWorkedOut: { dr: [pair.snapshot.id] } });
  expect(report.discardedSnapshots).toBeUndefined();
  expect(snapshotsNotWorkedOutNotes(report)).toEqual([expect.stringContaining(`1 snapshot(s) the primary vault holds and the dr vault lacks were not worked out (${pair.snapshot.id}): ${DISCARDED_NOT_READ_REASON}, so none is counted missing nor copied`)]);
  expect(await pair.dr.store.has(key)).toBe(false);
  const record = scrubRunSummary(report, { environment: 'dev', startedAt: '2026-12-02T00:00:00Z', endedAt: '2026-12-02T00:01:00Z' }, { previous: earlier });
  expect(record.outstanding?.objects).toEqual([expect.objectContaining({ vault: 'dr', key, problem: 'missing', since: '2026-12-01T00:00:00Z' })]);
});

it('a cut scheduled run past the repair cutoff still reads whether a lacked snapshot\'s backup discarded it: a FAILED backup\'s snapshot kept in the primary leaves run after run CLEAN with the note, where every cut run counted it missing and failed (review rF F2)', async () => {
  // RUNBOOKS, "Scrub": a snapshot a failed run's cleanup could not delete (a legal hold) is left in the primary vault.
  await pair.dr.store.delete(`snapshots/${pair.snapshot.id}`);
  const runs: ScrubRunRecord[] = [];
  const deps = {
    environment: 'dev',
    scrubLog: { latest: () => Promise.resolve(runs.at(-1)), record: (r: ScrubRunRecord) => Promise.resolve(void runs.push(r)) },
    openVault: (side: 'primary' | 'dr') => Promise.resolve(pair[side]),
    discardedSnapshots,
    // Past the repair cutoff (the deadline less a minute), as the slice reads of every cut run stop, and before the
    // records' own stop (review rN F1).
    deadline: Date.now() + (COPY_BACK_RESERVE_MS + DISCARDED_READS_MARGIN_MS) / 2,
  };
  for (let run = 0; run < 2; run++) {
    const summary = await runScrubRunbook({ scope: 'both', fraction: 1, repair: true }, deps);
    expect(summary).toMatchObject({ outcome: 'CLEAN', findings: [] });
    expect(summary.notes).toContainEqual(expect.stringContaining(`1 snapshot(s) the primary vault holds and the dr vault lacks were discarded by their backup, FAILED or committed without them (${pair.snapshot.id})`));
  }
  expect(runs.map((r) => [r.outcome, r.outstanding?.objects])).toEqual([
    ['CLEAN', []],
    ['CLEAN', []],
  ]);
  expect(await pair.dr.store.has(`snapshots/${pair.snapshot.id}`)).toBe(false);
});

/** Backs the pair's tree up again into the primary vault, `count` times, each as backup `${prefix}-i`; returns the snapshot ids. */
async function morePrimarySnapshots(prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await backupDirectory(pair.primary, path.join(dir, 'src'), { tags: [`backupId:${prefix}-${i}`, 'plan:files'] })).snapshot.id);
  return ids;
}

/**
 * `count` FAILED backups' snapshots the primary kept (b-kept-0, ...; as under a legal hold) and the COMMITTED backup's
 * snapshot lost from the DR vault. Returns the kept snapshots' ids.
 */
async function keptFailedAndCommittedLost(count: number): Promise<string[]> {
  const kept = await morePrimarySnapshots('b-kept', count);
  for (const [i] of kept.entries()) catalog.records.set(`b-kept-${i}`, recordOf(`b-kept-${i}`, 'FAILED'));
  catalog.records.set(BACKUP, recordOf(BACKUP, 'COMMITTED', [pair.snapshot.id]));
  await pair.dr.store.delete(`snapshots/${pair.snapshot.id}`);
  return kept;
}

/** Makes the primary vault's `loadSnapshot`, when discardedSnapshotsIn calls it (a lacked snapshot's record), run `onRead` first. */
function onRecordRead(vault: VaultPair['primary'], onRead: (id: string) => void): void {
  const load = vault.loadSnapshot.bind(vault);
  vault.loadSnapshot = (id: string) => {
    if ((new Error().stack ?? '').includes('discardedSnapshotsIn')) onRead(id);
    return load(id);
  };
}

it('a cut run\'s reads of lacked snapshots\' records stop 30 s before the deadline, leaving the mapping of lost objects time to name their backups, and the two vaults share their time (review rN F1)', async () => {
  // A pack damaged in both vaults (lost); the vaults lack 5 and 3 snapshots of each other.
  const [pack] = await listKeys(pair.primary.store, 'data/');
  await corrupt(pair.primary.store, pack as string);
  await corrupt(pair.dr.store, pack as string);
  const extra = await morePrimarySnapshots('b-extra', 7);
  await replicateVault({ source: pair.primary, target: pair.dr.store, targetKeys: new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 }) });
  for (const id of extra.slice(0, 5)) await pair.primary.store.delete(`snapshots/${id}`);
  for (const id of [pair.snapshot.id, ...extra.slice(5)]) await pair.dr.store.delete(`snapshots/${id}`);
  const D = 10_000_000;
  let t = 0;
  // Past the repair cutoff when the lacked snapshots are sorted out (as after a cut run's corrupt repairs): 55 s left.
  const late = { has: () => ((t = Math.max(t, D - 55_000)), false) } as unknown as ReadonlySet<string>;
  // Each record read takes 10 s.
  const reads = { primary: 0, dr: 0 };
  onRecordRead(pair.primary, () => ((reads.dr++, (t += 10_000))));
  onRecordRead(pair.dr, () => ((reads.primary++, (t += 10_000))));
  const noneDiscarded = () => Promise.resolve(new Set<string>());
  const report = await scrubVaults({ ...everything, repair: false, vaults: { primary: pair.primary, dr: pair.dr }, forgotten: { primary: late, dr: late }, discardedSnapshots: noneDiscarded, deadline: D, now: () => t });
  // Reads to the mapping's margin took it all (the primary's five, the DR's none), and the lost pack named no backup.
  expect(report.backupsNotWorkedOut).toBeUndefined();
  expect(report.damage).toEqual([expect.objectContaining({ key: pack, affects: expect.arrayContaining([expect.objectContaining({ backupId: BACKUP })]) })]);
  expect(reads.primary).toBeGreaterThan(0);
  expect(reads.dr).toBeGreaterThan(0);
  expect(reads.primary + reads.dr).toBeLessThan(8);
});

it('cut runs read different lacked snapshots\' records, so one really missing is found, and each record counts those not worked out (review rN F2)', async () => {
  // Two FAILED backups' snapshots the primary kept (a legal hold) and a COMMITTED one's lost from the DR vault.
  await keptFailedAndCommittedLost(2);
  const D = 10_000_000;
  let t = 0;
  // A record read takes the run past the mapping's margin: each run reads one.
  const read: string[] = [];
  onRecordRead(pair.primary, (id) => {
    read.push(id);
    t = D - DAMAGE_MAPPING_MARGIN_MS + 1;
  });
  const runs: ScrubRunRecord[] = [];
  for (let run = 0; run < 3; run++) {
    t = D - 200_000;
    const cursor = runs.at(-1)?.nextCursor ?? FIRST_SCRUB_CURSOR;
    const report = await scrubVaults({ scope: 'both', fraction: 1 / 3, cursor, repair: true, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots, deadline: D, now: () => t });
    runs.push(scrubRunSummary(report, { environment: 'dev', startedAt: `2026-12-0${run + 1}T00:00:00Z`, endedAt: `2026-12-0${run + 1}T00:01:00Z` }, { previous: runs.at(-1) }));
  }
  // Each run read one record. Which one depends on where the cursor stands among the vaults' keys, which are hashes: that
  // successive runs reach every record is the next test's, with the runs' times apart (here they share one time, and
  // until this was said the test failed now and then when two runs started at the same record).
  expect(read).toHaveLength(3);
  for (const [i, run] of runs.entries()) {
    const readMissing = read[i] === pair.snapshot.id;
    // A run that read the missing snapshot's record found it missing (the deadline left no time to copy it) ...
    expect(run.unrepairedKeys.includes(`snapshots/${pair.snapshot.id}`)).toBe(readMissing);
    if (readMissing) expect(run).toMatchObject({ outcome: 'REPAIRABLE', missing: expect.any(Number) });
    // ... and each record counts the two it did not read, but one already outstanding from an earlier run's finding.
    const outstandingBefore = runs[i - 1]?.outstanding?.objects.some((o) => o.key === `snapshots/${pair.snapshot.id}`) === true;
    expect(run.snapshotsNotWorkedOut).toEqual({ dr: outstandingBefore && !readMissing ? 1 : 2 });
  }
});

it('reads the catalog only when a vault lacks a snapshot the other holds', async () => {
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots });
  expect(report).toMatchObject({ ok: true, findings: [] });
  expect(catalog.reads).toEqual([]);
});

it('the scheduled runbook passes the catalog\'s word on and says in its notes what it left alone', async () => {
  await recordFailure();
  const summary = await runScrubRunbook(
    { scope: 'both', fraction: 1, repair: true },
    { environment: 'dev', scrubLog: { latest: () => Promise.resolve(undefined), record: () => Promise.resolve() }, openVault: (side) => Promise.resolve(pair[side]), discardedSnapshots },
  );
  expect(summary).toMatchObject({ outcome: 'CLEAN', findings: [] });
  expect(summary.notes).toEqual([expect.stringContaining(`1 snapshot(s) the dr vault holds and the primary vault lacks were discarded by their backup, FAILED or committed without them (${pair.snapshot.id})`)]);
  expect(await pair.primary.store.has(`snapshots/${pair.snapshot.id}`)).toBe(false);
});

it('cut runs whose slices read nothing still read different lacked snapshots\' records, a day\'s run apart, so one really missing is found (review rQ F1)', async () => {
  // Three FAILED backups' snapshots the primary kept and a COMMITTED one's lost from the DR vault.
  const kept = await keptFailedAndCommittedLost(3);
  const DAY = 86_400_000;
  let D = 0;
  let t = 0;
  // A record read takes the run past the records' cutoff: each run reads one.
  const read: string[] = [];
  onRecordRead(pair.primary, (id) => {
    read.push(id);
    t = D - DISCARDED_READS_MARGIN_MS + 1;
  });
  const runs: ScrubRunRecord[] = [];
  for (let run = 0; run < 8; run++) {
    // Daily runs, each past the slice reads' cutoff (the listing took long): no slice read, so the cursor stays.
    D = 1_800_000_000_000 + run * DAY;
    t = D - 150_000;
    const report = await scrubVaults({ scope: 'both', fraction: 1 / 7, cursor: FIRST_SCRUB_CURSOR, repair: true, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots, deadline: D, now: () => t });
    expect(report.nextCursor).toEqual(FIRST_SCRUB_CURSOR);
    runs.push(scrubRunSummary(report, { environment: 'dev', startedAt: new Date(D - 200_000).toISOString(), endedAt: new Date(D).toISOString() }, { previous: runs.at(-1) }));
  }
  expect(new Set(read)).toEqual(new Set([...kept, pair.snapshot.id]));
  expect(runs.some((r) => r.unrepairedKeys.includes(`snapshots/${pair.snapshot.id}`))).toBe(true);
  expect(runs.at(-1)?.outstanding?.objects).toContainEqual(expect.objectContaining({ vault: 'dr', key: `snapshots/${pair.snapshot.id}`, problem: 'missing' }));
});

it('the two vaults\' reads of lacked snapshots\' records share one cutoff: what one leaves unused the other reads (review rQ F2)', async () => {
  const extra = await morePrimarySnapshots('b-extra', 7);
  await replicateVault({ source: pair.primary, target: pair.dr.store, targetKeys: new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 }) });
  // The primary lacks 6 (the DR vault holds them), the DR vault lacks 1.
  for (const id of extra.slice(0, 6)) await pair.primary.store.delete(`snapshots/${id}`);
  await pair.dr.store.delete(`snapshots/${extra[6]}`);
  const D = 10_000_000;
  // 75 s to the records' cutoff, a read 10 s: time for all 7, none for the slice reads.
  let t = D - 105_000;
  const reads = { primary: 0, dr: 0 };
  onRecordRead(pair.primary, () => ((reads.dr++, (t += 10_000))));
  onRecordRead(pair.dr, () => ((reads.primary++, (t += 10_000))));
  const noneDiscarded = () => Promise.resolve(new Set<string>());
  const report = await scrubVaults({ ...everything, repair: false, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots: noneDiscarded, deadline: D, now: () => t });
  expect(reads).toEqual({ primary: 6, dr: 1 });
  expect(report.snapshotsNotWorkedOut).toBeUndefined();
  expect(report.findings.filter((f) => f.key.startsWith('snapshots/')).map((f) => f.vault).sort()).toEqual(['dr', 'primary', 'primary', 'primary', 'primary', 'primary', 'primary']);
});

it('a snapshot an earlier run found missing and a later cut run did not read is outstanding, not counted as not worked out too (review rQ F3)', async () => {
  const kept = await keptFailedAndCommittedLost(1);
  const D = 10_000_000;
  let t = 0;
  const startedAt = (day: number): string => `2026-12-0${day}T00:00:00.000Z`;
  // A run with time reads both records: the missing one is found (no repair: REPAIRABLE) and kept outstanding.
  const first = scrubRunSummary(await scrubVaults({ ...everything, repair: false, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots }), { environment: 'dev', startedAt: startedAt(1), endedAt: startedAt(1) });
  expect(first.outstanding?.objects).toEqual([expect.objectContaining({ vault: 'dr', key: `snapshots/${pair.snapshot.id}`, problem: 'missing' })]);
  // A cut run reads neither record: both are not worked out, the missing one stays outstanding and is not counted.
  t = D - DISCARDED_READS_MARGIN_MS;
  const report = await scrubVaults({ ...everything, repair: false, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots, deadline: D, now: () => t });
  expect(report.snapshotsNotWorkedOut).toEqual({ dr: [...kept, pair.snapshot.id].sort() });
  const second = scrubRunSummary(report, { environment: 'dev', startedAt: startedAt(2), endedAt: startedAt(2) }, { previous: first });
  expect(second.outstanding?.objects).toEqual([expect.objectContaining({ vault: 'dr', key: `snapshots/${pair.snapshot.id}`, problem: 'missing' })]);
  expect(second.snapshotsNotWorkedOut).toEqual({ dr: 1 });
});

it('a vault\'s work-out of the pack it lacks runs before the other vault\'s records past the repair cutoff: the pack is a finding, not left unworked out run after run (review rT F-1)', async () => {
  const extra = await morePrimarySnapshots('b-extra', 5);
  await replicateVault({ source: pair.primary, target: pair.dr.store, targetKeys: new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 }) });
  // The DR vault lacks 5 snapshots (their records read in the primary); the primary lacks a pack (a work-out).
  for (const id of extra) await pair.dr.store.delete(`snapshots/${id}`);
  const [pack] = await listKeys(pair.primary.store, 'data/');
  await pair.primary.store.delete(pack as string);
  const D = 10_000_000;
  // 100 s left, a record read 10 s: all five reads end past the repair cutoff (a minute before the deadline).
  let t = D - 100_000;
  onRecordRead(pair.primary, () => void (t += 10_000));
  const noneDiscarded = () => Promise.resolve(new Set<string>());
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots: noneDiscarded, deadline: D, now: () => t });
  expect(report.notWorkedOut?.primary).toBeUndefined();
  expect(report.findings).toContainEqual(expect.objectContaining({ vault: 'primary', key: pack, problem: 'missing' }));
  // The DR vault's records were still read to the records' cutoff: the snapshots it lacks are missing, not copied past the repair cutoff.
  expect(report.snapshotsNotWorkedOut).toBeUndefined();
  expect(report.findings.filter((f) => f.vault === 'dr' && f.key.startsWith('snapshots/')).map((f) => [f.problem, f.outcome])).toEqual(extra.map(() => ['missing', 'unrepaired']));
});

it('a DR vault behind on replication, lacking its new snapshots and their objects, leaves the primary\'s work-out of the pack it lacks its time: the pack is a finding (review rV F1)', async () => {
  const before = await listKeys(pair.primary.store, '');
  await fsp.writeFile(path.join(dir, 'src', 'new.txt'), 'content the DR vault has not got yet '.repeat(400));
  const extra = await morePrimarySnapshots('b-extra', 5);
  await replicateVault({ source: pair.primary, target: pair.dr.store, targetKeys: new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 }) });
  // Replication behind: the DR vault lacks the 5 snapshots and the objects they added (its own work-out); the primary an old pack.
  const added = (await listKeys(pair.primary.store, '')).filter((key) => !before.includes(key) && !key.startsWith('snapshots/'));
  expect(added.length).toBeGreaterThan(0);
  for (const key of [...extra.map((id) => `snapshots/${id}`), ...added]) await pair.dr.store.delete(key);
  const pack = before.find((key) => key.startsWith('data/')) as string;
  await pair.primary.store.delete(pack);
  const D = 10_000_000;
  // 100 s left, a record read 10 s: the DR vault's five reads would take the time to the repair cutoff.
  let t = D - 100_000;
  onRecordRead(pair.primary, () => void (t += 10_000));
  const noneDiscarded = () => Promise.resolve(new Set<string>());
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots: noneDiscarded, deadline: D, now: () => t });
  expect(report.notWorkedOut?.primary).toBeUndefined();
  expect(report.findings).toContainEqual(expect.objectContaining({ vault: 'primary', key: pack, problem: 'missing' }));
  // The DR vault's records were still all read, the rest after the work-outs, to the records' cutoff.
  expect(report.snapshotsNotWorkedOut).toBeUndefined();
});

it('a snapshot whose record the pooled reads after its vault\'s work-out find missing, before the repair cutoff, is held back: never written before the objects it references (review rX F1)', async () => {
  const before = new Set(await listKeys(pair.primary.store, ''));
  const extra: string[] = [];
  for (let i = 0; i < 3; i++) {
    await fsp.writeFile(path.join(dir, 'src', `rx-${i}.txt`), `content only snapshot ${i} adds `.repeat(200));
    extra.push(...(await morePrimarySnapshots(`b-rx${i}`, 1)));
  }
  await replicateVault({ source: pair.primary, target: pair.dr.store, targetKeys: new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 }) });
  // The primary lacks the 3 snapshots and the objects they added; the DR vault an old pack and the first snapshot: both
  // have records to read before their work-outs.
  const added = (await listKeys(pair.primary.store, '')).filter((key) => !before.has(key) && !key.startsWith('snapshots/'));
  for (const key of [...extra.map((id) => `snapshots/${id}`), ...added]) await pair.primary.store.delete(key);
  await pair.dr.store.delete([...before].find((key) => key.startsWith('data/')) as string);
  await pair.dr.store.delete(`snapshots/${pair.snapshot.id}`);
  const D = 10_000_000;
  // 100 s left, a primary record read 10 s: the primary's own share (half the 40 s to the repair cutoff) ends before
  // its third record, which the pooled reads then read well before the cutoff.
  let t = D - 100_000;
  onRecordRead(pair.dr, () => void (t += 10_000));
  const writes: string[] = [];
  const put = pair.primary.store.put.bind(pair.primary.store);
  pair.primary.store.put = (...args: Parameters<typeof put>) => {
    writes.push(args[0]);
    return put(...args);
  };
  const noneDiscarded = () => Promise.resolve(new Set<string>());
  const report = await scrubVaults({ ...everything, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots: noneDiscarded, deadline: D, now: () => t });
  // No object of the vault written after its first snapshot: a snapshot is visible only once what it references is there.
  const firstSnapshot = writes.findIndex((key) => key.startsWith('snapshots/'));
  expect(firstSnapshot < 0 ? [] : writes.slice(firstSnapshot).filter((key) => !key.startsWith('snapshots/'))).toEqual([]);
  // Whatever was found missing only by the pooled reads is held back for the next run, not copied.
  const primarySnapshots = report.findings.filter((f) => f.vault === 'primary' && f.key.startsWith('snapshots/'));
  expect(primarySnapshots.map((f) => f.key).sort()).toEqual(extra.map((id) => `snapshots/${id}`).sort());
  expect(primarySnapshots.filter((f) => f.outcome === 'repaired')).toHaveLength(2);
  expect(primarySnapshots.filter((f) => f.outcome !== 'repaired')).toEqual([expect.objectContaining({ outcome: 'unrepaired', reason: readAfterWorkOutReason('primary'), goodCopy: true })]);
});

it('a run whose two vaults read their lacked snapshots\' records in two rounds each lists each plan once (review rV F2)', async () => {
  const before = new Set(await listKeys(pair.primary.store, ''));
  // Two snapshots of the same tree (only their snapshot objects are new), then three each adding content.
  const same = await morePrimarySnapshots('b-same', 2);
  const withSame = new Set(await listKeys(pair.primary.store, ''));
  const extra: string[] = [];
  for (let i = 0; i < 3; i++) {
    await fsp.writeFile(path.join(dir, 'src', `f2-${i}.txt`), `content only snapshot ${i} adds `.repeat(200));
    extra.push(...(await morePrimarySnapshots(`b-f2${i}`, 1)));
  }
  await replicateVault({ source: pair.primary, target: pair.dr.store, targetKeys: new PassphraseKeyProvider('dr region key', { N: 1024, r: 8, p: 1 }) });
  // Each vault lacks 3 snapshots and some data/, index/ or manifest/ object: each reads records before its work-out.
  const added = (await listKeys(pair.primary.store, '')).filter((key) => !withSame.has(key) && !key.startsWith('snapshots/'));
  for (const key of [...extra.map((id) => `snapshots/${id}`), ...added]) await pair.primary.store.delete(key);
  for (const id of [pair.snapshot.id, ...same]) await pair.dr.store.delete(`snapshots/${id}`);
  await pair.dr.store.delete([...before].find((key) => key.startsWith('data/')) as string);
  const D = 10_000_000;
  // 100 s left, a record read 10 s: each vault's own share (20 s) reads 2 of its 3, the pooled reads the rest.
  let t = D - 100_000;
  onRecordRead(pair.primary, () => void (t += 10_000));
  onRecordRead(pair.dr, () => void (t += 10_000));
  // As the scheduled handler and the CLI build it for one run.
  const runCatalog = new PlanOutcomes(catalog, planOutcomesBudgetBytes(undefined));
  let asks = 0;
  const discardedOfRun = (snapshots: Parameters<typeof discardedSnapshotsOf>[2]) => {
    asks++;
    return discardedSnapshotsOf(runCatalog, ['other'], snapshots);
  };
  const report = await scrubVaults({ ...everything, repair: false, vaults: { primary: pair.primary, dr: pair.dr }, discardedSnapshots: discardedOfRun, deadline: D, now: () => t });
  // Asked twice per vault, each plan listed once: the first ask's listing, after the vaults', serves the later ones.
  expect(asks).toBe(4);
  expect(catalog.reads.sort()).toEqual(['files', 'other']);
  expect(report.discardedSnapshots).toEqual({ dr: [pair.snapshot.id] });
  expect(report.snapshotsNotWorkedOut).toBeUndefined();
});

it('a run\'s later asks still count the snapshots a record that does not parse may name, and a failed listing is listed anew', async () => {
  const named = 'a'.repeat(64);
  const invalid: InvalidBackupItem = { key: { pk: 'BACKUP#b-bad', sk: 'BACKUP' }, backupId: 'b-bad', preVault: false, mayBeHeld: true, forgotten: false, snapshotIds: [named], error: new CatalogItemInvalidError('catalog', 'BACKUP#b-bad / BACKUP', ['status: bad']) };
  let listings = 0;
  const runCatalog = new PlanOutcomes({
    listBackupsOfPlan: (_plan, options) => {
      if (++listings === 1) return Promise.reject(new Error('throttled'));
      options?.onInvalid?.(invalid);
      return Promise.resolve([recordOf(BACKUP, 'FAILED')]);
    },
  }, planOutcomesBudgetBytes(undefined));
  const snapshots = [named, 'b'.repeat(64)].map((snapshotId) => ({ snapshotId, tags: [`backupId:${BACKUP}`] }));
  await expect(discardedSnapshotsOf(runCatalog, ['files'], snapshots)).rejects.toThrow('throttled');
  for (let ask = 0; ask < 2; ask++) expect(await discardedSnapshotsOf(runCatalog, ['files'], snapshots)).toEqual(new Set(['b'.repeat(64)]));
  expect(listings).toBe(2);
});

it('a run keeps what each plan\'s records say only within its memory budget: under it a plan is listed once, past it at each ask (review r57B F1)', async () => {
  // A plan of many snapshots beside the FAILED backup's plan: its outcome alone is past the budget.
  const many = Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(64, 'c'));
  catalog.records.set('b-big', { ...recordOf('b-big', 'COMMITTED', many), plan: 'big' });
  const small = planOutcomeBytes(await planOutcomeOf(catalog, 'files'));
  catalog.reads.length = 0;
  const snapshots = [{ snapshotId: 'd'.repeat(64), tags: [`backupId:${BACKUP}`, 'plan:files'] }, { snapshotId: many[0] as string, tags: ['backupId:b-big', 'plan:big'] }];
  const bounded = new PlanOutcomes(catalog, small + 1_000);
  for (let ask = 0; ask < 3; ask++) expect(await discardedSnapshotsOf(bounded, [], snapshots)).toEqual(new Set(['d'.repeat(64)]));
  // What the budget holds is kept, what it does not is listed anew: a large catalog costs time, not memory.
  expect(catalog.reads).toEqual(['files', 'big', 'big', 'big']);
  expect(bounded.bytes).toBe(small);
  catalog.reads.length = 0;
  const roomy = new PlanOutcomes(catalog, planOutcomesBudgetBytes(2048));
  for (let ask = 0; ask < 3; ask++) expect(await discardedSnapshotsOf(roomy, [], snapshots)).toEqual(new Set(['d'.repeat(64)]));
  expect(catalog.reads).toEqual(['files', 'big']);
  // Ids and their characters, not records: 101 snapshot ids and two backup ids.
  expect(roomy.bytes).toBe(small + 100 * (64 + 64) + 64 + 'b-big'.length);
  expect(planOutcomesBudgetBytes(2048)).toBe(64 * 2 ** 20);
});
