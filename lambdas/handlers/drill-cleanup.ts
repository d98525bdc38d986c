import { z } from 'zod';
import { cleanUpDrill, scratchDirectoryRootOf } from '../drill/scratch-targets';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({
  drillId: z.string().regex(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/, 'must be a drill id such as 20261124T100000Z-1a2b3c4d'),
  sweep: z.boolean({ message: 'must be true or false' }).default(true),
});

/** Fourth step of the drill: remove this drill's scratch targets and sweep those of earlier drills older than a day. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'drill cleanup request' }, async ({ drillId, sweep }, runtime) =>
  cleanUpDrill({ drillId, sweep, now: new Date() }, runtime.config.restoreTargetPrefix, {
    s3: runtime.clients.s3Client(),
    dynamodb: runtime.clients.dynamoDbClient(),
    directoryRoot: scratchDirectoryRootOf(runtime.config, runtime.directory),
  }),
);
