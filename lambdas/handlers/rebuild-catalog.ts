import { z } from 'zod';
import { rebuildCatalog } from '../catalog/catalog-rebuild';
import { catalogRebuildSide } from '../catalog/catalog-rebuild-side';
import { summarizeRebuild } from '../catalog/catalog-rebuild-summary';
import { snapshotPresence } from '../catalog/snapshot-presence';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// Strict: a misspelt field ("vualt") is refused rather than silently rebuilding from the home vault.
const inputSchema = z.object({ vault: z.enum(['primary', 'dr'], { message: 'must be "primary" or "dr"' }).optional() }).strict();

/**
 * The catalog-rebuild runbook's one step: every committed backup's record rebuilt into this region's
 * catalog from the chosen vault's snapshots (default: the function's home vault).
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'catalog rebuild request' }, async (input, runtime) => {
  const side = catalogRebuildSide(input.vault, runtime.config.homeVault);
  const vault = await runtime.openVault(side);
  // From the primary, the DR vault's listing decides copies.dr; the DR vault's own records are COMMITTED in both.
  const dr = side === 'primary' ? await snapshotPresence(runtime.vaultStore('dr')) : undefined;
  const report = await rebuildCatalog({
    vault,
    side,
    catalog: runtime.catalog,
    environment: runtime.environment,
    plans: runtime.plans.map((p) => p.name),
    drHolds: dr?.holds ?? null,
  });
  return summarizeRebuild(report, { drProblem: dr?.problem });
});
