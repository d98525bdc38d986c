import { InvalidInputError } from '../runtime/errors';

/**
 * A forget of a plan that is not in the environment's config, asked for without a policy of its own. The
 * catalog keeps a renamed or removed plan's backups, and no configured policy reaches them (docs/RUNBOOKS.md,
 * "A plan removed or renamed"): the error says how many there are, so that the operator learns the cause
 * rather than a list of the current plans. The CLI rewrites the advice as the exact command line.
 */
export class UnconfiguredPlanError extends InvalidInputError {
  constructor(
    readonly plan: string,
    /** Committed backups of the plan not forgotten yet: what a policy could still forget. */
    readonly backups: number,
    readonly configuredPlans: readonly string[],
    advice = 'give a retention policy for them with the request (the newest backup is always kept, so keepLast 1 forgets all but the newest)',
  ) {
    super(
      `Invalid forget request: plan: the catalog holds ${backups} backup(s) of plan "${plan}", which is not in this environment's config ` +
        `(its plans: ${configuredPlans.join(', ')}), so no retention policy applies to them; ${advice}`,
    );
  }
}
