import { type ScrubLog } from '../catalog/scrub-log';
import { scrubOutstandingObjects } from '../catalog/scrub-outstanding-count';
import { publishMetrics } from './publish-metrics';
import { secondsBetween } from './seconds-between';

/** What the watchdog read of the latest scrub run (`ageSeconds` from its start): absent before the first. */
export type ScrubWatch = { latest?: { startedAt: string; ageSeconds: number; outstandingObjects: number } };

/**
 * The watchdog's look at the scrub (primary region: the scrub records its runs in the primary catalog, scrub-log.ts): the
 * objects the latest run's record leaves damaged or missing, whichever run found them (scrubOutstandingObjects), published
 * as ScrubOutstandingObjects every few minutes. A run reads a seventh of the vaults, so a run whose slice misses the
 * damaged objects finds nothing and publishes ScrubCorrupt 0 while they stay damaged; the scrub-damage alarm on this
 * gauge stays in ALARM until a run reads them again and finds them good or repairs them (audit a58C F2). And the run's
 * age from its start, LastScrubAge: a scrub schedule that stopped firing was seen by no alarm (audit a58C F1). One query
 * of one item (Limit 1). Nothing is published before the first run (the scrub-age alarm treats that as breaching).
 */
export async function watchScrub(environment: string, deps: { scrubs: Pick<ScrubLog, 'latest'>; now?: () => Date }): Promise<ScrubWatch> {
  const latest = await deps.scrubs.latest();
  if (!latest) return {};
  const outstandingObjects = scrubOutstandingObjects(latest);
  const ageSeconds = secondsBetween(latest.startedAt, (deps.now ?? (() => new Date()))());
  publishMetrics({ environment }, { scrubOutstandingObjects: outstandingObjects, lastScrubAge: ageSeconds });
  return { latest: { startedAt: latest.startedAt, ageSeconds, outstandingObjects } };
}
