import { type UnreadableSnapshot } from '../../vault';
import { type CatalogRebuildReport, HOLD_NOT_REBUILT, type MissingSnapshots, type RebuildOutcome, type RebuiltBackup } from './catalog-rebuild';

/**
 * A catalog rebuild's report as the catalog-rebuild runbook returns it (the execution's output). The
 * full report lists every backup, ~150 bytes each: past ~1,500 backups it would not fit Step
 * Functions' 256 KiB state payload and the execution would fail after the work was done. So the
 * summary counts the outcomes and lists only what needs a reader: backups skipped, kept or updated
 * and those whose record was partly derived, unreadable snapshots and records the vault lacks —
 * at most LISTED_AT_MOST of them in all, the rest counted in `notListed` (the CLI's
 * `lifeboat catalog rebuild --json` prints them all).
 */
export type CatalogRebuildSummary = Pick<CatalogRebuildReport, 'vault' | 'snapshots' | 'untaggedSnapshots' | 'drCopies' | 'warnings'> & {
  /** Backups found in the vault, by outcome. */
  outcomes: Record<RebuildOutcome, number>;
  /** Whether something was left out (a backup skipped, a snapshot unreadable, a record whose snapshots the vault lacks): the CLI's exit code 3. */
  leftOut: boolean;
  /** Backups with a note: skipped, kept, updated, or created with fields derived or not recovered (the hold aside: `warnings` says it once). */
  attention: RebuiltBackup[];
  unreadableSnapshots: UnreadableSnapshot[];
  missingFromVault: MissingSnapshots[];
  /** Entries of the three lists above left out of this output, to keep it within the state payload limit. */
  notListed: number;
  /** Why drCopies is `unknown`: what failed when the DR vault was checked. */
  drProblem?: string;
};

/** Entries listed in all; with notes of a few hundred bytes each this stays far below 256 KiB. */
export const LISTED_AT_MOST = 100;

const OUTCOMES: readonly RebuildOutcome[] = ['created', 'updated', 'unchanged', 'kept', 'skipped'];

export function summarizeRebuild(report: CatalogRebuildReport, options: { drProblem?: string | undefined } = {}): CatalogRebuildSummary {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, report.backups.filter((b) => b.outcome === o).length])) as Record<RebuildOutcome, number>;
  // Every created record lacks its hold (HOLD_NOT_REBUILT): the report's warning says it once, so that alone lists no backup.
  const needsReader = (b: RebuiltBackup): boolean =>
    b.outcome === 'skipped' || b.outcome === 'kept' || b.note !== undefined || b.derived !== undefined || (b.unrecovered ?? []).some((u) => u !== HOLD_NOT_REBUILT);
  // What was left out first, so a long list of derived fields never hides a skipped backup.
  const rank = (b: RebuiltBackup): number => (b.outcome === 'skipped' ? 0 : b.outcome === 'kept' ? 1 : 2);
  const attention = report.backups.filter(needsReader).sort((a, b) => rank(a) - rank(b));
  let room = LISTED_AT_MOST;
  const take = <T>(items: readonly T[]): T[] => {
    const taken = items.slice(0, Math.max(room, 0));
    room -= taken.length;
    return taken;
  };
  const listed = { missingFromVault: take(report.missingFromVault), unreadableSnapshots: take(report.unreadableSnapshots), attention: take(attention) };
  const total = report.missingFromVault.length + report.unreadableSnapshots.length + attention.length;
  return {
    vault: report.vault,
    snapshots: report.snapshots,
    untaggedSnapshots: report.untaggedSnapshots,
    drCopies: report.drCopies,
    outcomes,
    leftOut: outcomes.skipped > 0 || report.unreadableSnapshots.length > 0 || report.missingFromVault.length > 0,
    attention: listed.attention,
    unreadableSnapshots: listed.unreadableSnapshots,
    missingFromVault: listed.missingFromVault,
    notListed: total - (listed.attention.length + listed.unreadableSnapshots.length + listed.missingFromVault.length),
    ...(options.drProblem !== undefined ? { drProblem: options.drProblem } : {}),
    ...(report.warnings !== undefined ? { warnings: report.warnings } : {}),
  };
}
