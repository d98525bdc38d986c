import { z } from 'zod';

/**
 * An execution's `$$.Execution.StartTime` in a restore step's envelope (resolve, release): by it an execution owns a
 * claim of its restore id that names no execution, taken no earlier than it started (target-claim.ts, claimIsCallers).
 */
export const executionStartTimeSchema = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be the execution start time ($$.Execution.StartTime)');
