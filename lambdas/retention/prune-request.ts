import { z } from 'zod';

/** The most hours a prune's grace may be: a year, as the config schema's `environment.prune.graceHours`. */
const MAX_GRACE_HOURS = 24 * 365;

/**
 * The input of `<prefix>-prune` (docs/RUNBOOKS.md, "Prune"), checked in full by its first Lambda step
 * (Forget), before anything is forgotten, and again by the Prune step. Strict: a misspelt field
 * ("gracehours") is refused rather than silently falling back to a default.
 */
export const pruneRequestSchema = z
  .object({
    graceHours: z
      .number({ message: 'must be a number of hours' })
      .nonnegative({ message: 'must not be negative' })
      .max(MAX_GRACE_HOURS, { message: `must be at most a year (${MAX_GRACE_HOURS} hours)` })
      .optional(),
    repackThreshold: z.number({ message: 'must be a number' }).min(0, { message: 'must be at least 0' }).lt(1, { message: 'must be below 1' }).optional(),
    dryRun: z.boolean({ message: 'must be true or false' }).default(false),
  }, { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object such as {"graceHours": 25, "dryRun": true} (every field optional)' : undefined) })
  .strict();

export type PruneRequest = z.infer<typeof pruneRequestSchema>;
