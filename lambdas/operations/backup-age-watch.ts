import { type BackupCatalog } from '../catalog/backup-catalog';
import { publishMetrics } from './publish-metrics';

/** How old a plan's newest committed backup, and its newest backup the DR vault holds, are; absent when it has none. */
export type PlanBackupAges = { plan: string; lastCommittedAgeSeconds?: number; lastReplicatedAgeSeconds?: number };

/**
 * The watchdog (scheduled every few minutes): each plan's last committed and last replicated
 * backup age from the catalog, published as LastCommittedBackupAge and LastReplicatedBackupAge. A
 * plan whose backups stopped (schedule deleted, every run refused) keeps being measured, which the
 * backups' own metrics cannot do. A plan without any such backup publishes nothing: its alarm treats
 * missing data as breaching. The age runs from the backup's start, as `lifeboat status`, the drill's
 * RPO and the report measure it: what a restore of it loses is everything written since it started
 * reading, so a long backup must not make the RPO alarm fire late by its duration.
 */
export async function watchBackupAges(
  environment: string,
  plans: readonly { name: string }[],
  deps: { catalog: Pick<BackupCatalog, 'listBackupsOfPlan'>; now?: () => Date },
): Promise<PlanBackupAges[]> {
  const now = (deps.now ?? (() => new Date()))().getTime();
  const ages: PlanBackupAges[] = [];
  for (const { name } of plans) {
    // Newest first (the byPlan index sorts by start time).
    const backups = await deps.catalog.listBackupsOfPlan(name);
    const committed = backups.find((b) => b.status === 'COMMITTED');
    const replicated = backups.find((b) => b.status === 'COMMITTED' && b.copies?.dr === 'COMMITTED');
    const ageOf = (b: { startedAt: string }): number => Math.max(0, (now - Date.parse(b.startedAt)) / 1000);
    const entry: PlanBackupAges = { plan: name };
    if (committed) entry.lastCommittedAgeSeconds = ageOf(committed);
    if (replicated) entry.lastReplicatedAgeSeconds = ageOf(replicated);
    publishMetrics({ environment, plan: name }, { lastCommittedBackupAge: entry.lastCommittedAgeSeconds, lastReplicatedBackupAge: entry.lastReplicatedAgeSeconds });
    ages.push(entry);
  }
  return ages;
}
