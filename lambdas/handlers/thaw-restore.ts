import { z } from 'zod';
import { THAW_WAIT_SECONDS_ENV, thawRestore } from '../restore/thaw-restore';
import { InvalidEnvironmentError } from '../runtime/errors';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({ planKey: z.string().regex(/^restore-plans\/[0-9A-Za-z_-]+\.json$/, 'must be a restore plan key') });

/** The restore's Thaw step: asks S3 to thaw the archived packs the restore reads; the state machine waits while any is pending. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'thaw request' }, async (input, runtime) => {
  const override = process.env[THAW_WAIT_SECONDS_ENV];
  const waitSeconds = override === undefined || override === '' ? undefined : Number(override);
  if (waitSeconds !== undefined && !(Number.isInteger(waitSeconds) && waitSeconds >= 1)) throw new InvalidEnvironmentError(THAW_WAIT_SECONDS_ENV, 'must be a whole number of seconds, 1 or more');
  return thawRestore(input, {
    openVault: (side) => runtime.openVault(side),
    planS3: runtime.vaultS3(runtime.config.homeVault),
    planBucket: runtime.vaultBucket(runtime.config.homeVault),
    plans: runtime.config.plans,
    ...(waitSeconds !== undefined ? { waitSeconds } : {}),
  });
});
