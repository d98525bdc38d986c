import { z } from 'zod';

/**
 * An execution's `$$.Execution.StartTime` in a restore step's envelope (resolve, release): only definitions that record
 * their execution in every claim pass it, so an execution passing it owns no claim that names none (target-claim.ts,
 * claimIsCallers).
 */
export const executionStartTimeSchema = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be the execution start time ($$.Execution.StartTime)');
