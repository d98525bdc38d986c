import { z } from 'zod';
import { RESTORE_REPORT_PLACES } from '../../config/restore-report-in';
import { publishRestoreMetrics } from '../operations/operation-metrics';
import { verifyRestore } from '../restore/verify-restore';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({
  planKey: z.string().regex(/^restore-plans\/[0-9A-Za-z_-]+\.json$/, 'must be a restore plan key'),
  /** Where the report goes, which bounds its lists (lambdas/restore/restore-report-lists.ts); absent: the runbook's output. */
  reportIn: z.enum(RESTORE_REPORT_PLACES).optional(),
  /** With `parent-state`: how many sources the parent restores, whose reports share its state (the Map's item count). */
  reportSources: z.number().int('must be a whole number of sources').min(1, 'must be 1 or more').optional(),
});

/**
 * Last step of the restore: finish directories, read the target back, compare with the manifest, unpin the backup, report
 * (with what the backup itself left out of the source, from its catalog record).
 * A drill's restore (the drill's restore functions write scratch targets: LIFEBOAT_SCRATCH_TARGETS) keeps its pin: the
 * drill's Compare step reads the snapshot after this, and its cleanup step unpins (lambdas/drill/drill-pins.ts).
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'restore verification request' }, async (input, runtime) => {
  const releasePin = runtime.config.scratchTargets === true ? undefined : runtime.releaseRestorePin();
  // The home catalog: the one the resolve step read the backup from (it also holds the record of a DR-vault backup).
  const report = await verifyRestore(input, { ...runtime.restoreIo(), releasePin, backupRecords: runtime.catalog });
  const plan = runtime.plans.find((p) => p.sources.some((s) => s.name === report.source))?.name;
  publishRestoreMetrics(runtime.environment, plan, report);
  return report;
});
