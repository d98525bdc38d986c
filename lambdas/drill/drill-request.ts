import { z } from 'zod';
import { type DrillConfig, type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type DrillReport } from '../catalog/drill-record';
import { backupIdSchema } from '../backup/backup-id';
import { InvalidInputError } from '../runtime/errors';
import { describeInputIssues } from '../runtime/parse-input';

/** What a plan without a `drill` config drills with (config/lifeboat-config.ts, drillSchema's defaults). */
export const DRILL_DEFAULTS: Readonly<Pick<DrillConfig, 'selection' | 'windowDays' | 'vault' | 'samples'>> = { selection: 'latest', windowDays: 7, vault: 'dr', samples: 10 };

/**
 * The drill workflow's input, as the plan's schedule sends it (`{ "plan": P }`) or an operator
 * types it. Strict: a misspelt field ("sample") is refused rather than silently replaced by the
 * plan's default.
 */
export const drillInputSchema = z.strictObject({
  plan: z.string({ error: 'is required: the name of the plan to drill' }).min(1),
  backupId: backupIdSchema.optional(),
  selection: z.enum(['latest', 'random-within-window'], { error: 'must be "latest" or "random-within-window"' }).optional(),
  windowDays: z.number().int().min(1).max(3650).optional(),
  samples: z.number().int().min(0).max(10_000).optional(),
});
export type DrillInput = z.infer<typeof drillInputSchema>;

/** A validated drill request: the plan, and every choice resolved from the input or the plan's drill config. */
export type DrillRequest = {
  plan: ProtectionPlanConfig;
  /** `backup-id` when the input names the backup. */
  selection: DrillReport['selection'];
  backupId?: string;
  windowDays: number;
  samples: number;
};


/** Validates the drill input against the schema and the environment's plans; every error names the field. */
export function parseDrillRequest(raw: unknown, plans: readonly ProtectionPlanConfig[]): DrillRequest {
  const parsed = drillInputSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(`Invalid drill request: ${describeInputIssues(parsed.error, raw)}`);
  const input = parsed.data;
  const plan = plans.find((p) => p.name === input.plan);
  if (!plan) {
    throw new InvalidInputError(`Invalid drill request: plan: unknown plan "${input.plan}"; known plans: ${plans.map((p) => p.name).join(', ') || '(none)'}`);
  }
  if (input.backupId !== undefined && input.selection !== undefined) {
    throw new InvalidInputError('Invalid drill request: selection: give either "backupId" (drill that backup) or "selection" (how to pick one), not both');
  }
  const config = plan.drill ?? DRILL_DEFAULTS;
  return {
    plan,
    selection: input.backupId !== undefined ? 'backup-id' : (input.selection ?? config.selection),
    ...(input.backupId !== undefined ? { backupId: input.backupId } : {}),
    windowDays: input.windowDays ?? config.windowDays,
    samples: input.samples ?? config.samples,
  };
}
