import { z } from 'zod';
import { abandonRestore } from '../restore/abandon-restore';
import { releaseUnplannedRestore } from '../restore/release-unplanned-restore';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// A planned restore by its plan; one that failed before its plan by its envelope (the resolve step's input), whose request resolve validates.
const inputSchema = z.union([
  z.strictObject({ planKey: z.string().regex(/^restore-plans\/[0-9A-Za-z_-]+\.json$/, 'must be a restore plan key') }),
  z.strictObject({ restoreId: z.string().regex(/^[0-9A-Za-z_-]{1,80}$/, 'must be the execution name'), request: z.unknown() }),
]);

/**
 * The failure path of a restore. Planned: unpins its backup, releases its target, aborts the multipart uploads and
 * removes the piece files of its entries restored in pieces. Not planned: unpins its backup and releases its target.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'abandon request' }, async (input, runtime) =>
  'planKey' in input
    ? abandonRestore(input, { ...runtime.restoreIo(), releasePin: runtime.releaseRestorePin() })
    : releaseUnplannedRestore(input, { sources: runtime.sources, homeVault: runtime.config.homeVault, catalog: runtime.catalog, releasePin: runtime.releaseRestorePin() }),
);
