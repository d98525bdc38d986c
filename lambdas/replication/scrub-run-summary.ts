import { type ScrubRunRecord } from '../catalog/scrub-record';
import { outstandingAfter, type ScrubRunVaults, snapshotsNotWorkedOutCounts } from './scrub-outstanding';
import { type ScrubReport } from './scrub-report';
import { affectedBackupsOf } from './scrub-affected-backups';

/**
 * The catalog's summary of a scrub report (scrub-record.ts): counts, the outcome, the first 100 unrepaired keys and the
 * backups they affect, and what is still outstanding: this run's damage and the `previous` record's that it did not read
 * again (scrub-outstanding.ts). Without `previous` (the first run, or a catalog that could not be read) only this run's.
 */
export function scrubRunSummary(report: ScrubReport, run: { environment: string; startedAt: string; endedAt: string }, before: ScrubRunVaults & { previous?: ScrubRunRecord | undefined } = {}): ScrubRunRecord {
  const outcomes = (o: string): number => report.findings.filter((f) => f.outcome === o).length;
  const unrepaired = outcomes('unrepaired');
  const repairable = outcomes('repairable');
  // An unrepaired object whose other copy verified (goodCopy) is not lost: the run is REPAIRABLE, not DAMAGED, for it. Nor
  // is one whose other copy was not verified in this run (otherCopy): an archived copy (a thaw then a repair heal it) or one
  // the repair cutoff left unread (the next run verifies it); probably good, so its backups are kept in `outstanding` for
  // status to name, not in `affectedBackups` (what no copy can restore).
  // One within the range of an earlier lost group whose other copy went unread (`inLostGroup`) may be one of its losses:
  // the record carries that group as lost, and the run is DAMAGED, its backups affected, for it (review r64AB F2).
  const lost = report.findings.filter((f) => f.outcome === 'unrepaired' && f.goodCopy !== true && (f.otherCopy === undefined || f.inLostGroup === true)).length;
  const inLostGroup = new Set(report.findings.filter((f) => f.inLostGroup === true).map((f) => f.key));
  const maybeLost = (report.archivedCopyDamage ?? []).filter((d) => inLostGroup.has(d.key));
  // Those kept in `outstanding` are left out: status shows them there (review rQ F3).
  const snapshotsNotWorkedOut = snapshotsNotWorkedOutCounts(report, before.previous);
  const affected = affectedBackupsOf([...report.damage, ...maybeLost]);
  return {
    ...run,
    scope: report.scope,
    fraction: report.fraction,
    repair: report.repair,
    cursor: { ...report.cursor },
    nextCursor: { ...report.nextCursor },
    cycleComplete: report.cycleComplete,
    ...(report.cut ? { cut: true as const } : {}),
    objects: report.objects,
    read: { ...report.read },
    ...(report.notWorkedOut ? { notWorkedOut: { ...report.notWorkedOut } } : {}),
    ...(report.notWorkedOutCause ? { notWorkedOutCause: { ...report.notWorkedOutCause } } : {}),
    ...(snapshotsNotWorkedOut ? { snapshotsNotWorkedOut } : {}),
    ...(report.notRead ? { archivedNotRead: Object.fromEntries(Object.entries(report.notRead).map(([side, n]) => [side, n.archived])) } : {}),
    corrupt: report.findings.filter((f) => f.problem === 'corrupt').length,
    missing: report.findings.filter((f) => f.problem === 'missing').length,
    repaired: outcomes('repaired'),
    repairable,
    unrepaired,
    outcome: lost > 0 ? 'DAMAGED' : unrepaired + repairable > 0 ? 'REPAIRABLE' : report.findings.length > 0 ? 'REPAIRED' : 'CLEAN',
    unrepairedKeys: [...new Set(report.findings.filter((f) => f.outcome === 'unrepaired').map((f) => f.key))].slice(0, 100),
    ...affected,
    outstanding: outstandingAfter(report, run.startedAt, before.previous, { ...before, affectedBackupsNotListed: affected.affectedBackupsNotListed ?? 0 }),
  };
}
