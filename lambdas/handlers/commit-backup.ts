import { z } from 'zod';
import { commitBackup } from '../backup/commit-backup';
import { publishBackupMetrics } from '../operations/operation-metrics';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({ backup: z.object({ backupId: z.string().min(1), planKey: z.string().min(1) }) });

/** Commits every source of the run as a vault snapshot, then marks the backup COMMITTED in the catalog; publishes the backup's metrics. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'commit request' }, async ({ backup }, runtime) => {
  const committed = await commitBackup(backup, {
    vault: await runtime.openVault('primary'),
    catalog: runtime.catalog,
    ...(runtime.config.immutability ? { retentionDays: runtime.config.immutability.days } : {}),
  });
  publishBackupMetrics(runtime.environment, await runtime.catalog.requireBackup(committed.backupId));
  return committed;
});
