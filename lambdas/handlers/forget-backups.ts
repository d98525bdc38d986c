import { z } from 'zod';
import { markDeployedFormat } from '../catalog/catalog-format';
import { forgetBackups } from '../retention/forget-backups';
import { type ForgetSummary, summarizeForget } from '../retention/forget-summary';
import { snapshotArrivals } from '../retention/snapshot-arrivals';
import { pruneRequestSchema } from '../retention/prune-request';
import { type LambdaRuntime } from '../runtime/lambda-runtime';
import { lifeboatHandler } from '../runtime/lifeboat-handler';
import { type VaultStore } from '../../vault';

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

/** What the Forget step uses of the Lambda runtime. */
export type ForgetStepRuntime = Pick<LambdaRuntime, 'catalog' | 'plans' | 'openVault'> & {
  config: Pick<LambdaRuntime['config'], 'homeVault'>;
  vaultStore(side: LambdaRuntime['config']['homeVault']): Pick<VaultStore, 'listWithSizes'>;
};

/**
 * The Forget step of `<prefix>-prune`: applies retention to the plans' backups in the function's
 * home vault (the primary stack: `retention` in the primary vault; the DR stack: `drRetention` in the
 * DR vault), with the catalog of that region. Every plan unless one is named. A run that is not a dry run first marks
 * that catalog with this deployment's format (catalog-format.ts): in the DR region nothing else deployed does, and a
 * CLI's writes there heed that marker (its role's UpdateItem on the catalog allows it).
 */
export async function forgetStep(input: { plan?: string | undefined; dryRun?: boolean | undefined }, runtime: ForgetStepRuntime): Promise<ForgetSummary> {
  const vault = runtime.config.homeVault;
  if (input.dryRun !== true) await markDeployedFormat(runtime.catalog.formatMarker());
  const report = await forgetBackups(input, { vault, openVault: () => runtime.openVault(vault), snapshotArrivals: () => snapshotArrivals(runtime.vaultStore(vault)), catalog: runtime.catalog, plans: runtime.plans, now: new Date() });
  return summarizeForget(report);
}

export const handler = lifeboatHandler({ schema: inputSchema, describes: 'forget request', executionInputAt: 'request' }, async ({ request, ...direct }, runtime) =>
  forgetStep(request !== undefined ? { dryRun: request.dryRun } : direct, runtime),
);
