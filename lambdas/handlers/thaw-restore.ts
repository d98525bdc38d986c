import { z } from 'zod';
import { thawRestore } from '../restore/thaw-restore';
import { lifeboatHandler } from '../runtime/lifeboat-handler';
import { thawWaitSecondsFromEnv } from '../thaw/pack-thaw';

const inputSchema = z.object({ planKey: z.string().regex(/^restore-plans\/[0-9A-Za-z_-]+\.json$/, 'must be a restore plan key') });

/** The restore's Thaw step: asks S3 to thaw the archived packs the restore reads; the state machine waits while any is pending. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'thaw request' }, async (input, runtime) => {
  const waitSeconds = thawWaitSecondsFromEnv();
  return thawRestore(input, {
    openVault: (side) => runtime.openVault(side),
    planS3: runtime.vaultS3(runtime.config.homeVault),
    planBucket: runtime.vaultBucket(runtime.config.homeVault),
    plans: runtime.config.plans,
    ...(waitSeconds !== undefined ? { waitSeconds } : {}),
  });
});
