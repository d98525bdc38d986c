import { AFFECTED_BACKUPS_LISTED, type ScrubRunRecord } from '../../../../lambdas/catalog/scrub-record';
import { refusedRepairReason } from '../../../../lambdas/replication/refused-write-advice';
import { type AffectedSnapshot } from '../../../../lambdas/replication/scrub-damage';
import { type ScrubFinding, type ScrubReport } from '../../../../lambdas/replication/scrub-report';
import { scrubRunSummary } from '../../../../lambdas/replication/scrub-run-summary';
import { DAMAGE_MESSAGE_ROOM, damageMessage } from '../../../../lambdas/replication/scrub-runbook';

// Review r63P F3: a DR vault's refused overwrite has a reason of 700 to 1,400 characters, and the Lambda's error carries
// the message twice in a cause Step Functions keeps 32,768 characters of: thirty such objects pushed the affected backups,
// the run's record and the cut note out of it.

const hex = (i: number, prefix: string): string => `${prefix}${i.toString(16).padStart(64, '0')}`;

/** S3's refusal of an overwrite of one key: its message names the key, so every object's reason is distinct. */
function refusedOverwrite(key: string): Error {
  const message = `User: arn:aws:sts::111111111111:assumed-role/lifeboat-prod-scrub/x is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::lifeboat-prod-dr-vault/${key}" with an explicit deny in a resource-based policy`;
  return Object.assign(new Error(message), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
}

/** The reviewer's case: 30 objects of three kinds with a reason each, 12 lost, 12 affected backups, a cut run. */
function reviewersCase(reasonOf: (key: string) => string): { report: ScrubReport; record: ScrubRunRecord; ids: string[] } {
  const findings: ScrubFinding[] = [];
  for (let i = 0; i < 12; i++) findings.push({ vault: 'dr', key: hex(i, 'data/'), problem: 'corrupt', detail: 'x', outcome: 'unrepaired', goodCopy: true, reason: reasonOf(hex(i, 'data/')) });
  for (let i = 100; i < 112; i++) findings.push({ vault: 'dr', key: hex(i, 'data/'), problem: 'missing', detail: 'x', outcome: 'unrepaired', otherCopy: 'archived', reason: reasonOf(hex(i, 'data/')) });
  for (let i = 200; i < 212; i++) findings.push({ vault: 'dr', key: hex(i, 'index/'), problem: 'corrupt', detail: 'x', outcome: 'unrepaired', otherCopy: 'unverified', reason: reasonOf(hex(i, 'index/')) });
  for (let i = 300; i < 312; i++) findings.push({ vault: 'primary', key: hex(i, 'data/'), problem: 'corrupt', detail: 'x', outcome: 'unrepaired' });
  const ids = Array.from({ length: 12 }, (_, i) => `b-${'9'.repeat(300)}${i}`);
  const affects: AffectedSnapshot[] = ids.map((backupId) => ({ backupId, source: 's', snapshotId: 'c'.repeat(64), time: 't', whole: true, entries: 0, paths: [] }));
  const report: ScrubReport = {
    scope: 'both',
    fraction: 1,
    repair: true,
    cursor: { cycle: 1, after: null },
    nextCursor: { cycle: 1, after: 'data/7f' },
    cycleComplete: false,
    cut: true,
    objects: 100,
    read: {},
    findings,
    damage: findings.filter((f) => f.vault === 'primary').map((f) => ({ key: f.key, vaults: ['primary'], affects })),
    archivedCopyDamage: findings.filter((f) => f.otherCopy !== undefined).map((f) => ({ key: f.key, vaults: ['dr'], affects })),
    ok: false,
  };
  const record = scrubRunSummary(report, { environment: 'prod', startedAt: '2026-12-07T00:00:00.000Z', endedAt: '2026-12-07T00:10:00.000Z' });
  return { report, record, ids };
}

/** The cause Step Functions keeps of the Lambda's error: the message twice, and a dozen stack frames. */
function lambdaCause(message: string): string {
  return JSON.stringify({ errorType: 'VaultDamageError', errorMessage: message, trace: [`VaultDamageError: ${message}`, ...Array.from({ length: 12 }, () => '    at scrubRunbook (/var/task/index.js:1:12345)')] });
}

function expectWholeEnd(message: string, ids: readonly string[]): void {
  expect(JSON.stringify(message).length).toBeLessThanOrEqual(DAMAGE_MESSAGE_ROOM);
  expect(lambdaCause(message).length).toBeLessThanOrEqual(32_768);
  expect(message).toContain('The run is recorded in the catalog (SCRUB#RUNS 2026-12-07T00:00:00.000Z)');
  expect(message).toContain('This run was cut by its deadline after data/7f: the slice was not read whole');
  expect(message).toContain(`; affected backups: "${ids[0]?.slice(0, 20)}`);
  // Every reason an object names by number is stated.
  for (const [, number] of message.matchAll(/\[reason (\d+)\]/g)) expect(message).toContain(` Reason ${number}: `);
}

test('thirty objects with the same long reason: each reason stated once, the message within its room with its end', () => {
  const reason = refusedRepairReason('dr', true, refusedOverwrite(hex(0, 'data/')), undefined);
  expect(reason.length).toBeGreaterThan(700);
  const { report, record, ids } = reviewersCase(() => reason);
  const message = damageMessage(report, record, ' --env prod --aws');
  expectWholeEnd(message, ids);
  expect(message.split(reason)).toHaveLength(2);
  expect(message).toContain(`${hex(0, 'data/')} (dr) [reason 1]`);
  expect(message).toContain(` Reason 1: ${reason}.`);
});

test('thirty objects each with its own long reason: reasons cut, the message within its room with its end', () => {
  const { report, record, ids } = reviewersCase((key) => refusedRepairReason('dr', true, refusedOverwrite(key), undefined));
  const message = damageMessage(report, record, ' --env prod --aws');
  expectWholeEnd(message, ids);
  expect(message).toMatch(/ Reason 1: the dr vault refused to replace its damaged copy \("AccessDenied: User: arn:aws:sts::/);
  expect(message).toContain('(Reasons cut at 300 characters: lifeboat scrub --json --env prod --aws gives each whole.)');
});

test('a short reason stays beside its object', () => {
  const { report, record } = reviewersCase(() => 'r');
  const message = damageMessage(report, record);
  expect(message).toContain(`${hex(0, 'data/')} (dr) [r]`);
  expect(message).not.toContain('Reason 1');
});

// Review r63V F1: backup ids are any text a catalog item holds. Each was shown to 200 characters, a control character
// escaped to \u009b and JSON-quoted to 7: ten forged ids to each list of backups took 14,000 characters a list, past the
// room and the cause, and the run's record and the cut note after them were lost.
test('forged backup ids of control characters: each cut at 40, the lists shrunk to the room, how many left out said', () => {
  const { report } = reviewersCase(() => 'r');
  // Snapshot objects copied in by the run: a fourth list of backups.
  const copiedIn: ScrubFinding[] = Array.from({ length: 12 }, (_, i) => ({ vault: 'dr', key: hex(400 + i, 'snapshots/'), problem: 'missing', detail: 'x', outcome: 'unrepaired', otherCopy: 'unverified', copiedIn: true, reason: 'r' }));
  const findings = [...report.findings, ...copiedIn];
  const forged = Array.from({ length: 12 }, (_, i) => `${'\u009b'.repeat(300)}-${String(i).padStart(2, '0')}`);
  const affects: AffectedSnapshot[] = forged.map((backupId) => ({ backupId, source: 's', snapshotId: 'c'.repeat(64), time: 't', whole: true, entries: 0, paths: [] }));
  const hostile: ScrubReport = { ...report, damage: report.damage.map((d) => ({ ...d, affects })), findings, archivedCopyDamage: findings.filter((f) => f.otherCopy !== undefined).map((f) => ({ key: f.key, vaults: ['dr'], affects })) };
  const message = damageMessage(hostile, scrubRunSummary(hostile, { environment: 'prod', startedAt: '2026-12-07T00:00:00.000Z', endedAt: '2026-12-07T00:10:00.000Z' }), ' --env prod --aws');
  expect(JSON.stringify(message).length).toBeLessThanOrEqual(DAMAGE_MESSAGE_ROOM);
  expect(lambdaCause(message).length).toBeLessThanOrEqual(32_768);
  expect(message).toContain('The run is recorded in the catalog (SCRUB#RUNS 2026-12-07T00:00:00.000Z)');
  expect(message).toContain('This run was cut by its deadline after data/7f: the slice was not read whole');
  expect(message).not.toContain('\u009b');
  // Each id shown is its first 28 and last 12 characters, so ids that differ at their end are told apart.
  const head = '\\u009b'.repeat(28);
  const tail = (i: number): string => `${'\\u009b'.repeat(9)}-${String(i).padStart(2, '0')}`;
  expect(message).toMatch(new RegExp(`; affected backups: "${head.replace(/\\/g, '\\\\')}"…"${tail(0).replace(/\\/g, '\\\\')}" \\(cut from 303 characters, sha256 [0-9a-f]{8}\\)`));
  // The affected backups not named are counted.
  const named = /; affected backups: (.*?)(?: and (\d+) more)?\. The run is recorded/.exec(message);
  expect(named).not.toBeNull();
  const shown = [...(named?.[1] ?? '').matchAll(/\(cut from 303 characters, sha256 [0-9a-f]{8}\)/g)].length;
  expect(shown + Number(named?.[2] ?? 0)).toBe(12);
  expect(Number(named?.[2] ?? 0)).toBeGreaterThan(0);
  // Four lists of ten such ids pass the room: fewer are named in each.
  expect(shown).toBeLessThan(10);
});

// Review r64F F1: the record lists at most AFFECTED_BACKUPS_LISTED affected backups and counts the rest; the message's
// "and N more" counted only the list, so 2,500 affected backups read as 10 named and 1990 more.
test('more affected backups than the record lists: "and N more" counts those it lists none of too', () => {
  const { report } = reviewersCase(() => 'r');
  const ids = Array.from({ length: 2_500 }, (_, i) => `20261124T100000Z-${i.toString(16).padStart(8, '0')}`);
  const affects: AffectedSnapshot[] = ids.map((backupId) => ({ backupId, source: 's', snapshotId: 'c'.repeat(64), time: 't', whole: true, entries: 0, paths: [] }));
  const many: ScrubReport = { ...report, damage: report.damage.map((d) => ({ ...d, affects })) };
  const record = scrubRunSummary(many, { environment: 'prod', startedAt: '2026-12-07T00:00:00.000Z', endedAt: '2026-12-07T00:10:00.000Z' });
  expect([record.affectedBackups.length, record.affectedBackupsNotListed]).toEqual([AFFECTED_BACKUPS_LISTED, 2_500 - AFFECTED_BACKUPS_LISTED]);
  const message = damageMessage(many, record, ' --env prod --aws');
  expect(JSON.stringify(message).length).toBeLessThanOrEqual(DAMAGE_MESSAGE_ROOM);
  const named = /; affected backups: (.*?) and (\d+) more\. The run is recorded/.exec(message);
  expect(named).not.toBeNull();
  const shown = (named?.[1] ?? '').split(', ').length;
  expect(shown + Number(named?.[2])).toBe(2_500);
});
