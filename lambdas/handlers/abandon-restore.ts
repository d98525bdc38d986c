import { z } from 'zod';
import { abandonRestore, type AbandonedRestore } from '../restore/abandon-restore';
import { boundedFailure, caughtErrorSchema, cleanUpReportingFailure } from '../restore/bounded-failure';
import { executionStartTimeSchema } from '../restore/execution-start-time';
import { executionRestoreIdSchema } from '../restore/restore-id';
import { releaseUnplannedRestore, type ReleasedUnplannedRestore } from '../restore/release-unplanned-restore';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// A planned restore by its plan; one that failed before its plan by its envelope (the resolve step's input), whose request resolve validates.
// `error`: the caught error that stopped the restore, given back bounded (bounded-failure.ts).
const error = caughtErrorSchema.optional();
const inputSchema = z.union([
  z.strictObject({ planKey: z.string().regex(/^restore-plans\/[0-9A-Za-z_-]+\.json$/, 'must be a restore plan key'), error }),
  // The restore id as the resolve step made it from the execution's name (resolve-restore.ts).
  // `execution`, `startedAt`: the execution's own ARN, which its resolve step records in its claim, and its start time:
  // the release ends only that execution's claim and pin (release-unplanned-restore.ts).
  z.strictObject({ restoreId: executionRestoreIdSchema, request: z.unknown(), execution: z.string().optional(), startedAt: executionStartTimeSchema.optional(), error }),
  // The error alone: the cleanup above failed after its retries, and its Catch left the caught error whole (review r59A F1);
  // `cleanupError`, that cleanup's error name, which the bounded message says (review r59K F3).
  z.strictObject({ error: caughtErrorSchema, cleanupError: z.string().optional() }),
]);

/**
 * The failure path of a restore. Planned: unpins its backup, releases its target, aborts the multipart uploads and
 * removes the piece files of its entries restored in pieces. Not planned: unpins its backup and releases its target.
 * Either way the output's `failure` is the given error, bounded, which the state machine reports in its stead
 * (cleanUpReportingFailure: also when the cleanup itself fails for a reason that is not transient, saying so). Given
 * the error alone, it only bounds it, saying the cleanup failed too when given its error (`cleanupError`): the state
 * machine's `Bound restore's error`, after a cleanup that failed after its retries.
 */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'abandon request' }, async (input, runtime) => {
  if (!('planKey' in input) && !('restoreId' in input)) return { failure: boundedFailure(input.error, input.cleanupError) };
  const cleanUp = (): Promise<AbandonedRestore | ReleasedUnplannedRestore> =>
    'planKey' in input
      ? abandonRestore(input, { ...runtime.restoreIo(), releasePin: runtime.releaseRestorePin() })
      : releaseUnplannedRestore(input, { sources: runtime.sources, homeVault: runtime.config.homeVault, catalog: runtime.catalog, releasePin: runtime.releaseRestorePin() });
  return input.error ? cleanUpReportingFailure(input.error, cleanUp) : cleanUp();
});
