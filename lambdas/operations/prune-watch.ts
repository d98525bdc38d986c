import { type PruneLog } from '../catalog/prune-log';
import { publishMetrics } from './publish-metrics';

/** What the watchdog read of its vault's latest prune run: absent before the first. */
export type PruneWatch = { vault: 'primary' | 'dr'; latest?: { startedAt: string; damagedPacks: number } };

/**
 * The watchdog's look at the prune of its region's vault (each vault's runs are in its region's catalog, prune-log.ts): the
 * damaged packs the latest run met, published as LastPruneDamagedPacks every few minutes, so the prune-damage alarm stays
 * in ALARM until a later run meets none, as `lifeboat status` shows the latest run's (prune-status.ts); the run's own
 * PruneDamagedPacks went quiet an hour after it (audit a58C F2). One query of one item. Nothing before the first run.
 */
export async function watchPrune(environment: string, vault: 'primary' | 'dr', deps: { prunes: Pick<PruneLog, 'latest'> }): Promise<PruneWatch> {
  const latest = await deps.prunes.latest(vault);
  if (!latest) return { vault };
  publishMetrics({ environment }, { lastPruneDamagedPacks: latest.damagedPacks });
  return { vault, latest: { startedAt: latest.startedAt, damagedPacks: latest.damagedPacks } };
}
