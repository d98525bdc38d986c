import { z } from 'zod';
import { forgetBackups } from '../retention/forget-backups';
import { summarizeForget } from '../retention/forget-summary';
import { snapshotArrivals } from '../retention/snapshot-arrivals';
import { pruneRequestSchema } from '../retention/prune-request';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/**
 * Called directly with `{ plan?, dryRun? }`, or as the first step of `<prefix>-prune` with the prune's
 * input as `request`: that is checked in full here (its graceHours and repackThreshold are the Prune
 * step's), so a prune input the Prune step would refuse forgets nothing first.
 */
const inputSchema = z
  .object({
    plan: z.string().min(1).optional(),
    dryRun: z.boolean().optional(),
    request: pruneRequestSchema.optional(),
  })
  .strict();

/**
 * The Forget step of `<prefix>-prune`: applies retention to the plans' backups in the function's
 * home vault (the primary stack: `retention` in the primary vault; the DR stack: `drRetention` in the
 * DR vault), with the catalog of that region. Every plan unless one is named.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'forget request', executionInputAt: 'request' }, async ({ request, ...direct }, runtime) => {
  const input = request !== undefined ? { dryRun: request.dryRun } : direct;
  const vault = runtime.config.homeVault;
  const report = await forgetBackups(input, { vault, openVault: () => runtime.openVault(vault), snapshotArrivals: () => snapshotArrivals(runtime.vaultStore(vault)), catalog: runtime.catalog, plans: runtime.plans, now: new Date() });
  return summarizeForget(report);
});
