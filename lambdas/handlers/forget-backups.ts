import { z } from 'zod';
import { forgetBackups } from '../retention/forget-backups';
import { summarizeForget } from '../retention/forget-summary';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const forgetRequest = { plan: z.string().min(1).optional(), dryRun: z.boolean().optional() };
/** Called directly with the request, or as the first step of `<prefix>-prune` with the prune's request as `request` (its graceHours and repackThreshold are the Prune step's). */
const inputSchema = z
  .object({
    ...forgetRequest,
    request: z.object({ ...forgetRequest, graceHours: z.number().optional(), repackThreshold: z.number().optional() }).strict().optional(),
  })
  .strict();

/**
 * The Forget step of `<prefix>-prune`: applies retention to the plans' backups in the function's
 * home vault (the primary stack: `retention` in the primary vault; the DR stack: `drRetention` in the
 * DR vault), with the catalog of that region. Every plan unless one is named.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'forget request' }, async ({ request, ...direct }, runtime) => {
  const input = request ? { ...(request.plan !== undefined ? { plan: request.plan } : {}), ...(request.dryRun !== undefined ? { dryRun: request.dryRun } : {}) } : direct;
  const vault = runtime.config.homeVault;
  const report = await forgetBackups(input, { vault, openStore: () => Promise.resolve(runtime.vaultStore(vault)), catalog: runtime.catalog, plans: runtime.plans, now: new Date() });
  return summarizeForget(report);
});
