import { z } from 'zod';
import { abandonRestore } from '../restore/abandon-restore';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

const inputSchema = z.object({ planKey: z.string().regex(/^restore-plans\/[0-9A-Za-z_-]+\.json$/, 'must be a restore plan key') });

/** The failure path of a planned restore: unpins its backup, aborts the multipart uploads and removes the piece files of its entries restored in pieces. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'abandon request' }, async (input, runtime) =>
  abandonRestore(input, { ...runtime.restoreIo(), releasePin: runtime.releaseRestorePin() }),
);
