import { otherCopyKind, type OtherCopyKind } from '../../lambdas/catalog/other-copy-kind';
import { listedOutstanding, type ScrubRunRecord } from '../../lambdas/catalog/scrub-record';

/**
 * Objects the latest scrub record keeps damaged or missing in one vault whose other copy was not verified (`otherCopy`)
 * and that name no backup a plan's row shows: a run cut while mapping objects left at its repair cutoff names them
 * without their backups (unrepaired-damage-mapping.ts, describeDamageUntil), an object may hold data of no backup at all, or only
 * of backups no row shows (a removed plan's, forgotten ones, ones no longer committed: review rQ F3). A plan's row names
 * only its shown backups, so without this such objects showed nowhere and status read ✓ (review rN F2). `corrupt`: how
 * many of them are corrupt, which only a scrub whose slice holds them reads again. Per kind of other copy (a refused one
 * apart from the unverified: no scrub reads it until the permission is fixed, review r63AB F2); absent when none.
 */
export type ScrubObjectsWithoutBackups = Partial<Record<OtherCopyKind, { objects: number; corrupt: number }>>;

/** `shown`: the backups the plans' rows show (plan-status.ts, scrubJudgedBackupIds of each configured plan read). */
export function scrubObjectsWithoutBackups(latest: ScrubRunRecord | 'unreadable' | undefined, shown: ReadonlySet<string>): ScrubObjectsWithoutBackups | undefined {
  if (latest === undefined || latest === 'unreadable') return undefined;
  const objects = listedOutstanding(latest.outstanding);
  // An object is one however many vaults it is bad in; one with no good copy in a vault is lost, and its row says so.
  const lost = new Set(objects.filter((o) => !o.goodCopy && o.otherCopy === undefined).map((o) => o.key));
  const found: ScrubObjectsWithoutBackups = {};
  for (const kind of ['unverified', 'refused', 'archived'] as const) {
    const named = new Set(objects.filter((o) => otherCopyKind(o) === kind && o.backups.some((id) => shown.has(id))).map((o) => o.key));
    const unnamed = new Map(objects.filter((o) => otherCopyKind(o) === kind && !named.has(o.key) && !lost.has(o.key)).map((o) => [o.key, o.problem]));
    if (unnamed.size > 0) found[kind] = { objects: unnamed.size, corrupt: [...unnamed.values()].filter((p) => p === 'corrupt').length };
  }
  return Object.keys(found).length > 0 ? found : undefined;
}
