import { z } from 'zod';
import { drillStartSchema } from '../drill/drill-start';
import { restoredOnly, sourceRestoreSchema } from '../drill/drill-state';
import { comparisonWithin } from '../drill/comparison-texts';
import { compareWithLiveSources } from '../drill/live-sample';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// verifiedAt: $$.State.EnteredTime (lib/constructs/drill-workflow.ts), the end of the RTO, in AWS and locally alike
// (local/executor/state-context.ts). Required: the function's own clock would move the RTO's end by each retry's backoff.
const inputSchema = z.object({
  drill: drillStartSchema,
  restored: z.array(sourceRestoreSchema),
  verifiedAt: z.iso.datetime({ offset: true, message: 'must be an ISO time ($$.State.EnteredTime)' }),
});

/**
 * Third step of the drill: restored copies against the live sources. The live buckets are in the
 * primary region (LIFEBOAT_PRIMARY_REGION); a drill in the DR region without it cannot reach them,
 * and the comparison says so per source instead of failing. A source whose restore failed has nothing
 * to compare: the others are compared all the same, so the drill's report has their figures.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'drill comparison request' }, async ({ drill, restored, verifiedAt }, runtime, invocation) => {
  const { primaryRegion, homeVault } = runtime.config;
  const liveRegion: string | undefined = primaryRegion ?? (homeVault === 'primary' ? runtime.config.region : undefined);
  const comparison = await compareWithLiveSources({ restored: restoredOnly(restored), samples: drill.samples, verifiedAt }, runtime.sources, {
    openVault: (side) => runtime.openVault(side),
    liveS3: liveRegion !== undefined ? runtime.clients.s3Client(liveRegion) : 'the primary region is not known to this function (LIFEBOAT_PRIMARY_REGION is not set: a DR vault in another account does not read the sources, docs/DEPLOYMENT.md; nor does the DR drill of a primary stack without env.region)',
    targetS3: runtime.clients.s3Client(),
    directory: runtime.directory,
    // The home catalog, which the verify step read the same record from: what the backup left out, its reason lines whole.
    backupRecords: runtime.catalog,
    // No source begun too near the function's timeout, past which the step would return nothing (audit a59A F2).
    ...(invocation ? { remainingMs: () => invocation.getRemainingTimeInMillis() } : {}),
  });
  // Its texts within the drill's state, beside every source's report (comparison-texts.ts).
  return comparisonWithin(comparison);
});
