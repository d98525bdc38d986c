import { z } from 'zod';
import { restoreContext } from '../restore/restore-context';
import { type RestoreReport, verifyRestore } from '../restore/verify-restore';
import { classifyError } from '../runtime/errors';
import { parseInput } from '../runtime/parse-input';

const inputSchema = z.object({ planKey: z.string().regex(/^restore-plans\/[0-9A-Za-z_-]+\.json$/, 'must be a restore plan key') });

/** Last step of the restore: finish directories, read the target back, compare with the manifest, report. */
export async function handler(event: unknown): Promise<RestoreReport> {
  const input = parseInput(inputSchema, event, 'restore verification request');
  const ctx = restoreContext();
  try {
    return await verifyRestore(input, ctx.io());
  } catch (err) {
    throw classifyError(err);
  }
}
